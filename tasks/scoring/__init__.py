"""Match scoring: pure functions over Polars frames (see DESIGN.md "Confidence").

items = item_frame(evidence, abs_items)                 # prepare.py
books = book_frame(hc_books, hc_editions, hc_contributions, hc_series)
scored = score_pairs(candidates, items, books, model)   # features.py + model.py
matches = choose_matches(scored, item_ids, ...)         # tiers.py (rank_and_choose: + match_scores.rank)
"""

from __future__ import annotations

import polars as pl

from tasks.scoring.features import COMPARISONS, pair_features
from tasks.scoring.model import MODEL_PATH, Model, apply, fit
from tasks.scoring.prepare import book_frame, item_frame
from tasks.scoring.tiers import choose_matches, rank_and_choose

__all__ = [
    "COMPARISONS",
    "MODEL_PATH",
    "Model",
    "apply",
    "book_frame",
    "choose_matches",
    "fit",
    "item_frame",
    "load_model",
    "pair_features",
    "rank_and_choose",
    "score_pairs",
]

_MODEL: Model | None = None


def load_model() -> Model:
    """The versioned model shipped in the repo (read once per process)."""
    global _MODEL
    if _MODEL is None:
        _MODEL = Model.load(MODEL_PATH)
    return _MODEL


def score_pairs(
    candidates: pl.DataFrame,
    items: pl.DataFrame,
    books: pl.DataFrame,
    model: Model | None = None,
    explain: bool = True,
) -> pl.DataFrame:
    """Features, levels, weights, confidence and explanation for every candidate pair."""
    return apply(pair_features(candidates, items, books), model or load_model(), explain=explain)
