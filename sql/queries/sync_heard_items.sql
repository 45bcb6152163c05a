-- The items a listen run wrote transcript evidence for, and whether it identified them.
-- $run_id: the listen run.
SELECT DISTINCT e.item_id, coalesce(l.verdict = 'identified', false) AS identified
FROM item_evidence AS e
LEFT JOIN listen_results AS l ON l.item_id = e.item_id AND l.run_id = $run_id
WHERE e.source = 'transcript' AND e.run_id = $run_id
ORDER BY e.item_id;
