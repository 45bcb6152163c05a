-- The field choices recorded with one decision.
SELECT field, write
FROM review_field_choices
WHERE decision_seq = $decision_seq
