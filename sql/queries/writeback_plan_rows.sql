-- The stored plan of one writeback run, for display: writes first, then conflicts, by item title.
-- Rows stored before plans had an action are writes.
SELECT item_id, item_title, item_author, field, policy, before, after, book_id, approval,
       coalesce(action, 'write') AS action, reason
FROM writeback_plans
WHERE run_id = ?
ORDER BY coalesce(action, 'write') DESC, item_title NULLS LAST, item_id, field
