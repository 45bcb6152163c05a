-- Replace the non-manual candidates of the items in the registered frame new_candidates.
DELETE FROM candidates
WHERE item_id IN (SELECT DISTINCT item_id FROM new_candidates)
  AND strategy NOT IN ('manual', 'transcript_search');
INSERT OR REPLACE INTO candidates BY NAME SELECT * FROM new_candidates;
