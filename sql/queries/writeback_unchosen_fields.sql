-- (item, field) pairs a person chose not to write with the item's latest decision (the review page's
-- unticked fields, review_field_choices): the writeback plan leaves them out while that decision stands.
WITH latest AS (
    SELECT item_id, seq
    FROM review_decisions
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
)
SELECT c.item_id, c.field
FROM review_field_choices AS c
JOIN latest AS l ON l.seq = c.decision_seq AND l.item_id = c.item_id
WHERE NOT c.write
