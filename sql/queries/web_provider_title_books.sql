-- Hardcover books already in the warehouse whose title is the query's (lower-cased), for a query that
-- names no ABS item: scored against the query without spending a request.
SELECT book_id
FROM hc_books
WHERE lower(trim(title)) = $title
ORDER BY users_count DESC NULLS LAST, book_id
LIMIT 10
