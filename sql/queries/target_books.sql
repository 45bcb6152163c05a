-- Books with their authors and series: what target_values needs (the writeback plan, the ABS provider),
-- with the cover URL and the book's audio length. Each table is filtered by the ids before grouping, so
-- a handful of books reads only them.
WITH b AS (
    SELECT * FROM hc_books WHERE book_id = ANY($book_ids::INTEGER[])
),
a AS (
    SELECT contributable_id AS book_id, list(author_name ORDER BY ordinal NULLS LAST, author_name) AS authors
    FROM hc_contributions
    WHERE contributable_type = 'Book' AND contributable_id = ANY($book_ids::INTEGER[])
      AND (contribution IS NULL OR contribution = 'Author')
    GROUP BY 1
),
s AS (
    SELECT book_id,
           list({'name': series_name, 'position': position, 'details': details}
                ORDER BY featured DESC NULLS LAST, series_id) AS series
    FROM hc_series
    WHERE book_id = ANY($book_ids::INTEGER[]) AND series_name IS NOT NULL
    GROUP BY 1
)
SELECT b.book_id, b.title, b.subtitle, b.release_year, b.description, b.genres, b.image_url, b.audio_seconds,
       a.authors, s.series
FROM b
LEFT JOIN a USING (book_id)
LEFT JOIN s USING (book_id)
