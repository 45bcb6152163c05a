-- Evidence rows of the items to prepare (`score_stale` registered with item_id).
SELECT e.item_id, e.source, e.field, e.value, e.ordinal, e.rule
FROM item_evidence AS e
WHERE e.item_id IN (SELECT item_id FROM score_stale);
