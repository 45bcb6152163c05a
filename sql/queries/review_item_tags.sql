-- The tags ABS read from the item's first audio file.
SELECT meta_tags
FROM abs_audio_files
WHERE item_id = ?
ORDER BY idx NULLS LAST, ino
LIMIT 1
