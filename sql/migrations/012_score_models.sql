-- The models score runs used when they adapted the shipped model to this library (Splink-style EM on
-- the run's candidate pairs, review decisions as labels). matches.model_version and
-- match_scores.model_version name a row here, or the shipped model file.
CREATE TABLE IF NOT EXISTS score_models (
    model_version  VARCHAR PRIMARY KEY,     -- <shipped version>+lib-<hash of the weights>
    base_version   VARCHAR NOT NULL,        -- the shipped model it was adapted from (the prior)
    parameters     JSON NOT NULL,           -- the whole model, as the model file stores it
    items          INTEGER,                 -- items and pairs it was estimated on
    pairs          INTEGER,
    labels         INTEGER,                 -- pairs fixed by review decisions
    run_id         VARCHAR,                 -- the score run that estimated it
    created_at     TIMESTAMP NOT NULL
);
