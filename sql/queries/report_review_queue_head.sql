-- The first rows of match_review_queue: what a person should review next (sync artifact).
SELECT item_id, abs_title, abs_authors, hc_title, hc_authors, confidence, margin_over_runner_up,
       capped_by, why_asked
FROM match_review_queue
LIMIT $limit
