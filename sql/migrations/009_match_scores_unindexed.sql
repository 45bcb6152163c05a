-- match_scores has no index on item_id. It takes hundreds of thousands of rows per score run of a large
-- library and loses as many when older runs leave the history (score_history_runs); an ART index makes
-- those inserts and deletes the slowest part of a score run. Lookups do not need it: each run is written
-- in item order, so row-group min/max already skip to an item's rows (`WHERE item_id = ? AND run_id = ?`).
DROP INDEX IF EXISTS match_scores_item;
