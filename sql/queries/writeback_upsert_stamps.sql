-- ABS's updatedAt of items as shelfmatch's own write left them, from the registered Arrow table `incoming_rows`.
INSERT OR REPLACE INTO writeback_item_stamps (item_id, updated_at, run_id, read_at)
SELECT item_id, updated_at, run_id, read_at
FROM incoming_rows
ORDER BY row_no
