-- The decision that counts for each item (the latest).
SELECT *
FROM review_decisions
QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
ORDER BY item_id
