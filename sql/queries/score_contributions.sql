-- Authors of the candidate books and contributors (narrators) of their editions.
SELECT contributable_type, contributable_id, author_name, contribution, ordinal
FROM hc_contributions
WHERE (contributable_type = 'Book' AND contributable_id IN (SELECT book_id FROM pairs))
   OR (contributable_type = 'Edition'
       AND contributable_id IN (SELECT edition_id FROM hc_editions WHERE book_id IN (SELECT book_id FROM pairs)));
