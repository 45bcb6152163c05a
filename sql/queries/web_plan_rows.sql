-- The field changes a writeback run planned, with the item's ABS title and the book's title, for the page.
SELECT p.item_id, i.title AS abs_title, p.field, p.policy, p.before, p.after, p.book_id, b.title AS hc_title,
       p.approval
FROM writeback_plans AS p
LEFT JOIN abs_items AS i ON i.item_id = p.item_id
LEFT JOIN hc_books AS b ON b.book_id = p.book_id
WHERE p.run_id = $run_id
ORDER BY p.item_id, p.field
LIMIT $limit
