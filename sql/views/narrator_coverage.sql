-- narrator_coverage: per author, how many of their items name a narrator in ABS, and how many of the
-- rest the matched Hardcover audio edition could fill. Answers "which authors lack narrators?"
CREATE OR REPLACE VIEW narrator_coverage AS
WITH item_authors AS (
    SELECT item_id, unnest(authors) AS author, len(coalesce(narrators, [])) > 0 AS has_narrator
    FROM abs_items
    WHERE removed_at IS NULL
),
fillable AS (
    -- Items whose matched (auto or pending) edition lists a narrator.
    SELECT DISTINCT m.item_id
    FROM matches m
    JOIN hc_contributions c ON c.contributable_type = 'Edition' AND c.contributable_id = m.edition_id
                           AND c.contribution = 'Narrator'
    WHERE m.tier IN ('auto', 'pending')
)
SELECT
    a.author,
    count(*)                                                       AS items,
    count(*) FILTER (WHERE a.has_narrator)                         AS with_narrator,
    count(*) FILTER (WHERE NOT a.has_narrator)                     AS without_narrator,
    round(100.0 * count(*) FILTER (WHERE a.has_narrator) / count(*), 1) AS pct_with_narrator,
    count(*) FILTER (WHERE NOT a.has_narrator AND f.item_id IS NOT NULL) AS hardcover_can_fill
FROM item_authors a
LEFT JOIN fillable f USING (item_id)
GROUP BY a.author
ORDER BY without_narrator DESC, items DESC, a.author;
