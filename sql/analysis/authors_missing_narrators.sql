-- Which authors' audiobooks most often lack a narrator in ABS — and how many Hardcover could fill?
-- shelfmatch sql sql/analysis/authors_missing_narrators.sql
SELECT author, items, without_narrator, pct_with_narrator, hardcover_can_fill
FROM narrator_coverage
WHERE without_narrator > 0
ORDER BY without_narrator DESC, items DESC
LIMIT 25;
