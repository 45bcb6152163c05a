-- The items one writeback run held back, for display.
SELECT h.item_id, i.title AS abs_title, h.approval, h.hold, h.reason
FROM writeback_holds AS h
LEFT JOIN abs_items AS i ON i.item_id = h.item_id
WHERE h.run_id = ?
ORDER BY h.item_id
