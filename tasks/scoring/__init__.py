"""Match scoring: pure functions over Polars frames, from evidence to a calibrated confidence per pair.

items = item_frame(evidence, abs_items)                 # prepare.py
books = book_frame(hc_books, hc_editions, hc_contributions, hc_series)
scored = score_pairs(candidates, items, books, model)   # features.py + model.py
matches = choose_matches(scored, item_ids, ...)         # tiers.py (rank_and_choose: + match_scores.rank)
scored, matches = score_and_choose(candidates, items, books, item_ids, ...)  # all of it, as a score run does
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tasks.scoring.comparisons import COMPARISON_BY_NAME, COMPARISONS, NULL, Comparison
from tasks.scoring.estimate import fit
from tasks.scoring.features import pair_features
from tasks.scoring.library_estimate import adapt
from tasks.scoring.model import MODEL_PATH, Model, apply
from tasks.scoring.prepare import book_frame, item_frame
from tasks.scoring.tiers import DEFAULT_THRESHOLDS, Thresholds, choose_matches, rank_and_choose

__all__ = [
    "COMPARISONS",
    "COMPARISON_BY_NAME",
    "NULL",
    "Comparison",
    "MODEL_PATH",
    "Model",
    "Thresholds",
    "adapt",
    "apply",
    "book_frame",
    "choose_matches",
    "fit",
    "item_frame",
    "load_model",
    "pair_features",
    "rank_and_choose",
    "score_and_choose",
    "score_features",
    "score_pairs",
]

_MODELS: dict[Path, Model] = {}


def load_model(path: Path | str | None = None) -> Model:
    """The model at `path` (default: the versioned model shipped in the repo), read once per process."""
    key = Path(path or MODEL_PATH).resolve()
    if key not in _MODELS:
        _MODELS[key] = Model.load(key)
    return _MODELS[key]


def score_pairs(
    candidates: pl.DataFrame,
    items: pl.DataFrame,
    books: pl.DataFrame,
    model: Model | None = None,
    explain: bool = True,
) -> pl.DataFrame:
    """Features, levels, match weight, confidence and explanation for every candidate pair."""
    return apply(pair_features(candidates, items, books), model or load_model(), explain=explain)


def score_features(
    features: pl.DataFrame,
    item_ids: pl.Series | list[str],
    model: Model,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(every pair of `features` scored and ranked, one match per item of `item_ids`)."""
    return rank_and_choose(apply(features, model), item_ids, thresholds)


def score_and_choose(
    candidates: pl.DataFrame,
    items: pl.DataFrame,
    books: pl.DataFrame,
    item_ids: pl.Series | list[str],
    model: Model | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The score step of a run: every candidate pair scored and ranked (match_scores), and one match per
    item of `item_ids` (matches)."""
    features = pair_features(candidates, items, books)
    return score_features(features, item_ids, model or load_model(), thresholds)
