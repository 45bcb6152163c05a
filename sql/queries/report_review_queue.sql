-- The review queue as the report lists it (in the queue's own order: expected gain first).
SELECT abs_title, hc_title, confidence, margin_over_runner_up, capped_by
FROM match_review_queue
