-- ABS items a custom-provider query names by what ABS itself holds: the ISBN, or the title ABS shows and,
-- when the query has an author, that author (ABS's "A, B", as Quick Match sends it, or an evidence author).
-- $title, $author are lower-cased and trimmed; $isbn holds digits and X only.
SELECT i.item_id
FROM abs_items AS i
WHERE i.removed_at IS NULL
  AND (
      ($isbn IS NOT NULL AND regexp_replace(upper(i.isbn), '[^0-9X]', '', 'g') = upper($isbn))
      OR (
          lower(trim(i.title)) = $title
          AND (
              $author IS NULL
              OR lower(array_to_string(i.authors, ', ')) = $author
              OR EXISTS (
                  SELECT 1 FROM item_evidence AS e
                  WHERE e.item_id = i.item_id AND e.field = 'author' AND lower(trim(e.value)) = $author
              )
          )
      )
  )
ORDER BY i.item_id
LIMIT 20
