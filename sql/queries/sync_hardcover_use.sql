-- Hardcover requests (root fields, what Hardcover bills) sent since $since, and the newest daily reading.
WITH sent AS (
    SELECT coalesce(sum(coalesce(root_fields, 1)), 0) AS requests_used
    FROM hc_requests
    WHERE fetched_at >= $since
),
newest AS (
    SELECT remaining, quota, observed_at + to_seconds(coalesce(reset_seconds, 0)) AS resets_at
    FROM hc_rate_limits
    WHERE lower(bucket) LIKE '%daily%'
    ORDER BY observed_at DESC
    LIMIT 1
)
SELECT s.requests_used, n.remaining AS budget_left, n.quota AS daily_quota, n.resets_at
FROM sent s LEFT JOIN newest n ON true
