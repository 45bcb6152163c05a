-- Refill the tier tables (matches_auto / matches_pending / matches_reject / matches_waiting, migration 015)
-- from `matches`, in the score run's transaction. The four share one select, a TEMP view (this
-- connection only, dropped at the end), so they never drift apart.
CREATE OR REPLACE TEMP VIEW scored_tier_rows AS
SELECT
    m.tier,
    m.item_id, i.title AS item_title, i.authors AS item_authors,
    m.book_id, b.title AS book_title, m.edition_id, m.confidence, m.margin,
    m.runner_up_book_id, m.runner_up_confidence, m.caps, m.explanation, m.evidence_hash, m.run_id, m.scored_at
FROM matches AS m
LEFT JOIN abs_items AS i USING (item_id)
LEFT JOIN hc_books AS b ON b.book_id = m.book_id;

DELETE FROM matches_auto;
INSERT INTO matches_auto BY NAME
SELECT * EXCLUDE (tier) FROM scored_tier_rows WHERE tier = 'auto' ORDER BY confidence DESC, item_id;

DELETE FROM matches_pending;
INSERT INTO matches_pending BY NAME
SELECT * EXCLUDE (tier) FROM scored_tier_rows WHERE tier = 'pending' ORDER BY confidence DESC, item_id;

DELETE FROM matches_reject;
INSERT INTO matches_reject BY NAME
SELECT * EXCLUDE (tier) FROM scored_tier_rows WHERE tier = 'reject' ORDER BY confidence DESC, item_id;

DELETE FROM matches_waiting;
INSERT INTO matches_waiting BY NAME
SELECT * EXCLUDE (tier) FROM scored_tier_rows WHERE tier = 'waiting' ORDER BY item_id;

DROP VIEW scored_tier_rows;
