-- Store one Hardcover response (the latest wins for a key).
INSERT OR REPLACE INTO hc_requests(cache_key, operation, query, variables, status, response, root_fields, fetched_at, run_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);
