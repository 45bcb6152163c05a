-- The item's latest listening verdict and what the credits said (when the listen flow ran on it).
SELECT verdict, book_id, complete, credits, listened_at
FROM listen_results
WHERE item_id = $item_id
ORDER BY listened_at DESC
LIMIT 1
