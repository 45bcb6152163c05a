-- metadata_issues: one row per thing worth fixing about an item — a missing narrator, series or ASIN
-- (and whether the matched Hardcover book could fill it), or sources that disagree (see `conflicts`).
-- Answers "what is wrong with my library, and what can shelfmatch fix?"
-- (Views are created in file-name order: `conflicts` exists before this one.)
CREATE OR REPLACE VIEW metadata_issues AS
WITH items AS (
    SELECT item_id, title, authors, narrators, series, asin, isbn
    FROM abs_items
    WHERE removed_at IS NULL
),
matched AS (
    SELECT item_id, book_id, edition_id, tier FROM matches WHERE tier IN ('auto', 'pending')
),
hc_has AS (
    SELECT
        m.item_id,
        m.tier,
        EXISTS (SELECT 1 FROM hc_contributions c
                WHERE c.contributable_type = 'Edition' AND c.contributable_id = m.edition_id
                  AND c.contribution = 'Narrator')                              AS has_narrator,
        EXISTS (SELECT 1 FROM hc_series s WHERE s.book_id = m.book_id)         AS has_series,
        (SELECT e.asin FROM hc_editions e WHERE e.edition_id = m.edition_id)   AS asin
    FROM matched m
),
missing AS (
    SELECT i.item_id, i.title, 'missing_narrator' AS issue,
           'ABS has no narrator' AS detail, coalesce(h.has_narrator, false) AS hardcover_can_fill, h.tier
    FROM items i LEFT JOIN hc_has h USING (item_id)
    WHERE len(coalesce(i.narrators, [])) = 0
    UNION ALL
    SELECT i.item_id, i.title, 'missing_author', 'ABS has no author', h.item_id IS NOT NULL, h.tier
    FROM items i LEFT JOIN hc_has h USING (item_id)
    WHERE len(coalesce(i.authors, [])) = 0
    UNION ALL
    -- Only books that belong to a series can miss one: known from the Hardcover match or another source.
    SELECT i.item_id, i.title, 'missing_series',
           'ABS has no series; ' || CASE WHEN coalesce(h.has_series, false) THEN 'Hardcover lists one'
                                         ELSE 'another source names one' END,
           coalesce(h.has_series, false), h.tier
    FROM items i LEFT JOIN hc_has h USING (item_id)
    WHERE len(coalesce(i.series, [])) = 0
      AND (coalesce(h.has_series, false)
           OR EXISTS (SELECT 1 FROM item_evidence ev
                      WHERE ev.item_id = i.item_id AND ev.field = 'series' AND ev.source <> 'abs'))
    UNION ALL
    SELECT i.item_id, i.title, 'missing_asin', 'ABS has no ASIN',
           h.asin IS NOT NULL AND h.asin <> '', h.tier
    FROM items i LEFT JOIN hc_has h USING (item_id)
    WHERE coalesce(i.asin, '') = ''
),
disagreements AS (
    SELECT c.item_id, c.abs_title AS title, 'sources_disagree_on_' || c.field AS issue,
           'ABS: ' || c.abs_value || ' / ' || c.other_source || ': ' || c.other_value AS detail,
           false AS hardcover_can_fill, m.tier
    FROM conflicts c LEFT JOIN matched m USING (item_id)
)
SELECT item_id, title, issue, detail, hardcover_can_fill, tier AS match_tier
FROM (SELECT * FROM missing UNION ALL SELECT * FROM disagreements)
ORDER BY issue, title, item_id;
