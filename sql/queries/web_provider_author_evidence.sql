-- Which of the given items have the author in their evidence (folder, file names, tags, what was heard).
SELECT DISTINCT item_id
FROM item_evidence
WHERE item_id = ANY($item_ids::VARCHAR[]) AND field = 'author' AND lower(trim(value)) = $author
