-- Scoring output (owned by the score flow). match_scores holds every candidate pair of every run with
-- its named feature columns (similarity + comparison level per feature), weights, confidence and
-- per-field explanation; matches holds one best candidate per item (the current state).
CREATE TABLE IF NOT EXISTS match_scores (
    run_id            VARCHAR NOT NULL,
    item_id           VARCHAR NOT NULL,
    book_id           INTEGER NOT NULL,
    edition_id        INTEGER,              -- best edition of the book for this item (ASIN hit, else closest duration)
    rank              INTEGER,              -- 1 = the item's best candidate in this run
    confidence        DOUBLE NOT NULL,      -- calibrated probability that this book is the item
    match_weight      DOUBLE,               -- Fellegi–Sunter log2 odds (prior + sum of level weights)
    title_sim         INTEGER,              -- 0..100, best over evidence sources and title variants
    title_level       VARCHAR,              -- exact, close, candidate_longer, item_longer, fair, far, null
    sources_agree     INTEGER,              -- evidence sources whose title agrees (>= 90)
    sources_level     VARCHAR,              -- all, single, most, some, none, null
    author_sim        INTEGER,
    author_level      VARCHAR,              -- exact, close, fair, far, null
    narrator_sim      INTEGER,
    narrator_level    VARCHAR,              -- exact, close, far, null
    series_sim        INTEGER,
    series_level      VARCHAR,              -- exact, close, far, item_only, book_only, null
    position_level    VARCHAR,              -- equal, different, null
    duration_diff     DOUBLE,               -- |item - edition audio_seconds| / audio_seconds
    duration_level    VARCHAR,              -- within_3pct, within_10pct, within_25pct, far, null
    year_diff         INTEGER,
    year_level        VARCHAR,              -- exact, near, far, null
    identifier_level  VARCHAR,              -- asin, isbn, mismatch, null
    explanation       JSON,                 -- {"title": {"level": "exact", "weight": 4.69}, ...} in comparison order
    model_version     VARCHAR,
    scored_at         TIMESTAMP
);
CREATE INDEX IF NOT EXISTS match_scores_item ON match_scores(item_id);  -- dropped by 009

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
    explanation           JSON,             -- per-field {"feature": {"level", "weight"}} (weights in bits)
    evidence_hash         VARCHAR,          -- changes when the item's evidence changes (review re-asks then)
    scored_at             TIMESTAMP,
    model_version         VARCHAR
);
