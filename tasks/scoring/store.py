"""Warehouse I/O for scoring: read the inputs of a score run, write its results in one transaction.

`score_warehouse(db_path, run_id, item_ids, settings)` is the whole score step as a plain function
(the Prefect flow wraps it): prepare the keys of items and books that are new or changed (persisted in
score_prepared_items / score_prepared_books, 008 migration) → read the run's prepared keys + candidates
→ score every pair → choose one match per item → write match_scores, matches and the tier tables
atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from tasks.scoring import adaptation, load_model, pair_features, score_features
from tasks.scoring.model import Model, explanation_json
from tasks.scoring.prepare import PREPARE_VERSION, book_frame, conform_books, conform_items, item_frame
from tasks.scoring.reliability import PRIOR_ITEMS, PRIOR_RATE, library_rates
from tasks.scoring.tiers import Thresholds, mark_waiting
from tasks.settings import Settings
from tasks.warehouse import connect, load_sql, now

TIERS = ("auto", "pending", "reject", "waiting")


@dataclass
class ScoreSummary:
    items: int = 0
    pairs: int = 0
    items_without_candidates: int = 0
    tiers: dict[str, int] = field(default_factory=dict)  # this run's items per tier
    tier_totals: list[dict[str, Any]] = field(default_factory=list)  # whole matches table per tier
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    model_version: str = ""
    items_prepared: int = 0  # items whose keys were (re)normalised this run (new or changed evidence)
    books_prepared: int = 0  # books whose keys were (re)normalised this run (new or refetched)
    pairs_pruned: int = 0  # match_scores rows of older runs deleted (settings.score_history_runs)
    seconds: dict[str, float] = field(default_factory=dict)  # load (inputs + preparing), score, write


@dataclass
class Inputs:
    """What a score run compares: prepared keys of its items and candidate books, and the pairs."""

    items: pl.DataFrame  # item_id, duration, evidence_hash (score_items.sql)
    candidates: pl.DataFrame
    prepared_items: pl.DataFrame  # item_frame rows
    prepared_books: pl.DataFrame  # book_frame rows
    items_prepared: int = 0
    books_prepared: int = 0


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
    frame: pl.DataFrame = con.sql(load_sql(name), params=params or None).pl()
    return frame


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, **frames: pl.DataFrame) -> Iterator[None]:
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        yield
    finally:
        for name in frames:
            con.unregister(name)


def load_inputs(con: duckdb.DuckDBPyConnection, item_ids: list[str] | None) -> Inputs:
    """The run's items and candidates, and their prepared keys — preparing (normalising) only the items
    whose evidence changed and the books whose hc_* rows changed since they were last prepared."""
    p = {"item_ids": item_ids}
    items = _frame(con, "score_items", p)
    candidates = _frame(con, "score_candidates", p)
    version = {"prepare_version": PREPARE_VERSION}
    with _registered(con, score_run_items=items, pairs=candidates.select("book_id").unique()):
        run_books = _frame(con, "score_book_hashes")
        stale_items = _frame(con, "score_stale_items", version)
    with _registered(con, score_run_books=run_books):
        stale_books = _frame(con, "score_stale_books", version)

    fresh_items = fresh_books = None
    if stale_items.height:
        with _registered(con, score_stale=stale_items.select("item_id")):
            evidence = _frame(con, "score_evidence_of")
        fresh_items = item_frame(evidence, stale_items.select("item_id", "duration")).join(
            stale_items.select("item_id", "evidence_hash"), on="item_id"
        )
    if stale_books.height:
        with _registered(con, pairs=stale_books.select("book_id")):
            t = {
                name: _frame(con, f"score_{name}")
                for name in ("books", "editions", "contributions", "series")
            }
        fresh_books = book_frame(t["books"], t["editions"], t["contributions"], t["series"]).join(
            stale_books, on="book_id"
        )
    _store_prepared(con, fresh_items, fresh_books)  # also drops the keys of items gone from ABS

    with _registered(con, score_run_items=items, score_run_books=run_books):
        prepared_items = conform_items(_frame(con, "score_prepared_items"))
        prepared_books = conform_books(_frame(con, "score_prepared_books"))
    return Inputs(
        items=items,
        candidates=candidates,
        prepared_items=prepared_items,
        prepared_books=prepared_books,
        items_prepared=stale_items.height,
        books_prepared=stale_books.height,
    )


def _store_prepared(
    con: duckdb.DuckDBPyConnection, items: pl.DataFrame | None, books: pl.DataFrame | None
) -> None:
    """Persist freshly prepared keys (one transaction; they are valid on their own, whatever the run does next)."""
    params = {"prepare_version": PREPARE_VERSION, "prepared_at": now()}
    con.execute("BEGIN TRANSACTION")
    try:
        if items is not None:
            with _registered(con, prepared_items=items):
                con.execute(load_sql("score_upsert_prepared_items"), params)
        if books is not None:
            with _registered(con, prepared_books=books):
                con.execute(load_sql("score_upsert_prepared_books"), params)
        con.execute(load_sql("score_forget_removed"))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def score_prepared(
    inputs: Inputs, settings: Settings, model: Model | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(scored pairs with rank, one match per item) from prepared keys, with `model`."""
    features = pair_features(inputs.candidates, inputs.prepared_items, inputs.prepared_books)
    return _score(features, inputs, settings, model or load_model(settings.model_path))


def _score(
    features: pl.DataFrame, inputs: Inputs, settings: Settings, model: Model
) -> tuple[pl.DataFrame, pl.DataFrame]:
    scored, matches = score_features(
        features,
        inputs.items["item_id"],
        model,
        Thresholds(settings.auto_threshold, settings.pending_threshold, settings.runner_up_margin),
    )
    if "fetched" in inputs.items.columns:
        matches = mark_waiting(matches, inputs.items)
    matches = matches.join(inputs.items.select("item_id", "evidence_hash"), on="item_id", how="left")
    return scored, matches


def write_results(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    scored: pl.DataFrame,
    matches: pl.DataFrame,
    model: Model,
    keep_runs: int = 0,
    rates: pl.DataFrame | None = None,
) -> int:
    """match_scores rows, matches rows, the four tier tables refilled, the run's model when it adapted one
    (score_models) and the source rates it estimated (`rates`, score_source_reliability) — all or nothing.
    With `keep_runs`, the
    same transaction deletes the match_scores rows beyond the history kept (score_prune_match_scores.sql);
    returns how many."""
    stamp = now()
    pruned = 0
    model_version = model.version
    con.execute("BEGIN TRANSACTION")
    try:
        adaptation.store(con, model, run_id)
        if rates is not None:
            _store_rates(con, rates, run_id, stamp)
        con.register("scored_pairs", scored.with_columns(explanation_json=explanation_json(scored)))
        con.register("new_matches", matches.with_columns(explanation_json=explanation_json(matches)))
        con.execute(
            load_sql("score_insert_match_scores"),
            {"run_id": run_id, "model_version": model_version, "scored_at": stamp},
        )
        con.execute(
            load_sql("score_replace_matches"),
            {"run_id": run_id, "model_version": model_version, "scored_at": stamp},
        )
        con.execute(load_sql("score_tier_tables"))
        if keep_runs:
            [(pruned,)] = con.execute(
                load_sql("score_prune_match_scores"), {"keep_runs": keep_runs}
            ).fetchall()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("scored_pairs")
        con.unregister("new_matches")
    return pruned


def _store_rates(con: duckdb.DuckDBPyConnection, rates: pl.DataFrame, run_id: str, stamp: Any) -> None:
    with _registered(con, source_rates=rates):
        con.execute(
            load_sql("score_insert_source_reliability"),
            {"run_id": run_id, "prior_rate": PRIOR_RATE, "prior_items": PRIOR_ITEMS, "created_at": stamp},
        )


def latest_rates(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """The library's latest source rates (score_source_reliability), if a run recorded any."""
    rates = _frame(con, "score_latest_source_reliability")
    return rates if rates.height else None


# The stages of a score run, in order: `on_progress(done, len(SCORE_STAGES))` follows them.
SCORE_STAGES = ("prepare and load", "compare pairs", "fit the model", "score", "write")


def score_warehouse(
    db_path: str | Path,
    run_id: str,
    item_ids: list[str] | None,
    settings: Settings,
    conflicts: int = 10,
    on_progress: Callable[[int, int], None] | None = None,
) -> ScoreSummary:
    base = load_model(settings.model_path)
    seconds: dict[str, float] = {}
    stages = len(SCORE_STAGES)
    step = on_progress or (lambda done, total: None)
    with connect(db_path) as con:
        clock = time.perf_counter()
        step(0, stages)
        inputs = load_inputs(con, item_ids)
        seconds["load"] = time.perf_counter() - clock
        step(1, stages)
        # A run that rescores a few items (a sync's new ones, the ones just listened to) has too few settled
        # items of its own to say which source this library can trust: it takes the library's latest rates.
        few = item_ids is not None and inputs.items.height < settings.adapt_min_items
        rates = latest_rates(con) if few else None
        features = pair_features(inputs.candidates, inputs.prepared_items, inputs.prepared_books, rates)
        step(2, stages)
        model = adaptation.model_for_run(con, features, inputs.items, base, settings)
        step(3, stages)
        scored, matches = _score(features, inputs, settings, model)
        seconds["score"] = time.perf_counter() - clock - seconds["load"]
        step(4, stages)
        own_rates = library_rates(features) if rates is None else None
        pruned = write_results(con, run_id, scored, matches, model, settings.score_history_runs, own_rates)
        seconds["write"] = time.perf_counter() - clock - seconds["load"] - seconds["score"]
        step(5, stages)
        tier_totals = [
            dict(zip(("tier", "items", "mean_confidence"), row, strict=True))
            for row in con.execute(load_sql("score_tier_counts")).fetchall()
        ]
        cur = con.execute(load_sql("score_top_conflicts"), {"run_id": run_id, "limit": conflicts})
        cols = [d[0] for d in cur.description]
        top = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    counts = matches.group_by("tier").len()
    return ScoreSummary(
        items=matches.height,
        pairs=scored.height,
        items_without_candidates=int(matches["book_id"].is_null().sum()),
        tiers={t: int(counts.filter(pl.col("tier") == t)["len"].sum()) for t in TIERS},
        tier_totals=tier_totals,
        conflicts=top,
        model_version=model.version,
        items_prepared=inputs.items_prepared,
        books_prepared=inputs.books_prepared,
        pairs_pruned=pruned,
        seconds=seconds,
    )
