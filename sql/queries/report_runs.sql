-- Flow runs, newest first (the report's "Recent runs" table).
SELECT flow, status, started_at, finished_at, message
FROM runs
ORDER BY started_at DESC
