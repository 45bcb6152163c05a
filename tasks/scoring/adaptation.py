"""Which model a score run scores with: the shipped one, or the shipped one adapted to this library.

With `settings.adapt_model`, a run that scores at least `settings.adapt_min_items` items re-estimates
the model on its own candidate pairs (`library_estimate.adapt`: u from the pairs that are very likely not the
item's book, m by EM, the shipped model as the prior, the review decisions still valid for today's
evidence as labels) and the run stores it in `score_models` with its results; a smaller run (a nightly sync that saw a few new
items) scores with the library's latest adaptation of the same shipped model, so one library is not
scored by a model estimated on a handful of items. Every match names the model it was scored with
(`matches.model_version`).
"""

from __future__ import annotations

import json

import duckdb
import polars as pl

from tasks.scoring.comparisons import COMPARISONS
from tasks.scoring.library_estimate import adapt
from tasks.scoring.model import Model
from tasks.settings import Settings
from tasks.warehouse import load_sql, now


def labels(con: duckdb.DuckDBPyConnection, items: pl.DataFrame) -> pl.DataFrame:
    """The review decisions that label this run's pairs (score_review_labels.sql)."""
    con.register("score_run_items", items.select("item_id", "evidence_hash"))
    try:
        frame: pl.DataFrame = con.sql(load_sql("score_review_labels")).pl()
        return frame
    finally:
        con.unregister("score_run_items")


def latest(con: duckdb.DuckDBPyConnection, base: Model) -> Model | None:
    """The library's latest adaptation of `base`, if any."""
    row = con.execute(load_sql("score_latest_model"), {"base_version": base.version}).fetchone()
    return Model.from_json(json.loads(row[0]), "score_models") if row else None


def store(con: duckdb.DuckDBPyConnection, model: Model, run_id: str) -> None:
    """Record an adapted model (a no-op for the shipped one) — in the caller's transaction, so a run that
    fails leaves no model behind."""
    info = model.meta.get("adaptation")
    if not info:
        return
    con.execute(
        load_sql("score_insert_model"),
        {
            "model_version": model.version,
            "base_version": info["base_version"],
            "parameters": json.dumps(model.to_json()),
            "items": info.get("items"),
            "pairs": info.get("pairs"),
            "labels": sum((info.get("labels") or {}).values()),
            "run_id": run_id,
            "created_at": now(),
        },
    )


def model_for_run(
    con: duckdb.DuckDBPyConnection,
    features: pl.DataFrame,
    items: pl.DataFrame,
    base: Model,
    settings: Settings,
) -> Model:
    """The model this run scores `features` (one row per candidate pair, with its levels) with."""
    if not settings.adapt_model:
        return base
    if features["item_id"].n_unique() < settings.adapt_min_items:
        return latest(con, base) or base
    pairs = features.select("item_id", "book_id", *(f"{comp.name}_level" for comp in COMPARISONS))
    return adapt(base, pairs, labels(con, items), min_items=settings.adapt_min_items)
