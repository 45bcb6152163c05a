-- What the listen step heard per item (the demo's listening line).
SELECT item_id, verdict, book_id
FROM listen_results
