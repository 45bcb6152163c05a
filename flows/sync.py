"""sync: the scheduled entry point — extract → candidates → score → listen → score, then candidates
and score again for the items whose evidence listening changed.

What listening hears (a spoken title, author, series) is evidence like any other: the candidates step
asks Hardcover about it within the same sync, so a later run with nothing changed asks nothing.

Each step is its own flow (its own run in the UI, its own `runs` row). A failed step does not stop
the others — every step reads and writes the warehouse independently — but it fails the sync at
the end, after the summary is published, so the run history shows what went wrong and where.
Writes only DuckDB; nothing reaches ABS without `writeback --apply`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.candidates import fetch_candidates
from flows.extract import extract_abs
from flows.listen import listen
from flows.score import score
from tasks.artifacts import progress, publish_summary, publish_table
from tasks.candidates.items import load_items
from tasks.candidates.store import settle_evidence
from tasks.notify import notify_sync
from tasks.report import listen_failures, review_queue_head, sync_counts, sync_notes, warehouse_state
from tasks.settings import get_settings
from tasks.warehouse import connect, load_sql, now, run_record


# Queries, idempotent writes and artifact posts: safe to retry (a DuckDB lock blip, an API hiccup).
@task(name="read-warehouse-state", retries=2, retry_delay_seconds=[2, 5], cache_policy=NO_CACHE)
def read_state(db: str, since: datetime) -> dict[str, Any]:
    return warehouse_state(db, since)


@task(name="read-changed-evidence", retries=2, retry_delay_seconds=[2, 5], cache_policy=NO_CACHE)
def changed_evidence(db: str, listen_run_id: str) -> list[str]:
    """The items the listen run wrote evidence for whose candidates were fetched for other evidence
    and that it did not identify. The ones it identified are settled with the candidates they have
    (the book heard is one of them): asking about what was heard would only bring its rivals."""
    with connect(db) as con:
        rows = con.execute(load_sql("sync_heard_items"), {"run_id": listen_run_id}).fetchall()
        items = load_items(con, [r[0] for r in rows]) if rows else []
        identified = {item_id for item_id, heard_it in rows if heard_it}
        settle_evidence(con, [it for it in items if it.item_id in identified], listen_run_id)
        return [it.item_id for it in items if it.item_id not in identified]


def requests_left(max_requests: int | None, results: dict[str, dict[str, Any]]) -> int | None:
    """What the sync's cap on candidates requests leaves after the first candidates step."""
    if max_requests is None:
        return None
    return max(0, max_requests - ((results.get("candidates") or {}).get("requests") or 0))


@task(name="publish-sync-summary", retries=2, retry_delay_seconds=[2, 5], cache_policy=NO_CACHE)
def publish(
    db: str,
    counts: dict[str, Any],
    state: dict[str, Any],
    steps: list[dict[str, Any]],
    failed: list[str],
    results: dict[str, dict[str, Any]],
) -> str:
    errors = {f"{e['flow']}: {e['kind']}": e["errors"] for e in state["errors"]}
    publish_table(
        "sync-review-queue", review_queue_head(db), "Pending matches to review next (match_review_queue)"
    )
    return publish_summary(
        "sync-summary",
        "shelfmatch sync",
        counts,
        sections={"Steps": steps, "Errors by kind": errors or "none"},
        notes=sync_notes(counts, failed, results, state["errors"]),
    )


def run_step(name: str, subflow: Callable[..., Any], **params: Any) -> tuple[dict[str, Any], str | None]:
    """Run one step as a subflow; a failure is logged and returned, not raised."""
    state = subflow(**params, return_state=True)
    if state.is_completed():
        return state.result(), None
    message = state.message or state.name
    get_run_logger().error("sync step %s failed: %s", name, message)
    return {}, message


def heard_evidence(db: str, max_requests: int | None, results: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Candidates, then scores, for the items whose evidence listening changed (their results join
    `results`); returns the steps that failed. Asked now, what was heard is remembered in the cache
    before the sync ends."""
    changed = changed_evidence(db, results["listen"]["run_id"])
    left = requests_left(max_requests, results)
    if not changed or left == 0:
        return {}
    failures = {}
    steps: list[tuple[str, Callable[..., Any], dict[str, Any]]] = [
        ("candidates_heard", fetch_candidates, dict(item_ids=changed, max_requests=left)),
        ("score_heard", score, dict(item_ids=changed)),
    ]
    for name, subflow, kwargs in steps:
        results[name], failure = run_step(name, subflow, db_path=db, **kwargs)
        if failure:
            failures[name] = failure
    return failures


@flow(name="sync")
def sync(
    library_ids: list[str] | None = None,
    full_refresh: bool = False,
    max_requests: int | None = None,
    max_listen: int | None = None,
    skip_listen: bool = False,
    db_path: str | None = None,
) -> dict[str, Any]:
    db = str(get_settings(duckdb_path=db_path).duckdb_path)
    params = dict(library_ids=library_ids, full_refresh=full_refresh, max_requests=max_requests,
                  max_listen=max_listen, skip_listen=skip_listen)  # fmt: skip
    since = now()
    plan: list[tuple[str, Callable[..., Any], dict[str, Any]]] = [
        ("extract", extract_abs, dict(library_ids=library_ids, full_refresh=full_refresh)),
        ("candidates", fetch_candidates, dict(max_requests=max_requests)),
        ("score", score, {}),
    ]
    if not skip_listen:
        plan.append(("listen", listen, dict(max_items=max_listen)))
    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    with run_record(db, "sync", params) as run, progress(len(plan) + 2, "sync steps") as bar:
        for name, subflow, kwargs in plan:
            results[name], failure = run_step(name, subflow, db_path=db, **kwargs)
            if failure:
                failures[name] = failure
            bar.advance()
        # listen re-scores what it heard itself; score again only if it could not.
        if results.get("listen", {}).get("items") and not results["listen"].get("rescored"):
            results["rescore"], failure = run_step("rescore", score, db_path=db)
            if failure:
                failures["rescore"] = failure
        bar.advance()
        if results.get("listen", {}).get("items") and "candidates" not in failures:
            failures.update(heard_evidence(db, max_requests, results))
        bar.advance()
        state = read_state(db, since)
        run.counts.update(sync_counts(results, state))
        if (listen_failed := listen_failures(run.counts, state["errors"])) is not None:
            get_run_logger().warning(listen_failed)
        steps = [{"step": n, "run_id": r.get("run_id"), "status": "failed" if n in failures else "completed",
                  "note": failures.get(n, "")} for n, r in results.items()]  # fmt: skip
        publish(db, run.counts, state, steps, list(failures), results)
        # Best effort and after the summary: a message that cannot go out never changes the outcome.
        notify_sync(db, since, dict(run.counts), failures, return_state=True)
        if failures:
            run.message = "; ".join(f"{n}: {m}" for n, m in failures.items())
            raise RuntimeError(f"sync finished with failed steps — {run.message}")
    get_run_logger().info("sync done: %s", run.counts)
    return {"run_id": run.run_id, **run.counts}


if __name__ == "__main__":
    sync()
