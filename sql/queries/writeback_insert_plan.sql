-- Bulk insert of plan rows from the registered Arrow table `incoming_rows`.
INSERT INTO writeback_plans (run_id, item_id, field, policy, before, after, book_id, edition_id, approval, planned_at)
SELECT run_id, item_id, field, policy, before::JSON, after::JSON, book_id, edition_id, approval, planned_at
FROM incoming_rows
