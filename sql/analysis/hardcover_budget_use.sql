-- Hardcover budget use: requests per day and per operation, and what is left today.
-- shelfmatch sql sql/analysis/hardcover_budget_use.sql
WITH by_operation AS (
    SELECT CAST(fetched_at AS DATE) AS day, operation, sum(coalesce(root_fields, 1)) AS requests
    FROM hc_requests
    GROUP BY ALL
)
SELECT
    b.day,
    b.requests_sent,
    b.daily_remaining,
    b.resets_at,
    (SELECT string_agg(o.operation || '=' || o.requests, ', ' ORDER BY o.requests DESC)
     FROM by_operation o WHERE o.day = b.day)              AS by_operation
FROM hardcover_budget b
ORDER BY b.day DESC;
