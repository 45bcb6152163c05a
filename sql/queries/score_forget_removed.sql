-- Prepared keys of items no longer in ABS (removed, or deleted from abs_items) are dead weight: drop them.
-- An item that comes back is simply prepared again.
DELETE FROM score_prepared_items
WHERE item_id NOT IN (SELECT item_id FROM abs_items WHERE removed_at IS NULL);
