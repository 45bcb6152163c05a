-- A Hardcover book by id or slug ([E]nter in review).
SELECT book_id, title, slug
FROM hc_books
WHERE book_id = TRY_CAST($key AS INTEGER) OR slug = $key
LIMIT 1
