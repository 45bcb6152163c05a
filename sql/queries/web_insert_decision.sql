-- One decision from the review page; its seq keys the field choices recorded with it.
INSERT INTO review_decisions (item_id, book_id, edition_id, decision, decided_at, decided_by, note, evidence_hash, via)
VALUES ($item_id, $book_id, $edition_id, $decision, $decided_at, $decided_by, $note, $evidence_hash, 'web')
RETURNING seq
