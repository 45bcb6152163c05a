-- Books already fetched (with editions) after the cache cutoff: hydration skips them.
SELECT book_id FROM hc_books WHERE fetched_at >= ?;
