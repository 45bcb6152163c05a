-- A content hash per candidate book (`pairs` registered with book_id) over every hc_* value book_frame
-- reads: a refetched book whose rows changed gets a new hash and is prepared again.
WITH wanted AS (SELECT DISTINCT book_id FROM pairs),
b AS (
    SELECT book_id,
           concat_ws('|', coalesce(title, '∅'), coalesce(subtitle, '∅'), coalesce(CAST(release_year AS VARCHAR), '∅'),
                     coalesce(CAST(compilation AS VARCHAR), '∅')) AS s
    FROM hc_books WHERE book_id IN (SELECT book_id FROM wanted)
),
ed AS (
    SELECT book_id, edition_id,
           concat_ws('|', edition_id, coalesce(CAST(reading_format_id AS VARCHAR), '∅'), coalesce(asin, '∅'),
                     coalesce(isbn_10, '∅'), coalesce(isbn_13, '∅'), coalesce(CAST(audio_seconds AS VARCHAR), '∅')) AS s
    FROM hc_editions WHERE book_id IN (SELECT book_id FROM wanted)
),
contrib AS (
    SELECT coalesce(ed.book_id, c.contributable_id) AS book_id,
           concat_ws('|', c.contributable_type, c.contributable_id, c.author_name, coalesce(c.contribution, '∅'),
                     coalesce(CAST(c.ordinal AS VARCHAR), '∅')) AS s
    FROM hc_contributions AS c
    LEFT JOIN ed ON c.contributable_type = 'Edition' AND c.contributable_id = ed.edition_id
    WHERE (c.contributable_type = 'Book' AND c.contributable_id IN (SELECT book_id FROM wanted))
       OR (c.contributable_type = 'Edition' AND ed.edition_id IS NOT NULL)
),
ser AS (
    SELECT book_id,
           concat_ws('|', series_id, coalesce(series_name, '∅'), coalesce(CAST(position AS VARCHAR), '∅'),
                     coalesce(CAST(featured AS VARCHAR), '∅')) AS s
    FROM hc_series WHERE book_id IN (SELECT book_id FROM wanted)
)
SELECT b.book_id,
       md5(concat_ws('#', b.s,
           coalesce((SELECT string_agg(s, ';' ORDER BY s) FROM ed WHERE ed.book_id = b.book_id), ''),
           coalesce((SELECT string_agg(s, ';' ORDER BY s) FROM contrib WHERE contrib.book_id = b.book_id), ''),
           coalesce((SELECT string_agg(s, ';' ORDER BY s) FROM ser WHERE ser.book_id = b.book_id), ''))) AS source_hash
FROM b;
