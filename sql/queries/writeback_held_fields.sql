-- Fields a rollback undid after the item's latest decision: a person took that value back, so
-- writeback does not write it again until someone decides about the item anew (approve again).
WITH last_decision AS (
    SELECT item_id, max(decided_at) AS decided_at
    FROM review_decisions
    GROUP BY item_id
)
SELECT DISTINCT l.item_id, l.field
FROM writeback_log AS l
LEFT JOIN last_decision AS d ON d.item_id = l.item_id
WHERE l.status = 'rolled_back'
  AND (d.decided_at IS NULL OR l.logged_at > d.decided_at)
