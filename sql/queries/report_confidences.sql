-- One row per scored item: its confidence and tier (for the report's histogram).
SELECT m.confidence, m.tier
FROM matches m JOIN abs_items i USING (item_id)
WHERE i.removed_at IS NULL AND m.book_id IS NOT NULL
