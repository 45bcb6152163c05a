INSERT INTO item_evidence (item_id, source, field, value, ordinal, rule, run_id)
VALUES ($item_id, 'transcript', $field, $value, $ordinal, $rule, $run_id)
