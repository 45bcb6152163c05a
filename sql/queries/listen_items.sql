-- Items the listen flow should hear: no positive match yet (tier pending/reject, no match row, or no
-- candidate at all), still in ABS, with at least one included audio file. Items already heard in an
-- earlier run are skipped unless named in $item_ids (then they are heard again, whatever their tier).
SELECT i.item_id
FROM abs_items AS i
LEFT JOIN matches AS m USING (item_id)
WHERE i.removed_at IS NULL
  AND EXISTS (
      SELECT 1 FROM abs_audio_files AS f WHERE f.item_id = i.item_id AND NOT coalesce(f.exclude, false)
  )
  AND (
      ($item_ids::VARCHAR[] IS NOT NULL AND list_contains($item_ids::VARCHAR[], i.item_id))
      OR (
          $item_ids::VARCHAR[] IS NULL
          AND (m.item_id IS NULL OR m.book_id IS NULL OR m.tier <> 'auto')
          AND NOT EXISTS (
              SELECT 1 FROM listen_results AS r WHERE r.item_id = i.item_id AND r.verdict <> 'error'
          )
      )
  )
ORDER BY i.item_id
LIMIT coalesce($max_items::BIGINT, 9223372036854775807)
