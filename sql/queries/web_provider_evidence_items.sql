-- ABS items whose evidence (folder, file names, tags, what listening heard) has the query's title or ISBN,
-- asked when no ABS title or ISBN matched; with their ABS authors as "a, b" (lower-cased).
SELECT DISTINCT e.item_id, lower(array_to_string(i.authors, ', ')) AS authors
FROM item_evidence AS e
JOIN abs_items AS i ON i.item_id = e.item_id
WHERE i.removed_at IS NULL
  AND ((e.field = 'title' AND lower(trim(e.value)) = $title)
       OR ($isbn IS NOT NULL AND e.field = 'isbn' AND regexp_replace(upper(e.value), '[^0-9X]', '', 'g') = upper($isbn)))
ORDER BY e.item_id
LIMIT 50
