-- writeback_history: every field shelfmatch wrote to ABS (or tried to, or undid), newest first, with the
-- before/after values and the run it belonged to. Answers "what did shelfmatch change, and can I undo it?"
-- (undo: `shelfmatch rollback --run RUN_ID` or `--item ITEM_ID`).
CREATE OR REPLACE VIEW writeback_history AS
WITH outcomes AS (
    -- The intent row is written before the request; the outcome row after. Show outcomes, and intents
    -- that never got one (a crash mid-write), which rollback/writeback resolve on their next run.
    SELECT l.*,
           row_number() OVER (PARTITION BY run_id, item_id, field ORDER BY seq DESC) AS newest
    FROM writeback_log l
)
SELECT
    o.logged_at,
    o.run_id,
    r.flow,
    CASE WHEN o.undoes_run_id IS NOT NULL THEN 'rollback of ' || o.undoes_run_id ELSE 'writeback' END AS kind,
    o.item_id,
    i.title                 AS abs_title,
    o.field,
    o.before,
    o.after,
    o.status,
    o.error,
    EXISTS (SELECT 1 FROM writeback_log u
            WHERE u.undoes_run_id = o.run_id AND u.item_id = o.item_id AND u.field = o.field
              AND u.status = 'rolled_back')                   AS rolled_back_since
FROM outcomes o
LEFT JOIN runs r      ON r.run_id = o.run_id
LEFT JOIN abs_items i ON i.item_id = o.item_id
WHERE o.newest = 1
ORDER BY o.logged_at DESC, o.seq DESC;
