-- Evidence rows of the items to score ($item_ids NULL = every item still in ABS).
SELECT e.item_id, e.source, e.field, e.value, e.ordinal, e.rule
FROM item_evidence AS e
JOIN abs_items AS i USING (item_id)
WHERE i.removed_at IS NULL
  AND ($item_ids IS NULL OR list_contains($item_ids, e.item_id));
