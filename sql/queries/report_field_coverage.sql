-- Metadata coverage: per field, items with a value in ABS now ("before") and after the planned or applied
-- writes of the newest writeback run ("after"). Fields as the writeback plan names them.
WITH items AS (
    SELECT item_id,
        len(coalesce(authors, [])) > 0             AS authors,
        len(coalesce(narrators, [])) > 0           AS narrators,
        len(coalesce(series, [])) > 0              AS series,
        coalesce(asin, '') <> ''                   AS asin,
        coalesce(isbn, '') <> ''                   AS isbn,
        coalesce(published_year, '') <> ''         AS published_year,
        coalesce(publisher, '') <> ''              AS publisher,
        coalesce(language, '') <> ''               AS language,
        coalesce(description, '') <> ''            AS description,
        len(coalesce(genres, [])) > 0              AS genres
    FROM abs_items
    WHERE removed_at IS NULL
),
before AS (
    UNPIVOT items
    ON authors, narrators, series, asin, isbn, published_year, publisher, language, description, genres
    INTO NAME field VALUE has_value
),
newest_plan AS (
    SELECT run_id FROM writeback_plans ORDER BY planned_at DESC LIMIT 1
),
planned AS (
    SELECT DISTINCT p.item_id, p.field
    FROM writeback_plans p JOIN newest_plan USING (run_id)
    WHERE p.after IS NOT NULL AND CAST(p.after AS VARCHAR) NOT IN ('null', '""', '[]')
)
SELECT
    b.field,
    count(*)                                                     AS items,
    count(*) FILTER (WHERE b.has_value)                          AS before,
    count(*) FILTER (WHERE b.has_value OR p.item_id IS NOT NULL) AS after
FROM before b
LEFT JOIN planned p USING (item_id, field)
GROUP BY b.field
ORDER BY b.field
