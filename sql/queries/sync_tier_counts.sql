-- Items per match tier now, plus items with no match row at all (not scored yet / no candidate).
SELECT coalesce(m.tier, 'unscored') AS tier, count(*) AS items
FROM abs_items i
LEFT JOIN matches m USING (item_id)
WHERE i.removed_at IS NULL
GROUP BY 1
ORDER BY 1
