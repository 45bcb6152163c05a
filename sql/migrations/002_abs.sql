-- What ABS knows about each item (owned by the extract_abs flow).
CREATE TABLE IF NOT EXISTS abs_items (
    item_id          VARCHAR PRIMARY KEY,   -- ABS library item id
    library_id       VARCHAR NOT NULL,
    folder_id        VARCHAR,
    book_id          VARCHAR,               -- ABS media (book) id
    ino              VARCHAR,
    path             VARCHAR,               -- absolute server path
    rel_path         VARCHAR,               -- relative to the library folder, POSIX
    is_file          BOOLEAN,
    title            VARCHAR,
    subtitle         VARCHAR,
    authors          VARCHAR[],
    narrators        VARCHAR[],
    series           STRUCT(name VARCHAR, sequence VARCHAR)[],
    genres           VARCHAR[],
    tags             VARCHAR[],
    published_year   VARCHAR,
    published_date   VARCHAR,
    publisher        VARCHAR,
    description      VARCHAR,
    isbn             VARCHAR,
    asin             VARCHAR,
    language         VARCHAR,
    explicit         BOOLEAN,
    abridged         BOOLEAN,
    duration         DOUBLE,                -- seconds
    size             BIGINT,                -- bytes
    num_audio_files  INTEGER,
    cover_path       VARCHAR,
    added_at         BIGINT,                -- ABS ms epoch
    updated_at       BIGINT,                -- ABS ms epoch; drives incremental re-fetch
    is_missing       BOOLEAN,
    is_invalid       BOOLEAN,
    removed_at       TIMESTAMP,             -- set when the item vanished from ABS (rows are kept)
    raw              JSON,                  -- the expanded item as ABS sent it
    extracted_at     TIMESTAMP NOT NULL,
    run_id           VARCHAR
);

CREATE TABLE IF NOT EXISTS abs_audio_files (
    item_id      VARCHAR NOT NULL,
    ino          VARCHAR NOT NULL,
    idx          INTEGER,                   -- ABS play order (1-based)
    filename     VARCHAR,
    ext          VARCHAR,
    path         VARCHAR,
    rel_path     VARCHAR,                   -- relative to the item folder
    size         BIGINT,
    duration     DOUBLE,
    format       VARCHAR,
    codec        VARCHAR,
    bit_rate     BIGINT,
    mime_type    VARCHAR,
    exclude      BOOLEAN,
    meta_tags    JSON,                      -- every metaTags key ABS read at scan time
    PRIMARY KEY (item_id, ino)
);

CREATE TABLE IF NOT EXISTS abs_files (
    item_id           VARCHAR NOT NULL,
    ino               VARCHAR NOT NULL,
    filename          VARCHAR,
    ext               VARCHAR,
    path              VARCHAR,
    rel_path          VARCHAR,
    size              BIGINT,
    file_type         VARCHAR,              -- audio, image, ebook, text, metadata, unknown
    is_supplementary  BOOLEAN,
    PRIMARY KEY (item_id, ino)
);

-- Evidence: what each source says about each item. Multi-valued fields (authors, narrators)
-- are one row per value, in order (ordinal). `rule` names the parser rule that produced it.
-- Sources: abs, path, filename, tags, transcript.
-- Fields: title, subtitle, author, narrator, series, sequence, year, asin, isbn, publisher, language, ...
CREATE TABLE IF NOT EXISTS item_evidence (
    item_id   VARCHAR NOT NULL,
    source    VARCHAR NOT NULL,
    field     VARCHAR NOT NULL,
    value     VARCHAR NOT NULL,
    ordinal   INTEGER DEFAULT 0,
    rule      VARCHAR,
    run_id    VARCHAR
);
CREATE INDEX IF NOT EXISTS item_evidence_item ON item_evidence(item_id);
