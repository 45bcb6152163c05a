-- ABS items a custom-provider query names: by ISBN (ABS's own or one in the item's evidence), or by title
-- — the title ABS shows, or one the evidence holds (folder, file, tags, or what listening heard) — and,
-- when the query has an author, that author (ABS's "A, B" as Quick Match sends it, or an evidence author).
-- $title, $author and $isbn are already lower-cased and trimmed; $isbn holds digits and X only.
WITH by_isbn AS (
    SELECT i.item_id
    FROM abs_items AS i
    WHERE $isbn IS NOT NULL AND regexp_replace(upper(i.isbn), '[^0-9X]', '', 'g') = upper($isbn)
    UNION
    SELECT e.item_id
    FROM item_evidence AS e
    WHERE $isbn IS NOT NULL AND e.field = 'isbn' AND regexp_replace(upper(e.value), '[^0-9X]', '', 'g') = upper($isbn)
),
by_title AS (
    SELECT i.item_id
    FROM abs_items AS i
    WHERE lower(trim(i.title)) = $title
    UNION
    SELECT e.item_id
    FROM item_evidence AS e
    WHERE e.field = 'title' AND lower(trim(e.value)) = $title
),
author_ok AS (
    SELECT t.item_id
    FROM by_title AS t
    JOIN abs_items AS i ON i.item_id = t.item_id
    WHERE $author IS NULL
       OR lower(array_to_string(i.authors, ', ')) = $author
       OR EXISTS (
           SELECT 1 FROM item_evidence AS e
           WHERE e.item_id = t.item_id AND e.field = 'author' AND lower(trim(e.value)) = $author
       )
)
SELECT DISTINCT x.item_id
FROM (SELECT item_id FROM by_isbn UNION SELECT item_id FROM author_ok) AS x
JOIN abs_items AS i ON i.item_id = x.item_id
WHERE i.removed_at IS NULL
ORDER BY x.item_id
LIMIT 20
