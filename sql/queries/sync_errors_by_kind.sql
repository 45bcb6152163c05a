-- Errors recorded since $since, by flow and kind (details: SELECT * FROM errors).
SELECT flow, kind, count(*) AS errors, any_value(message) AS example
FROM errors
WHERE occurred_at >= $since
GROUP BY ALL
ORDER BY errors DESC, flow, kind
