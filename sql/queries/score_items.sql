-- The items to score, with their audio duration, a hash of their evidence (review re-asks when it changes)
-- and whether a candidates run ever finished them (`fetched`: an item Hardcover could not be asked about
-- yet is waiting, not rejected), in item order (as score_candidates and score_prepared_items).
SELECT
    i.item_id,
    i.duration,
    md5(coalesce(string_agg(e.source || '|' || e.field || '|' || coalesce(e.rule, '') || '|' || e.ordinal || '|' || e.value,
                            chr(10) ORDER BY e.source, e.field, e.rule, e.ordinal, e.value), '')) AS evidence_hash,
    s.item_id IS NOT NULL AS fetched
FROM abs_items AS i
LEFT JOIN item_evidence AS e USING (item_id)
LEFT JOIN hc_item_status AS s USING (item_id)
WHERE i.removed_at IS NULL
  AND ($item_ids IS NULL OR list_contains($item_ids, i.item_id))
GROUP BY i.item_id, i.duration, s.item_id
ORDER BY i.item_id;
