-- One RateLimit reading (per bucket) as Hardcover reported it after a request.
INSERT INTO hc_rate_limits(observed_at, run_id, bucket, quota, window_seconds, remaining, reset_seconds)
VALUES (?, ?, ?, ?, ?, ?, ?);
