-- item_overview: one row per ABS item — what ABS says today next to the Hardcover book it matched,
-- with the tier and confidence. The first view to open: "what does shelfmatch think of my library?"
CREATE OR REPLACE VIEW item_overview AS
WITH items AS (
    SELECT
        item_id,
        library_id,
        rel_path,
        title,
        array_to_string(authors, ', ')                                   AS authors,
        array_to_string(narrators, ', ')                                 AS narrators,
        array_to_string(list_transform(series, lambda s: s.name || coalesce(' #' || s.sequence, '')), '; ') AS series,
        asin,
        isbn,
        published_year,
        round(duration / 3600.0, 2)                                      AS hours,
        removed_at IS NOT NULL                                           AS removed_from_abs
    FROM abs_items
),
book_authors AS (
    SELECT contributable_id AS book_id, string_agg(author_name, ', ' ORDER BY ordinal) AS authors
    FROM hc_contributions
    WHERE contributable_type = 'Book' AND coalesce(contribution, 'Author') = 'Author'
    GROUP BY ALL
),
edition_narrators AS (
    SELECT contributable_id AS edition_id, string_agg(author_name, ', ' ORDER BY ordinal) AS narrators
    FROM hc_contributions
    WHERE contributable_type = 'Edition' AND contribution = 'Narrator'
    GROUP BY ALL
),
book_series AS (
    SELECT book_id, string_agg(series_name || coalesce(' #' || CAST(position AS VARCHAR), ''), '; ') AS series
    FROM hc_series
    GROUP BY ALL
)
SELECT
    i.item_id,
    i.title                      AS abs_title,
    i.authors                    AS abs_authors,
    i.narrators                  AS abs_narrators,
    i.series                     AS abs_series,
    i.asin                       AS abs_asin,
    i.hours,
    m.tier,
    round(m.confidence, 3)       AS confidence,
    round(m.margin, 3)           AS margin_over_runner_up,
    m.caps                       AS capped_by,
    m.book_id                    AS hc_book_id,
    b.title                      AS hc_title,
    ba.authors                   AS hc_authors,
    en.narrators                 AS hc_narrators,
    bs.series                    AS hc_series,
    e.asin                       AS hc_asin,
    CASE WHEN b.slug IS NOT NULL THEN 'https://hardcover.app/books/' || b.slug END AS hc_url,
    i.rel_path,
    i.library_id,
    i.removed_from_abs,
    m.scored_at
FROM items i
LEFT JOIN matches m            ON m.item_id = i.item_id
LEFT JOIN hc_books b           ON b.book_id = m.book_id
LEFT JOIN hc_editions e        ON e.edition_id = m.edition_id
LEFT JOIN book_authors ba      ON ba.book_id = m.book_id
LEFT JOIN edition_narrators en ON en.edition_id = m.edition_id
LEFT JOIN book_series bs       ON bs.book_id = m.book_id;
