-- What did the newest writeback (with --apply) change? Field by field, with the before value for undo.
-- shelfmatch sql sql/analysis/what_changed_last_writeback.sql
WITH newest AS (
    SELECT run_id FROM writeback_history WHERE kind = 'writeback' ORDER BY logged_at DESC LIMIT 1
)
SELECT h.item_id, h.abs_title, h.field, h.before, h.after, h.status, h.rolled_back_since
FROM writeback_history h JOIN newest USING (run_id)
ORDER BY h.abs_title, h.field;
