-- The library's latest source rates: those of the last score run that estimated them.
SELECT source, settled, named, rate
FROM score_source_reliability
WHERE run_id = (SELECT run_id FROM score_source_reliability ORDER BY created_at DESC, run_id DESC LIMIT 1)
ORDER BY source;
