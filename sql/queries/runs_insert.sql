-- A flow run starts: its row, with the process that runs it.
INSERT INTO runs (run_id, flow, parameters, started_at, status, pid, host, pid_started)
VALUES (?, ?, ?, ?, 'running', ?, ?, ?)
