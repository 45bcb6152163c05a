-- Writeback and rollback runs, newest first, with what each wrote (the review page's history).
SELECT r.run_id, r.flow, r.parameters, r.started_at, r.finished_at, r.status, r.counts,
       (SELECT count(*) FROM writeback_log AS l WHERE l.run_id = r.run_id AND l.status = 'verified') AS verified,
       (SELECT count(*) FROM writeback_log AS l WHERE l.undoes_run_id = r.run_id AND l.status = 'rolled_back') AS rolled_back
FROM runs AS r
WHERE r.flow IN ('writeback', 'rollback')
ORDER BY r.started_at DESC
LIMIT 50
