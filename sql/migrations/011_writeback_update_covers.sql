-- Writeback brings approved items to the book's values, names the items it plans for, leaves what a
-- person changed in ABS, and sets covers with their bytes kept for rollback.

-- A plan row is a write or a conflict (a field a person changed in ABS: listed, left alone unless
-- forced), with why, and the item's title and author as the last extract saw them (rows stored
-- before these columns have NULLs: they are writes).
ALTER TABLE writeback_plans ADD COLUMN IF NOT EXISTS action VARCHAR;       -- write, conflict
ALTER TABLE writeback_plans ADD COLUMN IF NOT EXISTS reason VARCHAR;       -- "differs from the matched book", ...
ALTER TABLE writeback_plans ADD COLUMN IF NOT EXISTS item_title VARCHAR;
ALTER TABLE writeback_plans ADD COLUMN IF NOT EXISTS item_author VARCHAR;

-- An edition's own image (an audio edition's cover is the square audiobook art).
ALTER TABLE hc_editions ADD COLUMN IF NOT EXISTS image_url VARCHAR;

-- Cover images by content: every cover writeback set, and every cover it replaced (read from ABS
-- before the replacement), so a rollback puts back the very bytes.
CREATE TABLE IF NOT EXISTS cover_images (
    sha256     VARCHAR PRIMARY KEY,
    ext        VARCHAR NOT NULL,                -- png, jpg, webp (from the image's magic bytes)
    size       BIGINT NOT NULL,
    bytes      BLOB NOT NULL,
    stored_at  TIMESTAMP NOT NULL
);
-- Which image a catalogue URL served (a re-run does not download it again).
CREATE TABLE IF NOT EXISTS cover_sources (
    url         VARCHAR PRIMARY KEY,
    sha256      VARCHAR NOT NULL,
    fetched_at  TIMESTAMP NOT NULL
);

-- The journal's name for "ABS already holds the book's value" is already_equal.
UPDATE writeback_log SET status = 'already_equal' WHERE status = 'already_applied';
