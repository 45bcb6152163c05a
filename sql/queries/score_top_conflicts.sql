-- This run's most interesting pending items: high confidence held back by a cap, or a near-tied runner-up.
SELECT
    m.item_id, i.title AS item_title, b.title AS book_title, round(m.confidence, 3) AS confidence,
    rb.title AS runner_up_title, round(m.runner_up_confidence, 3) AS runner_up_confidence,
    array_to_string(m.caps, ', ') AS caps
FROM matches AS m
LEFT JOIN abs_items AS i USING (item_id)
LEFT JOIN hc_books AS b ON b.book_id = m.book_id
LEFT JOIN hc_books AS rb ON rb.book_id = m.runner_up_book_id
WHERE m.run_id = $run_id AND m.tier = 'pending'
ORDER BY len(m.caps) > 0 DESC, m.confidence DESC, m.item_id
LIMIT $limit;
