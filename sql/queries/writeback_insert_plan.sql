INSERT INTO writeback_plans (run_id, item_id, field, policy, before, after, book_id, edition_id, approval, planned_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
