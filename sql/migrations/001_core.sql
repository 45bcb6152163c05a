-- Core bookkeeping: one row per flow run, one row per thing that failed (and why).
CREATE TABLE IF NOT EXISTS runs (
    run_id       VARCHAR PRIMARY KEY,
    flow         VARCHAR NOT NULL,          -- extract_abs, fetch_candidates, score, listen, sync, writeback, rollback
    parameters   JSON,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP,
    status       VARCHAR NOT NULL,          -- running, completed, failed
    counts       JSON,                      -- {"items_seen": .., "errors": .., ...}
    message      VARCHAR
);

CREATE TABLE IF NOT EXISTS errors (
    run_id   VARCHAR,
    flow     VARCHAR NOT NULL,
    item_id  VARCHAR,                       -- NULL when the error is not about one item
    kind     VARCHAR NOT NULL,              -- e.g. malformed_item, unreadable_file, http_429, asr_failed
    message  VARCHAR NOT NULL,              -- what and why, readable by a person
    detail   JSON,
    occurred_at TIMESTAMP NOT NULL
);
