-- Every match with the item's folder and title and the matched book's title.
SELECT m.item_id, m.book_id, m.tier, m.confidence, m.caps, m.model_version, i.rel_path,
       i.title AS item_title, b.title AS book_title, m.explanation::VARCHAR AS explanation
FROM matches m
LEFT JOIN abs_items i USING (item_id)
LEFT JOIN hc_books b ON b.book_id = m.book_id;
