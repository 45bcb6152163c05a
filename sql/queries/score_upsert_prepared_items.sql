-- Replace the prepared keys of the items in the registered frame `prepared_items` (item_frame rows +
-- evidence_hash); duration is per run, not part of the keys.
DELETE FROM score_prepared_items WHERE item_id IN (SELECT item_id FROM prepared_items);
INSERT INTO score_prepared_items BY NAME
SELECT * EXCLUDE (duration), $prepare_version AS prepare_version, $prepared_at AS prepared_at
FROM prepared_items;
