-- How many field changes and items a writeback run planned, and how many items it held.
SELECT
    (SELECT count(*) FROM writeback_plans WHERE run_id = $run_id) AS fields,
    (SELECT count(DISTINCT item_id) FROM writeback_plans WHERE run_id = $run_id) AS items,
    (SELECT count(*) FROM writeback_holds WHERE run_id = $run_id) AS held
