-- The cache keys with a fresh successful response (fetched after the TTL cutoff).
SELECT cache_key FROM hc_requests WHERE status = 200 AND fetched_at >= ?;
