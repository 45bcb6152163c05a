-- Every scored candidate of an item in the score run of its current match, best first, with what the page
-- shows of each book (title, authors, year, cover URL).
SELECT s.book_id, s.edition_id, s.confidence, s.rank, b.title, b.release_year, b.image_url,
       (SELECT string_agg(c.author_name, ', ' ORDER BY c.ordinal NULLS LAST)
        FROM hc_contributions AS c
        WHERE c.contributable_type = 'Book' AND c.contributable_id = s.book_id
          AND coalesce(c.contribution, 'Author') = 'Author') AS authors
FROM match_scores AS s
LEFT JOIN hc_books AS b ON b.book_id = s.book_id
WHERE s.item_id = $item_id AND s.run_id = $run_id
ORDER BY s.confidence DESC, s.book_id
LIMIT 20
