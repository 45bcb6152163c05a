-- Items extract already holds for one library: id, ABS updatedAt (ms) and whether they were marked removed.
SELECT item_id, updated_at, removed_at
FROM abs_items
WHERE library_id = ?
