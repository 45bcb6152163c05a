-- A Hardcover book's title, slug and cover URL (the review page's Hardcover side).
SELECT book_id, title, slug, image_url
FROM hc_books
WHERE book_id = $book_id
