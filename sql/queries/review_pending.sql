-- Pending matches a person still has to look at: no decision yet, or the item's evidence changed
-- since the decision (its evidence_hash moved), so the old answer may no longer hold.
WITH latest AS (
    SELECT *
    FROM review_decisions
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
)
SELECT m.item_id, m.run_id, m.book_id, m.edition_id, m.confidence, m.tier, m.margin, m.caps,
       m.explanation, m.evidence_hash
FROM matches AS m
LEFT JOIN latest AS d ON d.item_id = m.item_id
WHERE m.tier = 'pending'
  AND m.book_id IS NOT NULL
  AND (d.item_id IS NULL OR d.evidence_hash IS DISTINCT FROM m.evidence_hash)
ORDER BY m.confidence DESC, m.item_id
