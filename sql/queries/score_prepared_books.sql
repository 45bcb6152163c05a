-- Prepared keys of this run's candidate books (`score_run_books` registered).
SELECT p.* EXCLUDE (source_hash, prepare_version, prepared_at)
FROM score_run_books AS t
JOIN score_prepared_books AS p USING (book_id);
