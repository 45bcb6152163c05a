-- Review, writeback and rollback. Append-only: every decision and every field write is a
-- new row, so the history of who approved what, and what was written and undone, is kept.
CREATE SEQUENCE IF NOT EXISTS review_decisions_seq;
CREATE SEQUENCE IF NOT EXISTS writeback_log_seq;

-- A person's decision about an item. The latest row per item is the one that counts.
CREATE TABLE IF NOT EXISTS review_decisions (
    seq            BIGINT DEFAULT nextval('review_decisions_seq') PRIMARY KEY,
    item_id        VARCHAR NOT NULL,
    book_id        INTEGER,                 -- the Hardcover book approved (may differ from matches.book_id)
    edition_id     INTEGER,
    decision       VARCHAR NOT NULL,        -- approve, reject
    decided_at     TIMESTAMP NOT NULL,
    decided_by     VARCHAR,                 -- OS user or --by
    note           VARCHAR,
    evidence_hash  VARCHAR,                 -- matches.evidence_hash when decided: review re-asks when it changes
    via            VARCHAR                  -- review, approve, reject (the command that recorded it)
);
CREATE INDEX IF NOT EXISTS review_decisions_item ON review_decisions(item_id);

-- What a writeback run (dry-run or --apply) planned, field by field. before/after are JSON in ABS form.
CREATE TABLE IF NOT EXISTS writeback_plans (
    run_id      VARCHAR NOT NULL,
    item_id     VARCHAR NOT NULL,
    field       VARCHAR NOT NULL,           -- title, subtitle, authors, narrators, series, publisher, ...
    policy      VARCHAR NOT NULL,           -- fill_missing, overwrite
    before      JSON,
    after       JSON,
    book_id     INTEGER,
    edition_id  INTEGER,
    approval    VARCHAR,                    -- auto (tier auto) or approved (a person's decision)
    planned_at  TIMESTAMP NOT NULL
);

-- Every field write: the intent is committed before the request, then its outcome as a new row.
-- status: intent, verified, mismatch, missing, failed, refused, already_applied, not_applied,
--         rolled_back, conflict.  undoes_run_id: for rollback rows, the writeback run being undone.
CREATE TABLE IF NOT EXISTS writeback_log (
    seq            BIGINT DEFAULT nextval('writeback_log_seq') PRIMARY KEY,
    run_id         VARCHAR NOT NULL,
    item_id        VARCHAR NOT NULL,
    field          VARCHAR NOT NULL,
    before         JSON,
    after          JSON,
    status         VARCHAR NOT NULL,
    error          VARCHAR,
    undoes_run_id  VARCHAR,
    logged_at      TIMESTAMP NOT NULL       -- (`at` is a reserved word in DuckDB)
);
CREATE INDEX IF NOT EXISTS writeback_log_item ON writeback_log(item_id);
