-- How sure is shelfmatch? Items per tier and confidence band (0.05 wide).
-- shelfmatch sql sql/analysis/tier_confidence_bands.sql
SELECT
    tier,
    floor(confidence * 20) / 20                  AS band_from,
    floor(confidence * 20) / 20 + 0.05           AS band_to,
    count(*)                                     AS items
FROM matches
WHERE book_id IS NOT NULL
GROUP BY ALL
ORDER BY band_from DESC, tier;
