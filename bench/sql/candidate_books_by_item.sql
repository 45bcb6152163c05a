SELECT item_id, list(book_id) FROM candidates GROUP BY 1;
