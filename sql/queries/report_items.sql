-- One row per item in ABS: its tier ('unscored' without a match row) and confidence. The report's tier
-- chart and its confidence histogram (and the histogram's legend) both count these rows.
SELECT coalesce(m.tier, 'unscored') AS tier, m.confidence
FROM abs_items i
LEFT JOIN matches m USING (item_id)
WHERE i.removed_at IS NULL
