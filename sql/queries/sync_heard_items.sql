-- The items a listen run wrote transcript evidence for.
-- $run_id: the listen run.
SELECT DISTINCT item_id
FROM item_evidence
WHERE source = 'transcript' AND run_id = $run_id
ORDER BY item_id;
