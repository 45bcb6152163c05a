-- The first rows of a writeback run's plan, narrators first (what the demo shows of the dry-run).
SELECT i.title AS item, p.field, CAST(p.before AS VARCHAR) AS before, CAST(p.after AS VARCHAR) AS after
FROM writeback_plans p
JOIN abs_items i USING (item_id)
WHERE p.run_id = $run_id
ORDER BY p.field = 'narrators' DESC, i.title, p.field
LIMIT $limit
