-- matches_auto: this tier's items with the book and the top reasons, rebuilt after every score run.
CREATE OR REPLACE TABLE matches_auto AS
SELECT
    m.item_id, i.title AS item_title, i.authors AS item_authors,
    m.book_id, b.title AS book_title, m.edition_id, m.confidence, m.margin,
    m.runner_up_book_id, m.runner_up_confidence, m.caps, m.explanation, m.evidence_hash, m.run_id, m.scored_at
FROM matches AS m
LEFT JOIN abs_items AS i USING (item_id)
LEFT JOIN hc_books AS b ON b.book_id = m.book_id
WHERE m.tier = 'auto'
ORDER BY m.confidence DESC, m.item_id;
