-- Items a sync added to the review queue: pending matches in match_review_queue scored since the sync started.
SELECT count(*) AS items
FROM match_review_queue q
JOIN matches m USING (item_id)
WHERE m.scored_at >= $since
