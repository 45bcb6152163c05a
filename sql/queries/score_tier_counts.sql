SELECT tier, count(*) AS items, round(avg(confidence), 4) AS mean_confidence
FROM matches
GROUP BY tier
ORDER BY CASE tier WHEN 'auto' THEN 1 WHEN 'pending' THEN 2 ELSE 3 END;
