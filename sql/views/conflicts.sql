-- conflicts: where what ABS shows disagrees with another source about the same item and field —
-- the folder/file names, the audio tags, what was heard in the audio, or the matched Hardcover book.
-- One row per (item, field, other source). "Disagrees" = no value of the other source is close to
-- any ABS value (Jaro-Winkler >= 0.9 after folding case/accents/punctuation, or one contains the other);
-- positions and years compare as numbers. ABS having nothing is a *missing* value (metadata_issues), not a conflict.
CREATE OR REPLACE VIEW conflicts AS
WITH hardcover_evidence AS (
    -- The matched book, expressed as evidence rows so it compares like any other source.
    SELECT m.item_id, 'hardcover' AS source, 'title' AS field, b.title AS value
    FROM matches m JOIN hc_books b USING (book_id)
    WHERE m.tier IN ('auto', 'pending')
    UNION ALL
    SELECT m.item_id, 'hardcover', 'author', c.author_name
    FROM matches m
    JOIN hc_contributions c ON c.contributable_type = 'Book' AND c.contributable_id = m.book_id
                           AND coalesce(c.contribution, 'Author') = 'Author'
    WHERE m.tier IN ('auto', 'pending')
    UNION ALL
    SELECT m.item_id, 'hardcover', 'narrator', c.author_name
    FROM matches m
    JOIN hc_contributions c ON c.contributable_type = 'Edition' AND c.contributable_id = m.edition_id
                           AND c.contribution = 'Narrator'
    WHERE m.tier IN ('auto', 'pending')
    UNION ALL
    SELECT m.item_id, 'hardcover', 'series', s.series_name
    FROM matches m JOIN hc_series s USING (book_id)
    WHERE m.tier IN ('auto', 'pending')
    UNION ALL
    SELECT m.item_id, 'hardcover', 'sequence', CAST(s.position AS VARCHAR)
    FROM matches m JOIN hc_series s USING (book_id)
    WHERE m.tier IN ('auto', 'pending') AND s.position IS NOT NULL
),
evidence AS (
    SELECT item_id, source, field, value FROM item_evidence
    WHERE field IN ('title', 'author', 'narrator', 'series', 'sequence', 'year', 'asin', 'isbn')
    UNION ALL
    SELECT item_id, source, field, value FROM hardcover_evidence
),
folded AS (
    SELECT
        item_id, source, field, value,
        CASE
            WHEN field IN ('sequence', 'year') AND try_cast(value AS DOUBLE) IS NOT NULL
                THEN CAST(try_cast(value AS DOUBLE) AS VARCHAR)
            ELSE trim(regexp_replace(strip_accents(lower(value)), '[^a-z0-9]+', ' ', 'g'))
        END AS folded
    FROM evidence
    WHERE value IS NOT NULL AND trim(value) <> ''
),
abs_side AS (SELECT * FROM folded WHERE source = 'abs'),
other_side AS (SELECT * FROM folded WHERE source <> 'abs'),
pair_agreement AS (
    SELECT
        o.item_id, o.field, o.source,
        bool_or(
            a.folded = o.folded
            OR (length(a.folded) >= 4 AND length(o.folded) >= 4
                AND (contains(a.folded, o.folded) OR contains(o.folded, a.folded)))
            OR jaro_winkler_similarity(a.folded, o.folded) >= 0.9
        ) AS agrees,
        string_agg(DISTINCT a.value, ' | ') AS abs_value,
        string_agg(DISTINCT o.value, ' | ') AS other_value
    FROM other_side o
    JOIN abs_side a USING (item_id, field)
    GROUP BY ALL
)
SELECT
    p.item_id,
    i.title        AS abs_title,
    p.field,
    p.abs_value,
    p.source       AS other_source,
    p.other_value
FROM pair_agreement p
LEFT JOIN abs_items i USING (item_id)
WHERE NOT p.agrees;
