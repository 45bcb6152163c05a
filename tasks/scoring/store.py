"""Warehouse I/O for scoring: read the inputs of a score run, write its results in one transaction.

`score_warehouse(db_path, run_id, item_ids, settings)` is the whole score step as a plain function
(the Prefect flow wraps it): read evidence + candidates + hc_* rows → score every pair → choose one
match per item → write match_scores, matches and the tier tables atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from tasks.scoring import choose_matches, load_model, score_pairs
from tasks.scoring.model import Model
from tasks.scoring.prepare import book_frame, item_frame
from tasks.settings import Settings
from tasks.warehouse import connect, load_sql, now

TIERS = ("auto", "pending", "reject")


@dataclass
class ScoreSummary:
    items: int = 0
    pairs: int = 0
    items_without_candidates: int = 0
    tiers: dict[str, int] = field(default_factory=dict)  # this run's items per tier
    tier_totals: list[dict] = field(default_factory=list)  # whole matches table per tier
    conflicts: list[dict] = field(default_factory=list)
    model_version: str = ""


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> pl.DataFrame:
    return con.sql(load_sql(name), params=params or None).pl()


def load_inputs(con: duckdb.DuckDBPyConnection, item_ids: list[str] | None) -> dict[str, pl.DataFrame]:
    """Evidence, items, candidates and the candidate books' hc_* rows, as Polars frames."""
    p = {"item_ids": item_ids}
    frames = {
        "evidence": _frame(con, "score_evidence", p),
        "items": _frame(con, "score_items", p),
        "candidates": _frame(con, "score_candidates", p),
    }
    con.register("pairs", frames["candidates"].select("book_id"))
    try:
        for table in ("books", "editions", "contributions", "series"):
            frames[table] = _frame(con, f"score_{table}")
    finally:
        con.unregister("pairs")
    return frames


def score_frames(
    frames: dict[str, pl.DataFrame], settings: Settings, model: Model | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(scored pairs with rank, one match per item) from the frames `load_inputs` returns."""
    model = model or load_model()
    items = item_frame(frames["evidence"], frames["items"].select("item_id", "duration"))
    books = book_frame(frames["books"], frames["editions"], frames["contributions"], frames["series"])
    scored = score_pairs(frames["candidates"], items, books, model)
    scored = scored.with_columns(
        rank=pl.col("confidence").rank("ordinal", descending=True).over("item_id").cast(pl.Int32)
    )
    matches = choose_matches(
        scored,
        frames["items"]["item_id"],
        settings.auto_threshold,
        settings.pending_threshold,
        settings.runner_up_margin,
    )
    matches = matches.join(frames["items"].select("item_id", "evidence_hash"), on="item_id", how="left")
    return scored, matches


def write_results(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    scored: pl.DataFrame,
    matches: pl.DataFrame,
    model_version: str,
) -> None:
    """match_scores rows, matches rows and the three tier tables — all or nothing."""
    stamp = now()
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("scored_pairs", scored)
        con.register("new_matches", matches)
        con.execute(
            load_sql("score_insert_match_scores"),
            {"run_id": run_id, "model_version": model_version, "scored_at": stamp},
        )
        con.execute(
            load_sql("score_replace_matches"),
            {"run_id": run_id, "model_version": model_version, "scored_at": stamp},
        )
        con.execute(load_sql("score_tier_tables"))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("scored_pairs")
        con.unregister("new_matches")


def score_warehouse(
    db_path: str | Path, run_id: str, item_ids: list[str] | None, settings: Settings, conflicts: int = 10
) -> ScoreSummary:
    model = load_model()
    with connect(db_path) as con:
        frames = load_inputs(con, item_ids)
        scored, matches = score_frames(frames, settings, model)
        write_results(con, run_id, scored, matches, model.version)
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
    )
