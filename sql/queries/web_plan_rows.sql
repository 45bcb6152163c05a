-- The field changes a writeback run planned, for the page: writes first, then conflicts (fields a person
-- changed in ABS, left alone), with the item's title as the last extract saw it and the book's title.
SELECT p.item_id, coalesce(p.item_title, i.title) AS abs_title, p.field, p.policy, p.before, p.after,
       p.book_id, b.title AS hc_title, p.approval, coalesce(p.action, 'write') AS action, p.reason
FROM writeback_plans AS p
LEFT JOIN abs_items AS i ON i.item_id = p.item_id
LEFT JOIN hc_books AS b ON b.book_id = p.book_id
WHERE p.run_id = $run_id
ORDER BY coalesce(p.action, 'write') DESC, p.item_id, p.field
LIMIT $limit
