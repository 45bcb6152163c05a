-- Every edition of the approved books, with narrators and image; the plan uses the approved edition or,
-- without one, the book's first audio edition.
SELECT
    e.edition_id,
    e.book_id,
    e.isbn_10,
    e.isbn_13,
    e.asin,
    e.reading_format_id,
    e.release_year,
    e.publisher,
    e.language,
    e.image_url,
    (
        SELECT list(c.author_name ORDER BY c.ordinal NULLS LAST, c.author_name)
        FROM hc_contributions AS c
        WHERE c.contributable_type = 'Edition' AND c.contributable_id = e.edition_id
          AND c.contribution = 'Narrator'
    ) AS narrators
FROM hc_editions AS e
WHERE e.book_id IN (SELECT unnest($book_ids::INTEGER[]))
ORDER BY e.book_id, e.edition_id
