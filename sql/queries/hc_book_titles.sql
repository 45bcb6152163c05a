-- Titles of stored books by id (a BIGINT[] parameter).
SELECT book_id, title, subtitle FROM hc_books WHERE list_contains(?::BIGINT[], book_id);
