-- The current match of the given items: what approve/reject records, and what the bulk check counts.
SELECT item_id, book_id, edition_id, tier, confidence, evidence_hash, explanation
FROM matches
WHERE item_id IN (SELECT unnest($item_ids::VARCHAR[]))
