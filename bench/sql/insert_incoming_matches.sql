-- The matches registered as the relation `incoming`.
INSERT INTO matches (item_id, run_id, book_id, edition_id, confidence, tier, evidence_hash, scored_at)
SELECT item_id, run_id, book_id, edition_id, confidence, tier, evidence_hash, scored_at FROM incoming;
