-- Bulk append of journal rows from the registered Arrow table `incoming_rows` (seq keeps their order).
INSERT INTO writeback_log (run_id, item_id, field, before, after, status, error, undoes_run_id, logged_at)
SELECT run_id, item_id, field, before::JSON, after::JSON, status, error, undoes_run_id, logged_at
FROM incoming_rows
ORDER BY row_no
