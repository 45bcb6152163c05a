-- series_gaps: per series in the library, which whole-number positions between 1 and the highest one
-- owned are missing, with the Hardcover titles for those positions when shelfmatch has seen them.
-- Positions come from the matched Hardcover book (auto/pending), else from ABS's own series sequence.
-- Answers "which series have gaps?"
CREATE OR REPLACE VIEW series_gaps AS
WITH from_hardcover AS (
    SELECT m.item_id, s.series_id, s.series_name, s.position
    FROM matches m JOIN hc_series s USING (book_id)
    WHERE m.tier IN ('auto', 'pending') AND s.position IS NOT NULL
),
from_abs AS (
    SELECT i.item_id, NULL::INTEGER AS series_id, s.name AS series_name, try_cast(s.sequence AS DOUBLE) AS position
    FROM (SELECT item_id, unnest(series) AS s FROM abs_items WHERE removed_at IS NULL) i
    WHERE try_cast(s.sequence AS DOUBLE) IS NOT NULL
      AND i.item_id NOT IN (SELECT item_id FROM from_hardcover)
),
owned AS (
    -- One series key across both sources: Hardcover's series name wins; names fold to lower case.
    SELECT lower(trim(series_name)) AS series_key, any_value(series_name) AS series_name,
           max(series_id) AS series_id, list(DISTINCT position ORDER BY position) AS positions
    FROM (SELECT * FROM from_hardcover UNION ALL SELECT * FROM from_abs)
    WHERE series_name IS NOT NULL AND trim(series_name) <> ''
    GROUP BY 1
),
expected AS (
    SELECT o.series_key, p.generate_series::DOUBLE AS position
    FROM owned o, generate_series(1, CAST(floor(list_max(o.positions)) AS BIGINT)) p
),
missing AS (
    SELECT e.series_key, e.position
    FROM expected e JOIN owned o USING (series_key)
    WHERE NOT list_contains(o.positions, e.position)
),
missing_titles AS (
    SELECT m.series_key, m.position, any_value(b.title) AS title
    FROM missing m
    JOIN owned o USING (series_key)
    LEFT JOIN hc_series s ON s.series_id = o.series_id AND s.position = m.position
    LEFT JOIN hc_books b ON b.book_id = s.book_id
    GROUP BY ALL
)
SELECT
    o.series_name,
    len(o.positions)                                                             AS owned,
    array_to_string(list_transform(o.positions, lambda p: regexp_replace(CAST(p AS VARCHAR), '\.0$', '')), ', ') AS owned_positions,
    count(mt.position)                                                           AS missing,
    string_agg(regexp_replace(CAST(mt.position AS VARCHAR), '\.0$', '')
               || coalesce(' (' || mt.title || ')', ''), ', ' ORDER BY mt.position) AS missing_positions,
    o.series_id                                                                  AS hc_series_id
FROM owned o
JOIN missing_titles mt USING (series_key)
GROUP BY o.series_name, o.positions, o.series_id
ORDER BY missing DESC, o.series_name;
