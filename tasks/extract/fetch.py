"""The whole extract: list each library, fetch what changed in batches, prepare them (in worker
processes for a big run) and load them while the next batches are fetched."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb

from tasks import warehouse
from tasks.abs import AbsClient
from tasks.extract.batch import PreparedBatch, merge_batches, prepare_batch
from tasks.extract.flatten import default_evidence
from tasks.extract.load import load_batch
from tasks.extract.plan import FetchPlan, plan_fetch
from tasks.extract.summary import Summary
from tasks.settings import Settings

log = logging.getLogger(__name__)

FLOW = "extract_abs"
LOAD_ITEMS = 2000  # items per load transaction: one commit (fsync) for many HTTP batches
PARALLEL_FROM = 1000  # items to fetch before worker processes pay for their start-up


async def extract(
    client: AbsClient,
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    library_ids: list[str] | None = None,
    full_refresh: bool = False,
    evidence_fn: Callable[[dict[str, Any], list[Any]], Iterable[Any]] | None = None,
    concurrency: int = 2,
    workers: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Extract the given (default: every book) library from ABS into the warehouse; returns the summary.

    `workers` > 1 parses and flattens batches in that many worker processes (the CPU-heavy part) while
    this process fetches and loads, once there are at least PARALLEL_FROM items to fetch.
    `on_progress(done, total)` counts items to fetch in full: called once the listing sets the total
    (per library) and, in this process, as each batch comes back fetched and flattened.
    """
    summary = Summary()
    total = done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if on_progress is not None:
            on_progress(done, total)

    if not library_ids:
        library_ids = [
            lib["id"] for lib in await client.libraries() if lib.get("mediaType", "book") == "book"
        ]
    pool: ProcessPoolExecutor | None = None
    # A big first extract writes hundreds of MB: checkpoint once at the end, not every 16 MB of WAL.
    setting = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
    assert setting is not None  # a scalar SELECT answers one row
    (threshold,) = setting
    con.execute("SET checkpoint_threshold = '1GB'")
    try:
        for library_id in library_ids:
            summary.libraries.append(library_id)
            t = time.perf_counter()
            listing = await client.library_item_ids(library_id)
            plan = plan_fetch(con, library_id, listing, full_refresh)
            del listing
            summary.timings["listing"] += time.perf_counter() - t
            summary.count("items_seen", len(plan.listed))
            summary.count("new", len(plan.new))
            summary.count("changed", len(plan.changed))
            summary.count("unchanged", plan.unchanged)
            total += len(plan.to_fetch)
            advance(0)
            log.info(
                "library %s: %d items listed — %d new, %d changed, %d unchanged, %d removed",
                library_id,
                len(plan.listed),
                len(plan.new),
                len(plan.changed),
                plan.unchanged,
                len(plan.removed),
            )
            if pool is None and workers > 1 and len(plan.to_fetch) >= PARALLEL_FROM:
                # forkserver: workers start clean (no inherited threads or locks from Prefect / aiohttp)
                pool = ProcessPoolExecutor(workers, mp_context=get_context("forkserver"))
            await _fetch_and_store(
                client, con, run_id, plan, evidence_fn, summary, concurrency, pool, workers, advance
            )
            if plan.removed:
                con.execute(warehouse.load_sql("extract_mark_removed"), [warehouse.now(), plan.removed])
                summary.count("removed", len(plan.removed))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        con.execute(
            f"SET checkpoint_threshold = '{threshold}'"
        )  # a setting, not a value: cannot be a parameter
    summary.requests = client.requests
    return summary.as_dict()


async def _fetch_and_store(
    client: AbsClient,
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    plan: FetchPlan,
    evidence_fn: Callable[[dict[str, Any], list[Any]], Iterable[Any]] | None,
    summary: Summary,
    concurrency: int,
    pool: ProcessPoolExecutor | None,
    workers: int,
    advance: Callable[[int], None] = lambda n: None,
) -> None:
    loop = asyncio.get_running_loop()
    changed = set(plan.changed)
    pending: deque[tuple[asyncio.Future[PreparedBatch], int]] = deque()  # (prepared batch, items asked)
    clock = time.perf_counter
    t = clock()

    ready: list[PreparedBatch] = []

    def flush() -> None:
        nonlocal t
        if ready:
            _store(con, run_id, merge_batches(ready), changed, summary)
            ready.clear()
            summary.timings["loading"] += clock() - t
            t = clock()

    async def take_oldest() -> None:
        # One transaction (and one fsync) per LOAD_ITEMS items, not per HTTP batch.
        nonlocal t
        fut, asked = pending.popleft()
        ready.append(await fut)
        summary.timings["waiting_for_workers"] += clock() - t
        advance(asked)  # here, in this process, as batches come back from the workers in order
        t = clock()
        if sum(b.fetched for b in ready) >= LOAD_ITEMS:
            flush()

    async for chunk, body in client.iter_raw_batches(plan.to_fetch, concurrency=concurrency):
        summary.timings["waiting_for_abs"] += clock() - t
        t = clock()
        if pool is None:
            fut = loop.create_future()
            fut.set_result(prepare_batch(body, chunk, run_id, evidence_fn))
            summary.timings["flattening"] += clock() - t
            t = clock()
        else:
            fut = loop.run_in_executor(pool, prepare_batch, body, chunk, run_id, evidence_fn)
        pending.append((fut, len(chunk)))
        # Keep the workers fed while this process loads: up to two batches queued per worker.
        while pending and (pool is None or len(pending) > 2 * workers):
            await take_oldest()
    while pending:
        await take_oldest()
    flush()


def _store(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    batch: PreparedBatch,
    changed: set[str],
    summary: Summary,
) -> None:
    summary.count("fetched", batch.fetched)
    summary.timings["preparing_cpu"] += batch.cpu_seconds
    summary.preparing_peak_rss_mb = max(summary.preparing_peak_rss_mb, batch.peak_rss_mb)
    summary.count(
        "missing", len(batch.missing)
    )  # deleted between listing and fetching: marked removed next run
    for item_id, message, detail in batch.malformed:
        summary.errors["malformed_item"] += 1
        warehouse.record_error(con, run_id, FLOW, item_id, "malformed_item", message, detail)
    failed = dict(load_batch(con, batch, [i for i in batch.item_ids if i in changed]))
    for item_id, reason in failed.items():
        summary.errors["load_failed"] += 1
        warehouse.record_error(
            con, run_id, FLOW, item_id, "load_failed", f"item {item_id} could not be stored: {reason}"
        )
    summary.count("extracted", len(batch.item_ids) - len(failed))
    for item_id, kind, message in batch.problems:
        if item_id not in failed:
            summary.errors[kind] += 1
            warehouse.record_error(con, run_id, FLOW, item_id, kind, f"item {item_id}: {message}")


def run_extract(
    settings: Settings,
    db_path: Path | str,
    run_id: str | None,
    library_ids: list[str] | None = None,
    full_refresh: bool = False,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Sync entry point: open the warehouse and an ABS client from settings, extract, return the summary."""

    async def main() -> dict[str, Any]:
        async with AbsClient.from_settings(settings) as client:
            with warehouse.connect(db_path) as con:
                return await extract(
                    client,
                    con,
                    run_id,
                    library_ids or settings.abs_library_ids or None,
                    full_refresh,
                    evidence_fn=default_evidence(settings),
                    workers=workers if workers is not None else min(2, os.cpu_count() or 1),
                    on_progress=on_progress,
                )

    return asyncio.run(main())
