-- Drop the old rows of the changed items in the batch (`extract_replace` is a registered Arrow table).
DELETE FROM abs_items WHERE item_id IN (SELECT item_id FROM extract_replace);
DELETE FROM abs_audio_files WHERE item_id IN (SELECT item_id FROM extract_replace);
DELETE FROM abs_files WHERE item_id IN (SELECT item_id FROM extract_replace);
