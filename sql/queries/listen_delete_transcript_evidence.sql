-- Transcript evidence is replaced wholesale per item: the latest listen is what the audio says.
DELETE FROM item_evidence WHERE item_id = $item_id AND source = 'transcript'
