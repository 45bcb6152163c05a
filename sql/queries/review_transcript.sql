-- The opening words of the item's audio, when the listen flow transcribed it.
SELECT text
FROM transcripts
WHERE item_id = ? AND window_kind = 'intro' AND text IS NOT NULL
ORDER BY created_at DESC, window_start
LIMIT 1
