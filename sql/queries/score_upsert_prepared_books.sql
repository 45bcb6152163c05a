-- Replace the prepared keys of the books in the registered frame `prepared_books` (book_frame rows +
-- source_hash).
DELETE FROM score_prepared_books WHERE book_id IN (SELECT book_id FROM prepared_books);
INSERT INTO score_prepared_books BY NAME
SELECT *, $prepare_version AS prepare_version, $prepared_at AS prepared_at
FROM prepared_books;
