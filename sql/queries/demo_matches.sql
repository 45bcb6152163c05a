-- Every item's match and tier, for the demo to check against the generated truth.
SELECT item_id, tier, book_id
FROM matches
