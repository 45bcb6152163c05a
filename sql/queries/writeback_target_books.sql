-- The Hardcover side of approved items: books with their authors and series.
SELECT
    b.book_id,
    b.title,
    b.subtitle,
    b.release_year,
    b.description,
    b.genres,
    b.image_url,
    (
        SELECT list(c.author_name ORDER BY c.ordinal NULLS LAST, c.author_name)
        FROM hc_contributions AS c
        WHERE c.contributable_type = 'Book' AND c.contributable_id = b.book_id
          AND (c.contribution IS NULL OR c.contribution = 'Author')
    ) AS authors,
    (
        SELECT list({'name': s.series_name, 'position': s.position, 'details': s.details}
                    ORDER BY s.featured DESC NULLS LAST, s.series_id)
        FROM hc_series AS s
        WHERE s.book_id = b.book_id AND s.series_name IS NOT NULL
    ) AS series
FROM hc_books AS b
WHERE b.book_id IN (SELECT unnest($book_ids::INTEGER[]))
