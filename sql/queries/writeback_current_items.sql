-- What the last extract saw in ABS for the given items (the dry-run's "before").
SELECT item_id, rel_path, title, subtitle, authors, narrators, series, publisher, published_year,
       description, genres, language, isbn, asin, cover_path, updated_at
FROM abs_items
WHERE item_id IN (SELECT unnest($item_ids::VARCHAR[]))
  AND removed_at IS NULL
