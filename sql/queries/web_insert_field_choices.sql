-- The fields offered with a decision and whether each is to be written (registered Arrow table `incoming_rows`).
INSERT INTO review_field_choices (decision_seq, item_id, field, write)
SELECT decision_seq, item_id, field, write
FROM incoming_rows
ORDER BY row_no
