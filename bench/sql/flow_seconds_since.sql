-- Each flow run started since the given time and finished: its flow and seconds, oldest first.
SELECT flow, epoch(finished_at) - epoch(started_at)
FROM runs
WHERE started_at >= ? AND finished_at IS NOT NULL
ORDER BY started_at;
