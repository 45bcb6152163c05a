SELECT edition_id, book_id, reading_format_id, asin, isbn_10, isbn_13, audio_seconds
FROM hc_editions
WHERE book_id IN (SELECT book_id FROM pairs);
