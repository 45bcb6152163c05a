-- Prepared keys of this run's items (`score_run_items` registered) with this run's audio duration, in
-- item order as score_candidates.
SELECT p.* EXCLUDE (evidence_hash, prepare_version, prepared_at), t.duration
FROM score_run_items AS t
JOIN score_prepared_items AS p USING (item_id)
ORDER BY p.item_id;
