-- What the provider answer needs of each book beyond the writeback targets: cover URL, and the audio
-- length of the chosen edition (else of any audio edition, else the book's).
SELECT b.book_id, b.image_url,
       coalesce(
           max(e.audio_seconds) FILTER (WHERE e.edition_id = ANY($edition_ids::INTEGER[])),
           max(e.audio_seconds) FILTER (WHERE e.reading_format_id IN (2, 3)),
           max(b.audio_seconds)
       ) AS audio_seconds
FROM hc_books AS b
LEFT JOIN hc_editions AS e ON e.book_id = b.book_id
WHERE b.book_id IN (SELECT unnest($book_ids::INTEGER[]))
GROUP BY b.book_id, b.image_url
