-- Items allowed to reach ABS, with which Hardcover book/edition, and whether they are held now.
-- A person's latest decision wins over the tier (a reject always wins; an approve may name another
-- book); with no decision, tier 'auto' counts as approved when $auto_ok; pending/reject never do.
-- `hold` is NULL when the item may be written, else why not (the writeback plan lists it as held):
--   not_extracted    no abs_items row: nothing the last sync read to plan against
--   removed          gone from ABS at the last sync
--   missing_files    ABS marks the item missing (its files are gone)
--   extract_failed   the latest extract could not store it (malformed_item / load_failed newer than
--                    the row it kept), so abs_items and its evidence describe an older state
--   evidence_changed an approval is bound to the evidence it was made on: the decision's evidence_hash
--                    is not the current match's (the item changed since; review asks again)
-- Only the extract error kinds that mean "not stored" count: other extract errors (suspicious_text,
-- unreadable_file, evidence_failed) are recorded for items that were stored.
WITH latest AS (
    SELECT *
    FROM review_decisions
    QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1
),
allowed AS (
    SELECT
        coalesce(d.item_id, m.item_id) AS item_id,
        CASE WHEN d.decision = 'approve' THEN d.book_id ELSE m.book_id END AS book_id,
        CASE WHEN d.decision = 'approve' THEN d.edition_id ELSE m.edition_id END AS edition_id,
        CASE WHEN d.decision = 'approve' THEN 'approved' ELSE 'auto' END AS approval,
        d.evidence_hash AS decided_hash,
        m.evidence_hash AS current_hash
    FROM matches AS m
    FULL OUTER JOIN latest AS d ON d.item_id = m.item_id
    WHERE (d.decision = 'approve' AND d.book_id IS NOT NULL)
       OR (d.item_id IS NULL AND m.tier = 'auto' AND m.book_id IS NOT NULL AND $auto_ok)
),
failed_extract AS (
    SELECT e.item_id, arg_max(e.kind || ': ' || e.message, e.occurred_at) AS last_error
    FROM errors AS e
    JOIN abs_items AS i ON i.item_id = e.item_id
    WHERE e.flow = 'extract_abs'
      AND e.kind IN ('malformed_item', 'load_failed')
      AND e.occurred_at > i.extracted_at
    GROUP BY e.item_id
)
SELECT
    a.item_id,
    a.book_id,
    a.edition_id,
    a.approval,
    -- ABS's updatedAt as the last sync saw it, or as shelfmatch's own later write left it: apply holds
    -- an item whose live updatedAt is newer (it changed in ABS since).
    greatest(i.updated_at, s.updated_at) AS known_updated_at,
    CASE
        WHEN i.item_id IS NULL THEN 'not_extracted'
        WHEN i.removed_at IS NOT NULL THEN 'removed'
        WHEN i.is_missing THEN 'missing_files'
        WHEN f.item_id IS NOT NULL THEN 'extract_failed'
        WHEN a.approval = 'approved' AND a.decided_hash IS DISTINCT FROM a.current_hash THEN 'evidence_changed'
    END AS hold,
    f.last_error AS hold_detail
FROM allowed AS a
LEFT JOIN abs_items AS i ON i.item_id = a.item_id
LEFT JOIN failed_extract AS f ON f.item_id = a.item_id
LEFT JOIN writeback_item_stamps AS s ON s.item_id = a.item_id
ORDER BY a.item_id
