-- Hardcover: every request cached, the catalogue slice we fetched, and the candidates per item
-- (owned by the fetch_candidates flow).
CREATE TABLE IF NOT EXISTS hc_requests (
    cache_key    VARCHAR PRIMARY KEY,       -- sha256 of normalised query + canonical variables
    operation    VARCHAR,                   -- operation name / strategy (asin_isbn, author_books, search, hydrate)
    query        VARCHAR,
    variables    JSON,
    status       INTEGER,
    response     JSON,
    root_fields  INTEGER,                   -- what the request cost against the budget
    fetched_at   TIMESTAMP NOT NULL,
    run_id       VARCHAR
);

-- What the RateLimit headers said after each request (the budget as Hardcover sees it).
CREATE TABLE IF NOT EXISTS hc_rate_limits (
    observed_at   TIMESTAMP NOT NULL,
    run_id        VARCHAR,
    bucket        VARCHAR NOT NULL,         -- e.g. Free (per minute), daily
    quota         INTEGER,
    window_seconds INTEGER,
    remaining     INTEGER,
    reset_seconds INTEGER
);

CREATE TABLE IF NOT EXISTS hc_books (
    book_id         INTEGER PRIMARY KEY,
    title           VARCHAR,
    subtitle        VARCHAR,
    slug            VARCHAR,
    release_year    INTEGER,
    description     VARCHAR,
    pages           INTEGER,
    audio_seconds   INTEGER,
    users_count     INTEGER,
    compilation     BOOLEAN,
    canonical_id    INTEGER,
    genres          VARCHAR[],
    image_url       VARCHAR,
    fetched_at      TIMESTAMP
);

CREATE TABLE IF NOT EXISTS hc_editions (
    edition_id         INTEGER PRIMARY KEY,
    book_id            INTEGER NOT NULL,
    title              VARCHAR,
    subtitle           VARCHAR,
    isbn_10            VARCHAR,
    isbn_13            VARCHAR,
    asin               VARCHAR,
    reading_format_id  INTEGER,             -- 1 physical, 2 audio, 3 both, 4 ebook
    edition_format     VARCHAR,
    audio_seconds      INTEGER,
    pages              INTEGER,
    release_year       INTEGER,
    publisher          VARCHAR,
    language           VARCHAR,
    fetched_at         TIMESTAMP
);
CREATE INDEX IF NOT EXISTS hc_editions_book ON hc_editions(book_id);

-- Contributions on books (authors; role NULL = primary author) and editions (narrators, ...).
CREATE TABLE IF NOT EXISTS hc_contributions (
    contributable_type  VARCHAR NOT NULL,   -- Book or Edition
    contributable_id    INTEGER NOT NULL,   -- book_id or edition_id
    author_id           INTEGER,
    author_name         VARCHAR NOT NULL,
    contribution        VARCHAR,            -- NULL/'Author' = author; 'Narrator', 'Translator', ...
    ordinal             INTEGER
);

CREATE TABLE IF NOT EXISTS hc_series (
    book_id      INTEGER NOT NULL,
    series_id    INTEGER NOT NULL,
    series_name  VARCHAR,
    position     DOUBLE,
    details      VARCHAR,
    featured     BOOLEAN
);

CREATE TABLE IF NOT EXISTS candidates (
    item_id     VARCHAR NOT NULL,
    book_id     INTEGER NOT NULL,
    edition_id  INTEGER,                    -- the edition that brought it in (ASIN/ISBN hit), if any
    strategy    VARCHAR NOT NULL,           -- asin, isbn, author_books, series_books, search, transcript_search, manual
    rank        INTEGER,
    run_id      VARCHAR,
    found_at    TIMESTAMP,
    PRIMARY KEY (item_id, book_id)
);

-- Which evidence each item's candidates were fetched for: an item whose evidence hash is unchanged
-- is skipped by the next fetch_candidates run (written only when a run finished the item).
CREATE TABLE IF NOT EXISTS hc_item_status (
    item_id        VARCHAR PRIMARY KEY,
    evidence_hash  VARCHAR NOT NULL,
    n_candidates   INTEGER,
    strategies     VARCHAR[],
    run_id         VARCHAR,
    fetched_at     TIMESTAMP
);
