-- matches_auto / matches_pending / matches_reject / matches_waiting: each tier's items with the book and the reasons,
-- rebuilt after every score run from one shared select (so the three tables never drift apart).
CREATE OR REPLACE TEMP VIEW scored_tier_rows AS
SELECT
    m.tier,
    m.item_id, i.title AS item_title, i.authors AS item_authors,
    m.book_id, b.title AS book_title, m.edition_id, m.confidence, m.margin,
    m.runner_up_book_id, m.runner_up_confidence, m.caps, m.explanation, m.evidence_hash, m.run_id, m.scored_at
FROM matches AS m
LEFT JOIN abs_items AS i USING (item_id)
LEFT JOIN hc_books AS b ON b.book_id = m.book_id;

CREATE OR REPLACE TABLE matches_auto AS
SELECT * EXCLUDE (tier) FROM scored_tier_rows WHERE tier = 'auto' ORDER BY confidence DESC, item_id;

CREATE OR REPLACE TABLE matches_pending AS
SELECT * EXCLUDE (tier) FROM scored_tier_rows WHERE tier = 'pending' ORDER BY confidence DESC, item_id;

CREATE OR REPLACE TABLE matches_reject AS
SELECT * EXCLUDE (tier) FROM scored_tier_rows WHERE tier = 'reject' ORDER BY confidence DESC, item_id;

CREATE OR REPLACE TABLE matches_waiting AS
SELECT * EXCLUDE (tier) FROM scored_tier_rows WHERE tier = 'waiting' ORDER BY item_id;

DROP VIEW scored_tier_rows;
