-- History retention, after a score run's rows are in: match_scores keeps every pair of the latest
-- $keep_runs score runs and, however old, the pairs of the run each item's current match comes from
-- (review lists them). Older rows are deleted; returns how many.
DELETE FROM match_scores AS s
WHERE s.run_id NOT IN (
        SELECT run_id FROM match_scores
        GROUP BY run_id
        ORDER BY max(scored_at) DESC, run_id DESC
        LIMIT $keep_runs)
  AND NOT EXISTS (SELECT 1 FROM matches AS m WHERE m.item_id = s.item_id AND m.run_id = s.run_id);
