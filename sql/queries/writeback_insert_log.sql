INSERT INTO writeback_log (run_id, item_id, field, before, after, status, error, undoes_run_id, logged_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
