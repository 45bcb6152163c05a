-- One listen run's results, with the match each item has.
SELECT l.item_id, l.verdict, l.book_id, l.windows, l.audio_seconds, l.cpu_seconds, l.searched,
       m.book_id AS match_book, m.tier
FROM listen_results l
LEFT JOIN matches m USING (item_id)
WHERE l.run_id = ?;
