SELECT item_id, field FROM writeback_log WHERE run_id = ? AND status = ?;
