-- Every scored candidate of an item in its latest score run, best first (the [M]ore list).
SELECT s.book_id, s.edition_id, s.confidence, b.title,
       (SELECT string_agg(c.author_name, ', ' ORDER BY c.ordinal NULLS LAST)
        FROM hc_contributions AS c
        WHERE c.contributable_type = 'Book' AND c.contributable_id = s.book_id
          AND (c.contribution IS NULL OR c.contribution = 'Author')) AS authors,
       b.release_year
FROM match_scores AS s
LEFT JOIN hc_books AS b ON b.book_id = s.book_id
WHERE s.item_id = ? AND s.run_id = ?
ORDER BY s.confidence DESC, s.book_id
