-- Which series have holes, and which books would fill them?
-- shelfmatch sql sql/analysis/series_with_gaps.sql
SELECT series_name, owned, owned_positions, missing, missing_positions
FROM series_gaps
ORDER BY missing DESC, series_name
LIMIT 25;
