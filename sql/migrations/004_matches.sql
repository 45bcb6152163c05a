-- Scoring output (owned by the score flow). match_scores holds every candidate pair with its
-- named feature columns (added by the scoring module), confidence and per-field explanation.
CREATE TABLE IF NOT EXISTS match_scores (
    run_id       VARCHAR NOT NULL,
    item_id      VARCHAR NOT NULL,
    book_id      INTEGER NOT NULL,
    edition_id   INTEGER,
    confidence   DOUBLE NOT NULL,
    explanation  JSON,                      -- [{"feature":..,"level":..,"weight":..}, ...]
    scored_at    TIMESTAMP
);

-- One best candidate per item (the current state; history lives in match_scores by run_id).
CREATE TABLE IF NOT EXISTS matches (
    item_id               VARCHAR PRIMARY KEY,
    run_id                VARCHAR NOT NULL,
    book_id               INTEGER,          -- NULL when the item has no candidate at all
    edition_id            INTEGER,          -- best edition (audio preferred) of that book
    confidence            DOUBLE NOT NULL,
    tier                  VARCHAR NOT NULL, -- auto, pending, reject
    runner_up_book_id     INTEGER,
    runner_up_confidence  DOUBLE,
    margin                DOUBLE,
    caps                  VARCHAR[],        -- why the tier was capped (series_position, author, runner_up, ...)
    explanation           JSON,
    evidence_hash         VARCHAR,          -- changes when the item's evidence changes (review re-asks then)
    scored_at             TIMESTAMP
);
