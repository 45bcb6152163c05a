-- Bulk insert of plan rows from the registered Arrow table `incoming_rows`.
INSERT INTO writeback_plans (run_id, item_id, field, policy, before, after, book_id, edition_id, approval,
                             planned_at, action, reason, item_title, item_author)
SELECT run_id, item_id, field, policy, before::JSON, after::JSON, book_id, edition_id, approval,
       planned_at, action, reason, item_title, item_author
FROM incoming_rows
