-- One item's current match for the review page: the match, its runner-up's title, and the item's latest
-- decision (whether it still holds for the current evidence).
WITH latest AS (
    SELECT *
    FROM review_decisions
    WHERE item_id = $item_id
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
)
SELECT
    m.item_id, m.run_id, m.book_id, m.edition_id, m.confidence, m.tier, m.runner_up_book_id,
    m.runner_up_confidence, m.margin, coalesce(m.caps, []::VARCHAR[]) AS caps, m.explanation, m.evidence_hash,
    rb.title AS runner_up_title,
    d.seq AS decision_seq, d.decision, d.book_id AS decided_book_id, d.decided_by, d.decided_at,
    d.evidence_hash IS NOT DISTINCT FROM m.evidence_hash AS decision_current
FROM matches AS m
LEFT JOIN hc_books AS rb ON rb.book_id = m.runner_up_book_id
LEFT JOIN latest AS d ON d.item_id = m.item_id
WHERE m.item_id = $item_id
