-- The stored plan of one writeback run, for display.
SELECT item_id, field, policy, before, after, book_id, approval
FROM writeback_plans
WHERE run_id = ?
ORDER BY item_id, field
