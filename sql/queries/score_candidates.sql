-- Candidate books of the items to score (only books that were hydrated into hc_books can be scored),
-- grouped by item in score_prepared_items' order.
SELECT c.item_id, c.book_id, c.edition_id, c.strategy
FROM candidates AS c
JOIN abs_items AS i USING (item_id)
WHERE i.removed_at IS NULL
  AND ($item_ids IS NULL OR list_contains($item_ids, c.item_id))
  AND c.book_id IN (SELECT book_id FROM hc_books)
ORDER BY c.item_id, c.book_id;
