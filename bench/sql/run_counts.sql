-- Per candidates run, in order: the run's counts (requests_by_strategy among them).
SELECT counts FROM runs WHERE flow = ? ORDER BY started_at;
