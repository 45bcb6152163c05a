-- Matched items' titles and authors, as many as asked, in a stable pseudo-random order.
SELECT i.title, array_to_string(i.authors, ', ')
FROM abs_items i
JOIN matches m USING (item_id)
WHERE i.title IS NOT NULL AND m.book_id IS NOT NULL
ORDER BY hash(i.item_id)
LIMIT ?;
