-- Items per kind of metadata issue (the report's "Metadata issues" table).
SELECT issue, count(*) AS items
FROM metadata_issues
GROUP BY issue
ORDER BY items DESC, issue
