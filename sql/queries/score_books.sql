-- Hardcover books among the candidates of the items to score (score_candidates must be registered as `pairs`).
SELECT book_id, title, subtitle, release_year, compilation
FROM hc_books
WHERE book_id IN (SELECT book_id FROM pairs);
