-- Every edition of the books, with narrators, image and audio length; choose_edition takes the approved
-- or matched one, else the book's first audio edition.
WITH e AS (
    SELECT * FROM hc_editions WHERE book_id = ANY($book_ids::INTEGER[])
),
n AS (
    SELECT contributable_id AS edition_id, list(author_name ORDER BY ordinal NULLS LAST, author_name) AS narrators
    FROM hc_contributions
    WHERE contributable_type = 'Edition' AND contribution = 'Narrator'
      AND contributable_id IN (SELECT edition_id FROM e)
    GROUP BY 1
)
SELECT e.edition_id, e.book_id, e.isbn_10, e.isbn_13, e.asin, e.reading_format_id, e.release_year, e.publisher,
       e.language, e.audio_seconds, e.image_url, n.narrators
FROM e
LEFT JOIN n USING (edition_id)
ORDER BY e.book_id, e.edition_id
