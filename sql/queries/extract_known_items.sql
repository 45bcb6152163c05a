-- Items extract already holds for one library: id, ABS updatedAt (ms), whether they were marked removed,
-- and whether a write was sent to them since they were read (ABS may have saved part of a write without
-- moving updatedAt — it crashes on some payloads after saving some fields — so they are read again).
SELECT
    i.item_id,
    i.updated_at,
    i.removed_at,
    EXISTS (
        SELECT 1 FROM writeback_log w
        WHERE w.item_id = i.item_id AND w.status = 'intent' AND w.logged_at > i.extracted_at
    ) AS written_since
FROM abs_items AS i
WHERE i.library_id = ?
