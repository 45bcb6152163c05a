-- Review decisions as labels for adapting the model: each item's latest decision (an approved book is
-- the item's match; a rejected book is not), for the items of this run (`$item_ids`, NULL = all). A
-- decision labels only the evidence it was made on: one whose evidence hash no longer matches the
-- item's current one says nothing about today's candidates.
WITH latest AS (
    SELECT *
    FROM review_decisions
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
)
SELECT d.item_id, d.book_id, d.decision
FROM latest d
JOIN score_run_items t USING (item_id)
WHERE d.book_id IS NOT NULL
  AND d.decision IN ('approve', 'reject')
  AND d.evidence_hash IS NOT DISTINCT FROM t.evidence_hash;
