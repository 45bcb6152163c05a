-- The best candidate per scored item replaces that item's previous match (`new_matches` is registered,
-- with its explanation as JSON text in `explanation_json`).
DELETE FROM matches WHERE item_id IN (SELECT item_id FROM new_matches);
INSERT INTO matches BY NAME
SELECT
    item_id, $run_id AS run_id, book_id, edition_id, confidence, tier, runner_up_book_id,
    runner_up_confidence, margin, caps, CAST(explanation_json AS JSON) AS explanation, evidence_hash,
    $scored_at AS scored_at, $model_version AS model_version
FROM new_matches;
