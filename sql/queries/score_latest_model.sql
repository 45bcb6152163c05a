-- The library's latest adaptation of the shipped model `$base_version` (none: the shipped model).
SELECT parameters::VARCHAR AS parameters
FROM score_models
WHERE base_version = $base_version
ORDER BY created_at DESC
LIMIT 1;
