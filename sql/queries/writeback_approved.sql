-- Items allowed to reach ABS, and with which Hardcover book/edition.
-- A person's latest decision wins over the tier (a reject always wins; an approve may name another
-- book); with no decision, tier 'auto' counts as approved when $auto_ok; pending/reject never do.
WITH latest AS (
    SELECT *
    FROM review_decisions
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
)
SELECT
    coalesce(d.item_id, m.item_id) AS item_id,
    CASE WHEN d.decision = 'approve' THEN d.book_id ELSE m.book_id END AS book_id,
    CASE WHEN d.decision = 'approve' THEN d.edition_id ELSE m.edition_id END AS edition_id,
    CASE WHEN d.decision = 'approve' THEN 'approved' ELSE 'auto' END AS approval
FROM matches AS m
FULL OUTER JOIN latest AS d ON d.item_id = m.item_id
WHERE (d.decision = 'approve' AND d.book_id IS NOT NULL)
   OR (d.item_id IS NULL AND m.tier = 'auto' AND m.book_id IS NOT NULL AND $auto_ok)
ORDER BY item_id
