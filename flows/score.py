"""score: every candidate pair → calibrated confidence → one match per item → auto / pending / reject
(or waiting, when Hardcover could not be asked about the item yet).

Prepares (normalises) only the items and books that are new or changed since the last run (their keys
persist in score_prepared_items / score_prepared_books), reads candidates + prepared keys, writes match_scores,
matches and refills the tier tables (matches_auto, matches_pending, matches_reject, matches_waiting) in one
transaction (tasks/scoring/store.py), shows its stages as a progress artifact, and publishes the tier counts and
the top conflicts as artifacts.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from tasks.artifacts import progress, publish_summary, publish_table
from tasks.scoring.store import SCORE_STAGES, ScoreSummary, score_warehouse
from tasks.settings import get_settings
from tasks.warehouse import run_record


@task(name="score-pairs", cache_policy=NO_CACHE)
def score_task(db_path: str, run_id: str, item_ids: list[str] | None) -> ScoreSummary:
    # The longest step of a first run: its stages show as a progress artifact (and a bar on a terminal).
    with progress(len(SCORE_STAGES), f"score: {', '.join(SCORE_STAGES)}") as bar:
        return score_warehouse(
            db_path, run_id, item_ids, get_settings(duckdb_path=db_path), on_progress=bar.update
        )


@flow(name="score")
def score(item_ids: list[str] | None = None, db_path: str | None = None) -> dict[str, Any]:
    settings = get_settings(duckdb_path=db_path)
    db = str(settings.duckdb_path)
    with run_record(db, "score", {"item_ids": item_ids}) as run:
        result = score_task(db, run.run_id, item_ids)
        run.counts.update(
            items=result.items,
            pairs=result.pairs,
            items_prepared=result.items_prepared,
            books_prepared=result.books_prepared,
            pairs_pruned=result.pairs_pruned,
            **result.tiers,
        )
    publish_summary(
        "score-summary",
        f"Scored {result.items} items ({result.pairs} candidate pairs, model {result.model_version})",
        {
            "auto": result.tiers["auto"],
            "pending": result.tiers["pending"],
            "reject": result.tiers["reject"],
            "waiting (candidates not fetched yet)": result.tiers["waiting"],
            "no candidates": result.items_without_candidates,
        },
        sections={"All matches by tier": result.tier_totals, "Top conflicts (pending)": result.conflicts},
        notes=[
            f"auto ≥ {settings.auto_threshold}, pending ≥ {settings.pending_threshold}, "
            f"runner-up margin {settings.runner_up_margin}",
            f"match_scores keeps the latest {settings.score_history_runs} score runs and each item's current "
            f"match run ({result.pairs_pruned} older pairs deleted)"
            if settings.score_history_runs
            else "match_scores keeps every score run (score_history_runs = 0)",
        ],
    )
    if result.conflicts:
        publish_table(
            "score-conflicts", result.conflicts, "Pending matches held back by a cap or a close runner-up"
        )
    return {"run_id": run.run_id, **run.counts, "model_version": result.model_version}
