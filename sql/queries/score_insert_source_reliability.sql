-- The source rates a score run estimated from its own pairs (registered as `source_rates`).
INSERT INTO score_source_reliability
    (run_id, source, settled, named, rate, prior_rate, prior_items, created_at)
SELECT $run_id, source, settled, named, rate, $prior_rate, $prior_items, $created_at
FROM source_rates;
