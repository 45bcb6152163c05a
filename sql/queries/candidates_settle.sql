-- Mark items as settled for their current evidence (registered frame new_status) with the candidates
-- they have: nothing is looked up for that evidence.
INSERT OR REPLACE INTO hc_item_status BY NAME
SELECT s.item_id,
       s.evidence_hash,
       count(c.book_id) AS n_candidates,
       coalesce(list(DISTINCT c.strategy ORDER BY c.strategy) FILTER (WHERE c.strategy IS NOT NULL), []) AS strategies,
       s.run_id,
       s.fetched_at
FROM new_status AS s
LEFT JOIN candidates AS c USING (item_id)
GROUP BY s.item_id, s.evidence_hash, s.run_id, s.fetched_at;
