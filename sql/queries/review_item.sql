-- The ABS side of one item, as the review prompt shows it.
SELECT item_id, rel_path, title, subtitle, authors, narrators, series, publisher, published_year,
       description, genres, language, isbn, asin, duration
FROM abs_items
WHERE item_id = ?
