-- The process that runs a flow, so that a run left 'running' by a process that no longer exists
-- (kill -9, a power cut) is found and marked 'crashed' by the next run on that host.
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host VARCHAR;
ALTER TABLE runs ADD COLUMN pid_started DOUBLE;  -- the process's start time (epoch s): a reused pid is not it
