-- Approved or auto items that a writeback run did not write, and why: an approval holds only for the
-- evidence it was made on, and an item is written only from what the latest sync read of it.
CREATE TABLE IF NOT EXISTS writeback_holds (
    run_id      VARCHAR NOT NULL,
    item_id     VARCHAR NOT NULL,
    book_id     INTEGER,                    -- the book that would have been written
    edition_id  INTEGER,
    approval    VARCHAR,                    -- auto (tier auto) or approved (a person's decision)
    hold        VARCHAR NOT NULL,           -- evidence_changed, removed, missing_files, extract_failed,
                                            -- not_extracted, changed_in_abs
    reason      VARCHAR NOT NULL,           -- the sentence the plan shows ("held — evidence changed since approval")
    held_at     TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS writeback_holds_run ON writeback_holds(run_id);

-- ABS's updatedAt of an item as shelfmatch's own latest write (writeback or rollback) left it, read back
-- right after the write. Writeback holds items whose ABS updatedAt is newer than the last sync; this
-- keeps shelfmatch's own writes from counting as such a change.
CREATE TABLE IF NOT EXISTS writeback_item_stamps (
    item_id     VARCHAR PRIMARY KEY,
    updated_at  BIGINT NOT NULL,            -- ABS ms epoch
    run_id      VARCHAR NOT NULL,
    read_at     TIMESTAMP NOT NULL
);
