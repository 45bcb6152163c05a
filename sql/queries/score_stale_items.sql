-- Items of this run (`score_run_items` registered: item_id, duration, evidence_hash) whose prepared keys
-- are missing or were prepared from other evidence or by another prepare_version.
SELECT t.item_id, t.duration, t.evidence_hash
FROM score_run_items AS t
LEFT JOIN score_prepared_items AS p USING (item_id)
WHERE p.item_id IS NULL OR p.evidence_hash <> t.evidence_hash OR p.prepare_version <> $prepare_version;
