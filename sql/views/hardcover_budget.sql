-- hardcover_budget: per UTC day, how many Hardcover requests shelfmatch sent (root fields, which is what
-- Hardcover bills), how many distinct cached responses it holds, and what the last RateLimit header said
-- was left of the daily 5,000. Answers "how much budget did the sync use, and how much is left?"
CREATE OR REPLACE VIEW hardcover_budget AS
WITH sent AS (
    SELECT CAST(fetched_at AS DATE) AS day,
           sum(coalesce(root_fields, 1))                        AS requests_sent,
           count(*)                                             AS cached_responses,
           count(*) FILTER (WHERE status IS DISTINCT FROM 200)  AS failed_responses
    FROM hc_requests
    GROUP BY 1
),
daily_readings AS (
    SELECT CAST(observed_at AS DATE) AS day, observed_at, quota, remaining, reset_seconds,
           row_number() OVER (PARTITION BY CAST(observed_at AS DATE) ORDER BY observed_at DESC) AS newest
    FROM hc_rate_limits
    WHERE lower(bucket) LIKE '%daily%'
),
last_reading AS (
    SELECT day, quota AS daily_quota, remaining AS daily_remaining,
           observed_at + to_seconds(coalesce(reset_seconds, 0)) AS resets_at
    FROM daily_readings WHERE newest = 1
)
SELECT
    day,
    coalesce(s.requests_sent, 0)      AS requests_sent,
    coalesce(s.cached_responses, 0)   AS cached_responses,
    coalesce(s.failed_responses, 0)   AS failed_responses,
    r.daily_quota,
    r.daily_remaining,
    r.resets_at
FROM sent s
FULL OUTER JOIN last_reading r USING (day)
ORDER BY day DESC;
