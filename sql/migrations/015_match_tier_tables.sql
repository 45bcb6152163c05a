-- matches_auto, matches_pending, matches_reject and matches_waiting: each tier's matches with the item's
-- and the book's titles, for a person to query. Every score run refills them (score_tier_tables.sql) in
-- the transaction that writes `matches`; they are created here so that the refill is plain DML. A
-- warehouse a score run has already filled keeps its tables and their rows.
CREATE TABLE IF NOT EXISTS matches_auto (
    item_id               VARCHAR,
    item_title            VARCHAR,
    item_authors          VARCHAR[],
    book_id               INTEGER,
    book_title            VARCHAR,
    edition_id            INTEGER,
    confidence            DOUBLE,
    margin                DOUBLE,
    runner_up_book_id     INTEGER,
    runner_up_confidence  DOUBLE,
    caps                  VARCHAR[],
    explanation           JSON,
    evidence_hash         VARCHAR,
    run_id                VARCHAR,
    scored_at             TIMESTAMP
);
CREATE TABLE IF NOT EXISTS matches_pending AS SELECT * FROM matches_auto LIMIT 0;
CREATE TABLE IF NOT EXISTS matches_reject AS SELECT * FROM matches_auto LIMIT 0;
CREATE TABLE IF NOT EXISTS matches_waiting AS SELECT * FROM matches_auto LIMIT 0;
