-- The writes one writeback run planned (holds and skips left out).
SELECT item_id, field, after
FROM writeback_plans
WHERE run_id = ? AND coalesce(action, 'write') = 'write';
