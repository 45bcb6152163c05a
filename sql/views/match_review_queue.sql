-- match_review_queue: the pending matches a person still has to look at — no decision yet, or the item's
-- evidence changed since the decision. Same rule as `shelfmatch review`. Answers "what should I review
-- next?" (approve with `shelfmatch approve ITEM_ID`): ordered by expected gain, the chance the match is
-- right times the identity fields approving it would correct (title, authors, series, narrators, ASIN),
-- so a minute of review fixes the most.
CREATE OR REPLACE VIEW match_review_queue AS
WITH latest_decision AS (
    SELECT *
    FROM review_decisions
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
),
book_authors AS (
    SELECT contributable_id AS book_id, string_agg(author_name, ', ' ORDER BY ordinal) AS authors
    FROM hc_contributions
    WHERE contributable_type = 'Book' AND coalesce(contribution, 'Author') = 'Author'
    GROUP BY ALL
)
SELECT
    m.item_id,
    i.title                                   AS abs_title,
    array_to_string(i.authors, ', ')          AS abs_authors,
    b.title                                   AS hc_title,
    ba.authors                                AS hc_authors,
    round(m.confidence, 3)                    AS confidence,
    round(m.margin, 3)                        AS margin_over_runner_up,
    rb.title                                  AS runner_up_title,
    array_to_string(m.caps, ', ')             AS capped_by,
    CASE WHEN d.item_id IS NOT NULL THEN 'evidence changed since ' || d.decision ELSE 'new' END AS why_asked,
    m.book_id                                 AS hc_book_id,
    i.rel_path,
    m.explanation,
    (lower(coalesce(i.title, '')) IS DISTINCT FROM lower(coalesce(b.title, '')))::INT
        + (lower(coalesce(array_to_string(i.authors, ', '), '')) IS DISTINCT FROM lower(coalesce(ba.authors, '')))::INT
        + (len(coalesce(i.series, [])) = 0 AND bs.book_id IS NOT NULL)::INT
        + (len(coalesce(i.narrators, [])) = 0)::INT
        + (coalesce(i.asin, '') = '')::INT                     AS fields_to_fix,
    round(m.confidence * fields_to_fix, 3)   AS expected_gain
FROM matches m
JOIN abs_items i                ON i.item_id = m.item_id
LEFT JOIN latest_decision d     ON d.item_id = m.item_id
LEFT JOIN hc_books b            ON b.book_id = m.book_id
LEFT JOIN hc_books rb           ON rb.book_id = m.runner_up_book_id
LEFT JOIN book_authors ba       ON ba.book_id = m.book_id
LEFT JOIN (SELECT DISTINCT book_id FROM hc_series) bs ON bs.book_id = m.book_id
WHERE m.tier = 'pending'
  AND m.book_id IS NOT NULL
  AND i.removed_at IS NULL
  AND (d.item_id IS NULL OR d.evidence_hash IS DISTINCT FROM m.evidence_hash)
ORDER BY expected_gain DESC, m.confidence DESC, m.item_id;
