-- Each item's hydrated candidates as the audio should name them: title, authors (book contributions
-- without a role or 'Author'), narrators (of any of the book's editions) and the featured series.
WITH authors AS (
    SELECT contributable_id AS book_id, list(author_name ORDER BY ordinal NULLS LAST) AS authors
    FROM hc_contributions
    WHERE contributable_type = 'Book' AND (contribution IS NULL OR contribution = 'Author')
    GROUP BY ALL
),
narrators AS (
    SELECT e.book_id, list(DISTINCT c.author_name) AS narrators
    FROM hc_contributions AS c
    JOIN hc_editions AS e ON c.contributable_type = 'Edition' AND c.contributable_id = e.edition_id
    WHERE c.contribution = 'Narrator'
    GROUP BY ALL
),
series AS (
    SELECT book_id, series_name, position
    FROM hc_series
    QUALIFY row_number() OVER (PARTITION BY book_id ORDER BY featured DESC NULLS LAST, position NULLS LAST) = 1
)
SELECT c.item_id, b.book_id, b.title, coalesce(a.authors, []) AS authors, coalesce(n.narrators, []) AS narrators,
       s.series_name, s.position
FROM candidates AS c
JOIN hc_books AS b USING (book_id)
LEFT JOIN authors AS a USING (book_id)
LEFT JOIN narrators AS n USING (book_id)
LEFT JOIN series AS s USING (book_id)
WHERE list_contains($item_ids::VARCHAR[], c.item_id)
ORDER BY c.item_id, c.rank NULLS LAST, b.book_id
