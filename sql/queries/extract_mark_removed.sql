-- Items that vanished from ABS keep their rows; removed_at says when extract noticed.
UPDATE abs_items
SET removed_at = ?
WHERE item_id IN (SELECT unnest(?::VARCHAR[]))
  AND removed_at IS NULL
