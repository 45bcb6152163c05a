-- Prepared comparison keys (tasks/scoring/prepare.py: item_frame / book_frame rows), kept between score
-- runs so a run normalises only what changed — as in Splink, data preparation is its own step and
-- comparisons read ready-made keys. Both tables are caches: deleting their rows only makes the next
-- score run prepare those items / books again.

-- One row per item, valid while the item's evidence hash (score_items.sql) and prepare_version match.
-- The audio duration is not part of it: it comes from abs_items on every run.
CREATE TABLE IF NOT EXISTS score_prepared_items (
    item_id           VARCHAR PRIMARY KEY,
    evidence_hash     VARCHAR NOT NULL,     -- md5 of the item_evidence rows the keys were prepared from
    prepare_version   VARCHAR NOT NULL,     -- tasks.scoring.prepare.PREPARE_VERSION (normalisation rules)
    title_variants    STRUCT(text VARCHAR, sources INTEGER)[],  -- normalised titles + evidence-source bits
    title_sources     INTEGER,
    title_mask        INTEGER,
    authors           VARCHAR[],
    author_keys       VARCHAR[],            -- surname + initial, per author
    author_sources    INTEGER[],            -- evidence-source bits, per author
    narrators         VARCHAR[],
    series            VARCHAR[],
    positions         DOUBLE[],
    position_sources  INTEGER[],
    years             INTEGER[],
    asins             VARCHAR[],
    isbns             VARCHAR[],            -- ISBN-13 and -10 forms
    flags             VARCHAR[],            -- edition notes (abridged, dramatised, ...)
    prepared_at       TIMESTAMP
);

-- One row per Hardcover book, valid while the hash of its hc_books / hc_editions / hc_contributions /
-- hc_series rows (score_book_hashes.sql) and prepare_version match: a refetched book is prepared again.
CREATE TABLE IF NOT EXISTS score_prepared_books (
    book_id           INTEGER PRIMARY KEY,
    source_hash       VARCHAR NOT NULL,
    prepare_version   VARCHAR NOT NULL,
    title_variants    VARCHAR[],
    year              INTEGER,
    compilation       BOOLEAN,
    authors           VARCHAR[],
    author_keys       VARCHAR[],
    editions          STRUCT(edition_id BIGINT, audio_seconds DOUBLE, asin VARCHAR)[],  -- audio editions
    narrators         VARCHAR[],
    any_edition_id    BIGINT,
    asins             VARCHAR[],
    isbns             VARCHAR[],
    series            VARCHAR,
    position          DOUBLE,
    prepared_at       TIMESTAMP
);
