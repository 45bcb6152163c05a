-- A cached Hardcover response by cache key, if fetched after the TTL cutoff.
SELECT response FROM hc_requests WHERE cache_key = ? AND status = 200 AND fetched_at >= ?;
