-- Add candidates from the registered frame new_candidates, keeping existing (item, book) rows.
INSERT OR IGNORE INTO candidates BY NAME SELECT * FROM new_candidates;
