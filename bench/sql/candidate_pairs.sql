SELECT item_id, book_id FROM candidates;
