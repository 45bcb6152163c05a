-- What a writeback run planned: field writes and their items, conflicts left alone, items held.
SELECT
    count(*) FILTER (WHERE coalesce(action, 'write') = 'write') AS fields,
    count(DISTINCT item_id) FILTER (WHERE coalesce(action, 'write') = 'write') AS items,
    count(*) FILTER (WHERE action = 'conflict') AS conflicts,
    (SELECT count(*) FROM writeback_holds WHERE run_id = $run_id) AS held
FROM writeback_plans
WHERE run_id = $run_id
