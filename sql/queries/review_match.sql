SELECT item_id, book_id, edition_id, tier, confidence, evidence_hash
FROM matches
WHERE item_id IN (SELECT unnest($item_ids::VARCHAR[]))
