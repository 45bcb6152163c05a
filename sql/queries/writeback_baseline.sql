-- What shelfmatch last saw of each field of the given items, when its own write came after the last
-- extract: the value it wrote (verified) or put back (rolled_back). Fields without such a row are as
-- abs_items holds them. A live value that differs from this was changed in ABS since.
SELECT l.item_id, l.field, arg_max(l.after, l.seq) AS after
FROM writeback_log AS l
JOIN abs_items AS i ON i.item_id = l.item_id
WHERE l.item_id IN (SELECT unnest($item_ids::VARCHAR[]))
  AND l.status IN ('verified', 'rolled_back')
  AND l.logged_at > i.extracted_at
GROUP BY l.item_id, l.field
