-- Writes that are in ABS and not yet undone: a writeback run's field whose last outcome is
-- 'verified' and that no rollback has 'rolled_back'. Rollback restores their `before`.
WITH last AS (
    SELECT *
    FROM writeback_log
    WHERE undoes_run_id IS NULL
    QUALIFY row_number() OVER (PARTITION BY run_id, item_id, field ORDER BY seq DESC) = 1
),
undone AS (
    SELECT DISTINCT undoes_run_id AS run_id, item_id, field
    FROM writeback_log
    WHERE status = 'rolled_back'
)
SELECT l.seq, l.run_id, l.item_id, l.field, l.before, l.after
FROM last AS l
WHERE l.status = 'verified'
  AND NOT EXISTS (
      SELECT 1 FROM undone AS u
      WHERE u.run_id = l.run_id AND u.item_id = l.item_id AND u.field = l.field
  )
ORDER BY l.seq
