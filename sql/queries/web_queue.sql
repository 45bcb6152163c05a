-- The review page's queue: pending matches still to decide (the match_review_queue rule: no decision, or
-- the evidence changed since it) plus near misses (reject-tier items whose best candidate scored at least
-- $near_miss), filtered by the page's controls (NULL = no filter) and sorted by $sort, one page at a time.
-- Every row carries the filtered totals (all, pending, near miss) so one query fills the page.
WITH latest AS (
    SELECT item_id, decision, evidence_hash
    FROM review_decisions
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
),
queue AS (
    SELECT
        m.item_id,
        m.tier,
        m.confidence,
        m.margin,
        coalesce(m.caps, []::VARCHAR[])                 AS caps,
        m.book_id,
        i.title                                        AS abs_title,
        array_to_string(i.authors, ', ')               AS abs_authors,
        array_to_string(list_transform(i.series, lambda s: s.name), ', ') AS abs_series,
        b.title                                        AS hc_title,
        CASE WHEN d.item_id IS NOT NULL THEN 'evidence changed since ' || d.decision ELSE 'new' END AS why_asked
    FROM matches AS m
    JOIN abs_items AS i ON i.item_id = m.item_id
    LEFT JOIN latest AS d ON d.item_id = m.item_id
    LEFT JOIN hc_books AS b ON b.book_id = m.book_id
    WHERE m.book_id IS NOT NULL
      AND i.removed_at IS NULL
      AND (m.tier = 'pending' OR (m.tier = 'reject' AND m.confidence >= $near_miss))
      AND (d.item_id IS NULL OR d.evidence_hash IS DISTINCT FROM m.evidence_hash)
),
book_people AS (
    SELECT contributable_id AS book_id, string_agg(author_name, ', ' ORDER BY ordinal) AS hc_authors
    FROM hc_contributions
    WHERE contributable_type = 'Book' AND coalesce(contribution, 'Author') = 'Author'
      AND contributable_id IN (SELECT book_id FROM queue)
    GROUP BY ALL
),
book_series AS (
    SELECT book_id, string_agg(series_name, ', ') AS hc_series
    FROM hc_series
    WHERE book_id IN (SELECT book_id FROM queue)
    GROUP BY ALL
),
filtered AS (
    SELECT q.*, p.hc_authors, s.hc_series
    FROM queue AS q
    LEFT JOIN book_people AS p ON p.book_id = q.book_id
    LEFT JOIN book_series AS s ON s.book_id = q.book_id
    WHERE ($cap IS NULL OR list_contains(q.caps, $cap))
      AND ($author IS NULL OR q.abs_authors ILIKE '%' || $author || '%' OR p.hc_authors ILIKE '%' || $author || '%')
      AND ($series IS NULL OR q.abs_series ILIKE '%' || $series || '%' OR s.hc_series ILIKE '%' || $series || '%')
      AND ($min_confidence IS NULL OR q.confidence >= $min_confidence)
      AND ($max_confidence IS NULL OR q.confidence <= $max_confidence)
),
counted AS (
    SELECT
        *,
        count(*) OVER ()                                        AS all_total,
        count(*) FILTER (WHERE tier = 'pending') OVER ()        AS pending_total,
        count(*) FILTER (WHERE tier = 'reject') OVER ()         AS near_miss_total
    FROM filtered
)
SELECT *, count(*) OVER () AS total
FROM counted
WHERE $tier IS NULL OR tier = $tier
ORDER BY
    CASE WHEN $sort = 'confidence' THEN confidence END DESC,
    CASE WHEN $sort = 'confidence_asc' THEN confidence END ASC,
    CASE WHEN $sort = 'margin' THEN margin END ASC,
    CASE WHEN $sort = 'title' THEN lower(abs_title) END ASC,
    CASE WHEN $sort = 'author' THEN lower(abs_authors) END ASC,
    confidence DESC,
    item_id
LIMIT $limit OFFSET $offset
