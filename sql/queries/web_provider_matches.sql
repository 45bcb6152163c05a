-- The current match and latest decision of the items a provider query named, and their scored candidates
-- (the match's score run), one row per candidate.
WITH latest AS (
    SELECT *
    FROM review_decisions
    WHERE item_id = ANY($item_ids::VARCHAR[])
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
)
SELECT m.item_id, m.book_id AS match_book_id, m.edition_id AS match_edition_id, m.tier, m.confidence AS match_confidence,
       d.decision, d.book_id AS decided_book_id, d.edition_id AS decided_edition_id,
       d.evidence_hash IS NOT DISTINCT FROM m.evidence_hash AS decision_current,
       s.book_id, s.edition_id, s.confidence
FROM matches AS m
LEFT JOIN latest AS d ON d.item_id = m.item_id
LEFT JOIN match_scores AS s ON s.item_id = m.item_id AND s.run_id = m.run_id
WHERE m.item_id = ANY($item_ids::VARCHAR[])
ORDER BY m.item_id, s.confidence DESC NULLS LAST, s.book_id
