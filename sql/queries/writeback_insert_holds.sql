-- Bulk insert of a run's held items from the registered Arrow table `incoming_rows`.
INSERT INTO writeback_holds (run_id, item_id, book_id, edition_id, approval, hold, reason, held_at)
SELECT run_id, item_id, book_id, edition_id, approval, hold, reason, held_at
FROM incoming_rows
ORDER BY row_no
