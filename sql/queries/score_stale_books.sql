-- Candidate books (`score_run_books` registered: book_id, source_hash) whose prepared keys are missing or
-- were prepared from other hc_* rows or by another prepare_version.
SELECT t.book_id, t.source_hash
FROM score_run_books AS t
LEFT JOIN score_prepared_books AS p USING (book_id)
WHERE p.book_id IS NULL OR p.source_hash <> t.source_hash OR p.prepare_version <> $prepare_version;
