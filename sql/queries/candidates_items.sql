-- Items for fetch_candidates: the evidence candidate search uses (most trusted source first)
-- and a hash of all their evidence; `done` = candidates already fetched for exactly this evidence.
-- $item_ids: VARCHAR[] or NULL for every item.
WITH ev AS (
    SELECT e.*,
           CASE e.source WHEN 'abs' THEN 0 WHEN 'tags' THEN 1 WHEN 'transcript' THEN 2 WHEN 'path' THEN 3 ELSE 4 END AS src_rank
    FROM item_evidence e
    LEFT JOIN abs_items a USING (item_id)
    WHERE a.removed_at IS NULL
      AND ($item_ids::VARCHAR[] IS NULL OR list_contains($item_ids::VARCHAR[], e.item_id))
), per_item AS (
    SELECT item_id,
           list(value ORDER BY src_rank, ordinal) FILTER (WHERE field = 'title') AS titles,
           list(value ORDER BY src_rank, ordinal) FILTER (WHERE field = 'author') AS authors,
           list(value ORDER BY src_rank, ordinal) FILTER (WHERE field = 'narrator') AS narrators,
           list(value ORDER BY src_rank, ordinal) FILTER (WHERE field = 'series') AS series,
           list(value ORDER BY src_rank, ordinal) FILTER (WHERE field = 'sequence') AS sequences,
           list(value ORDER BY src_rank, ordinal) FILTER (WHERE field = 'asin') AS asins,
           list(value ORDER BY src_rank, ordinal) FILTER (WHERE field = 'isbn') AS isbns,
           md5(string_agg(source || '|' || field || '|' || value || '|' || ordinal, chr(10)
                          ORDER BY source, field, ordinal, value)) AS evidence_hash
    FROM ev
    GROUP BY item_id
)
SELECT p.*, a.duration, coalesce(s.evidence_hash = p.evidence_hash, false) AS done
FROM per_item p
LEFT JOIN abs_items a USING (item_id)
LEFT JOIN hc_item_status s USING (item_id)
ORDER BY p.item_id;
