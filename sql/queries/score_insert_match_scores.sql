-- Every scored pair of this run (`scored_pairs` is a registered Polars frame; `explanation_json` is its
-- explanation struct as JSON text, model.explanation_json).
INSERT INTO match_scores BY NAME
SELECT
    $run_id AS run_id, item_id, book_id, edition_id, rank, confidence, match_weight,
    title_sim, title_level, sources_agree, sources_level, author_sim, author_level,
    narrator_sim, narrator_level, series_sim, series_level, position_level,
    duration_diff, duration_level, year_diff, year_level, identifier_level,
    CAST(explanation_json AS JSON) AS explanation, $model_version AS model_version, $scored_at AS scored_at
FROM scored_pairs;
