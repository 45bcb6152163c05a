-- Intents with no outcome yet: a run stopped between committing the intent and recording what
-- ABS did. The next run reads ABS and records the outcome (reconciliation).
SELECT l.seq, l.run_id, l.item_id, l.field, l.before, l.after, l.undoes_run_id
FROM writeback_log AS l
WHERE l.status = 'intent'
  AND NOT EXISTS (
      SELECT 1 FROM writeback_log AS o
      WHERE o.run_id = l.run_id AND o.item_id = l.item_id AND o.field = l.field
        AND o.undoes_run_id IS NOT DISTINCT FROM l.undoes_run_id AND o.seq > l.seq
  )
ORDER BY l.seq
