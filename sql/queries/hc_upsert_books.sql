-- Upsert fetched books and everything hanging off them from the registered frames
-- new_books, new_editions, new_contributions, new_series (deduplicated by the caller).
DELETE FROM hc_contributions
WHERE (contributable_type = 'Book' AND contributable_id IN (SELECT book_id FROM new_books))
   OR (contributable_type = 'Edition' AND contributable_id IN (SELECT edition_id FROM new_editions));
DELETE FROM hc_series WHERE book_id IN (SELECT book_id FROM new_books);
INSERT OR REPLACE INTO hc_books BY NAME SELECT * FROM new_books;
INSERT OR REPLACE INTO hc_editions BY NAME SELECT * FROM new_editions;
INSERT INTO hc_contributions BY NAME SELECT * FROM new_contributions;
INSERT INTO hc_series BY NAME SELECT * FROM new_series;
