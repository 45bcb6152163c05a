-- Items whose sources disagree most: how many fields are in dispute and with which sources.
-- shelfmatch sql sql/analysis/items_where_sources_disagree.sql
SELECT
    item_id,
    any_value(abs_title)                                   AS abs_title,
    count(DISTINCT field)                                  AS fields_in_dispute,
    string_agg(DISTINCT field, ', ')                       AS fields,
    string_agg(DISTINCT other_source, ', ')                AS disagreeing_sources,
    string_agg(field || ': ' || abs_value || ' ≠ ' || other_value, ' ; ') AS details
FROM conflicts
GROUP BY item_id
ORDER BY fields_in_dispute DESC, abs_title
LIMIT 25;
