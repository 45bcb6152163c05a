"""fetch_candidates: find Hardcover books for each item within the request budget.

identifiers → author books → title search → hydration (tasks/candidates/), every response cached
in `hc_requests`. At the daily cap the run completes (not fails) with `stopped_by_budget` items and
a message saying when to resume; the next run continues from the cache.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from tasks.artifacts import progress, summary_markdown
from tasks.candidates.fetch import FetchSummary, fetch_candidates_for
from tasks.settings import get_settings
from tasks.warehouse import run_record


class HardcoverUnreachable(RuntimeError):
    """Hardcover stopped answering during the run: what was fetched is kept, the rest waits."""


@task(name="fetch-candidates", cache_policy=NO_CACHE)
def fetch_task(
    db_path: str, item_ids: list[str] | None, max_requests: int | None, run_id: str
) -> FetchSummary:
    with progress(None, "items resolved against Hardcover") as bar:
        return fetch_candidates_for(
            db_path, get_settings(duckdb_path=db_path), item_ids, max_requests, run_id, on_progress=bar.update
        )


@flow(name="fetch_candidates")
def fetch_candidates(
    item_ids: list[str] | None = None, max_requests: int | None = None, db_path: str | None = None
) -> dict[str, Any]:
    db = str(get_settings(duckdb_path=db_path).duckdb_path)
    log = get_run_logger()
    with run_record(db, "fetch_candidates", {"item_ids": item_ids, "max_requests": max_requests}) as run:
        result = fetch_task(db, item_ids, max_requests, run.run_id)
        run.counts.update(result.counts())
        run.message = result.message
        log.info(
            "Hardcover requests by strategy: %s (budget left today: %s)", result.requests, result.budget_left
        )
        if result.message:
            log.warning(result.message)
        if result.stopped_unreachable:
            # An outage is not a result: the run fails (the sync exits non-zero) and its items stay waiting.
            raise HardcoverUnreachable(result.message or "Hardcover did not answer")
    summary = {"run_id": run.run_id, **run.counts, "message": result.message}
    # The flow returns the totals; the per-strategy counts are in the report and in `runs.counts`.
    by_strategy = summary.pop("requests_by_strategy", {}) or {}
    create_markdown_artifact(
        markdown=summary_markdown(
            "fetch_candidates",
            {k: v for k, v in summary.items() if k != "message"},
            {"Requests (root fields) by strategy": dict(sorted(by_strategy.items()))},
            [f"> {result.message}"] if result.message else [],
        ),
        key="fetch-candidates-summary",
        description="Hardcover candidates and requests spent",
    )
    return summary
