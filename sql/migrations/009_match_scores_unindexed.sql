-- match_scores takes ~400 k rows per score run of a 50 k library and loses as many when older runs leave
-- the history (score_history_runs). The ART index on item_id made that the slowest part of a score run
-- (DuckDB 2.0, 1.2 M rows: insert 1.4 s against 0.44 s unindexed, deleting 830 k rows 3.8 s against
-- 0.01 s) and lookups do not need it: each run is written in item order, so row-group min/max already
-- skip to an item's rows (`WHERE item_id = ? AND run_id = ?`: 6 ms unindexed, 13 ms indexed).
DROP INDEX IF EXISTS match_scores_item;
