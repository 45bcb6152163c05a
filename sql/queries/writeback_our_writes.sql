-- shelfmatch's writes still in force on the given items (verified, not rolled back), made after the
-- item's latest decision: the value written per field, latest first wins. ABS holding another value
-- there means someone changed it after our write; deciding about the item again starts afresh.
WITH last AS (
    SELECT *
    FROM writeback_log
    WHERE undoes_run_id IS NULL
      AND item_id IN (SELECT unnest($item_ids::VARCHAR[]))
    QUALIFY row_number() OVER (PARTITION BY run_id, item_id, field ORDER BY seq DESC) = 1
),
undone AS (
    SELECT DISTINCT undoes_run_id AS run_id, item_id, field
    FROM writeback_log
    WHERE status = 'rolled_back'
),
decided AS (
    SELECT item_id, max(decided_at) AS decided_at
    FROM review_decisions
    GROUP BY item_id
)
SELECT l.item_id, l.field, arg_max(l.after, l.seq) AS after
FROM last AS l
LEFT JOIN decided AS d ON d.item_id = l.item_id
WHERE l.status = 'verified'
  AND (d.decided_at IS NULL OR l.logged_at > d.decided_at)
  AND NOT EXISTS (
      SELECT 1 FROM undone AS u
      WHERE u.run_id = l.run_id AND u.item_id = l.item_id AND u.field = l.field
  )
GROUP BY l.item_id, l.field
