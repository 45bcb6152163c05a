-- The titles and authors the text path had for some items (every source but the transcript): what
-- the candidates step has looked up for them already.
SELECT item_id, field, value
FROM item_evidence
WHERE list_contains($item_ids::VARCHAR[], item_id)
  AND field IN ('title', 'author')
  AND source <> 'transcript'
