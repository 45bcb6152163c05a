-- The included audio files of some items, in ABS play order (intro = first, outro = last).
SELECT item_id, ino, idx, path, duration, size
FROM abs_audio_files
WHERE list_contains($item_ids::VARCHAR[], item_id)
  AND NOT coalesce(exclude, false)
ORDER BY item_id, idx NULLS LAST, ino
