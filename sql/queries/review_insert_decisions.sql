-- Bulk insert of decisions (approve/reject by ids or --where) from the registered Arrow table `incoming_rows`.
INSERT INTO review_decisions (item_id, book_id, edition_id, decision, decided_at, decided_by, note, evidence_hash, via)
SELECT item_id, book_id, edition_id, decision, decided_at, decided_by, note, evidence_hash, via
FROM incoming_rows
ORDER BY row_no
