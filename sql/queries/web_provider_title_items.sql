-- ABS items whose ABS title (or ISBN) is the query's, with their ABS authors as "a, b" (lower-cased)
-- for the author check. $title is lower-cased and trimmed; $isbn holds digits and X only.
SELECT item_id, lower(array_to_string(authors, ', ')) AS authors
FROM abs_items
WHERE removed_at IS NULL
  AND (lower(trim(title)) = $title
       OR ($isbn IS NOT NULL AND regexp_replace(upper(isbn), '[^0-9X]', '', 'g') = upper($isbn)))
ORDER BY item_id
LIMIT 50
