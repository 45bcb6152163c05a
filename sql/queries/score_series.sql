SELECT book_id, series_id, series_name, position, featured
FROM hc_series
WHERE book_id IN (SELECT book_id FROM pairs);
