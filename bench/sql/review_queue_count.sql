-- Items the review queue holds: matched, not removed, pending or a reject at or above the given confidence, not decided.
SELECT count(*)
FROM matches m
JOIN abs_items i USING (item_id)
WHERE m.book_id IS NOT NULL
  AND i.removed_at IS NULL
  AND (m.tier = 'pending' OR (m.tier = 'reject' AND m.confidence >= ?))
  AND item_id NOT IN (SELECT item_id FROM review_decisions);
