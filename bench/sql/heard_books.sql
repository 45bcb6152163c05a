SELECT item_id, verdict, book_id AS heard_book_id FROM listen_results;
