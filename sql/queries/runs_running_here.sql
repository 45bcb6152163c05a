-- Runs still 'running' that were started by a process on this host.
SELECT run_id, pid, pid_started
FROM runs
WHERE status = 'running' AND host = ? AND pid IS NOT NULL
