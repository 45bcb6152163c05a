INSERT INTO score_models (model_version, base_version, parameters, items, pairs, labels, run_id, created_at)
VALUES ($model_version, $base_version, CAST($parameters AS JSON), $items, $pairs, $labels, $run_id, $created_at)
ON CONFLICT (model_version) DO NOTHING;
