-- Each flow run started since the given time: its flow and when it started (epoch seconds), oldest first.
SELECT flow, epoch(started_at)
FROM runs
WHERE started_at >= ?
ORDER BY started_at;
