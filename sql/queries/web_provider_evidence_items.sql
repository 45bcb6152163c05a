-- ABS items a custom-provider query names by their evidence (asked when no ABS title or ISBN matched):
-- an ISBN or a title from the folder, file names, tags or what listening heard, and the author when given.
SELECT DISTINCT e.item_id
FROM item_evidence AS e
JOIN abs_items AS i ON i.item_id = e.item_id
WHERE i.removed_at IS NULL
  AND (
      ($isbn IS NOT NULL AND e.field = 'isbn' AND regexp_replace(upper(e.value), '[^0-9X]', '', 'g') = upper($isbn))
      OR (
          e.field = 'title' AND lower(trim(e.value)) = $title
          AND (
              $author IS NULL
              OR lower(array_to_string(i.authors, ', ')) = $author
              OR EXISTS (
                  SELECT 1 FROM item_evidence AS a
                  WHERE a.item_id = e.item_id AND a.field = 'author' AND lower(trim(a.value)) = $author
              )
          )
      )
  )
ORDER BY e.item_id
LIMIT 20
