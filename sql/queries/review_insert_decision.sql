INSERT INTO review_decisions (item_id, book_id, edition_id, decision, decided_at, decided_by, note, evidence_hash, via)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
