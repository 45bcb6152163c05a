-- Drop the changed items' evidence from the sources extract writes (the parameter lists them);
-- evidence from other flows (e.g. 'transcript' from listen) stays.
DELETE FROM item_evidence
WHERE item_id IN (SELECT item_id FROM extract_replace)
  AND source IN (SELECT unnest(?::VARCHAR[]))
