-- How often each evidence source named the book that an identifier, the narrator or the audio's length
-- settled, in this library (tasks/scoring/reliability.py), as each score run estimated it from its own
-- pairs. A conflict between sources leans to the ones this library's settled items show right; a run that
-- rescores a few items judges its conflicts by the library's latest rates.
CREATE TABLE IF NOT EXISTS score_source_reliability (
    run_id       VARCHAR NOT NULL,      -- the score run that estimated them
    source       VARCHAR NOT NULL,      -- abs, path, filename, tags, transcript
    settled      INTEGER NOT NULL,      -- settled items the source gives a title for
    named        INTEGER NOT NULL,      -- of those, the ones whose settled book it names
    rate         DOUBLE NOT NULL,       -- (named + prior_rate * prior_items) / (settled + prior_items)
    prior_rate   DOUBLE NOT NULL,
    prior_items  DOUBLE NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, source)
);
