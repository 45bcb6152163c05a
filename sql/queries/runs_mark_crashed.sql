-- A run whose process is gone: it did not finish, and says so.
UPDATE runs SET status = 'crashed', finished_at = ?, message = ?
WHERE run_id = ? AND status = 'running'
