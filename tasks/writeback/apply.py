"""Write every approved change to ABS, chunk by chunk, each chunk planned against live ABS values.

An item is written only from what the last sync read of it: held items (see writeback_approved.sql)
are not sent. A field a person changed in ABS (since shelfmatch last read or wrote it, see
conflicts.py) is a conflict, left alone; an item whose title or authors changed since the last sync
is held whole (`changed_in_abs`): its match may describe another book. `force` writes both, planned
against their live values. How one chunk is journaled, sent and verified is send.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from tasks.abs import AbsClient, AbsUnavailable
from tasks.errors import ShelfmatchError
from tasks.settings import Settings
from tasks.warehouse import record_error
from tasks.writeback.conflicts import COVER
from tasks.writeback.covers import CatalogueImages, write_covers
from tasks.writeback.journal import log_row, log_rows, record_stamps
from tasks.writeback.live import current_values, find_edits, live_holds, read_items
from tasks.writeback.plan import (
    approved_items,
    build_plans,
    current_from_warehouse,
    field_policies,
    held_fields,
    honour_field_choices,
    item_labels,
    load_targets,
    plan_counts,
    split_holds,
    store_holds,
    store_plans,
    unchosen_fields,
)
from tasks.writeback.send import FLOW, chunks_with_progress, reconcile_open_intents, write_changes


class AbsNotAnswering(ShelfmatchError, RuntimeError):
    """ABS stopped answering mid-run; everything sent so far is journaled, the rest waits for a re-run.

    `counts` are what the run did before it stopped (kept in its `runs` row)."""

    def __init__(self, message: str, counts: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.counts = counts or {}


# What a run reports, in this order: the plan, the journal's outcomes, the holds.
_REPORTED = (
    "approved",
    "planned_items",
    "planned_fields",
    "verified",
    "mismatch",
    "missing",
    "refused",
    "failed",
    "already_equal",  # fields ABS already holds the book's value of
    "conflicts",  # fields a person changed in ABS: left alone
    "covers_set",
    "covers_verified",
    "held_after_rollback",
    "held_items",
    "reconciled",
)


@dataclass
class WriteSummary:
    """A run's counts: one tally that the plans, the journal's outcomes and the holds all add to, so a
    run that stops early reports what it did so far the same way as a finished one."""

    run_id: str
    counts: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, **{key: self.counts[key] for key in _REPORTED}}


def not_answering(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    flow: str,
    url: str,
    exc: Exception,
    left: str,
    command: str,
    counts: dict[str, Any] | None = None,
) -> AbsNotAnswering:
    """The stop message (and its `errors` row) when ABS stops a run: what was seen, what is left, how to resume."""
    message = (
        f"Stopped: {exc}. {left[:1].upper()}{left[1:]}; everything sent so far is journaled and open intents "
        f"are settled by reading ABS ({url}) on the next run: re-run `{command}` to resume once ABS answers."
    )
    record_error(con, run_id, flow, None, "abs_unavailable", message)
    return AbsNotAnswering(message, counts)


async def apply_writeback(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    settings: Settings,
    run_id: str,
    item_ids: list[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    force: bool = False,
) -> WriteSummary:
    """Write every approved change to ABS, chunk by chunk, planning each chunk against live ABS values.

    Held items are stored in `writeback_holds` and not sent; `force` writes items changed in ABS since
    the last sync (every other hold stands). `on_progress(done, total)` counts the approved items that
    are not held and have a Hardcover book, once per chunk.
    """
    summary = WriteSummary(run_id)

    def stopped(exc: AbsUnavailable, left: str) -> AbsNotAnswering:
        command = "shelfmatch writeback --apply"
        return not_answering(con, run_id, FLOW, settings.abs_url, exc, left, command, summary.as_dict())

    try:
        summary.counts["reconciled"] = await reconcile_open_intents(con, client, run_id)
    except AbsUnavailable as exc:
        raise stopped(exc, "no items written yet") from exc
    policies = field_policies(settings)
    approved = approved_items(con, settings, item_ids)
    summary.counts["approved"] = len(approved)
    writable, holds = split_holds(approved)
    summary.counts["held_items"] += store_holds(con, run_id, holds)
    targets = load_targets(con, writable)
    for r in writable:
        if r["item_id"] not in targets:
            record_error(
                con,
                run_id,
                FLOW,
                r["item_id"],
                "book_not_in_warehouse",
                f"Hardcover book {r['book_id']} approved for {r['item_id']} is not in hc_books; "
                "run fetch_candidates (or `shelfmatch review` → [E]) to fetch it.",
            )
    ready = [r for r in writable if r["item_id"] in targets]
    held = held_fields(con)
    images = CatalogueImages(con, timeout=settings.hardcover_timeout_seconds)
    async with images:
        for chunk, left in chunks_with_progress(ready, settings.writeback_batch_size, on_progress):
            try:
                await _write_chunk(
                    con, client, run_id, chunk, targets, policies, held, force, images, summary
                )
            except AbsUnavailable as exc:
                raise stopped(exc, f"{left} approved items left") from exc
    return summary


async def _write_chunk(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    run_id: str,
    chunk: list[dict[str, Any]],
    targets: dict[str, Any],
    policies: dict[str, Any],
    held: set[tuple[str, str]],
    force: bool,
    images: CatalogueImages,
    summary: WriteSummary,
) -> None:
    """Plan one chunk against live ABS values and write it: metadata in one batch, then covers."""
    live = await read_items(client, [r["item_id"] for r in chunk])
    current = {i: current_values(it) for i, it in live.items()}
    edited = find_edits(con, chunk, live, current)
    fresh, changed = live_holds(chunk, live, force, edited)
    summary.counts["held_items"] += store_holds(con, run_id, changed)
    plans = build_plans(fresh, targets, current, policies, held, {} if force else edited)
    honour_field_choices(plans, unchosen_fields(con))
    _log_missing(con, run_id, [r for r in chunk if r["item_id"] not in live], targets, policies, summary)
    store_plans(con, run_id, plans, item_labels(con, [p.item_id for p in plans]))
    summary.counts.update(plan_counts(plans))
    changes = {
        p.item_id: [(c.field, c.before, c.after) for c in p.changes if c.field != COVER]
        for p in plans
        if any(c.field != COVER for c in p.changes)
    }
    await write_changes(con, client, run_id, changes, summary.counts)
    read_back = await write_covers(con, client, run_id, plans, live, summary.counts, images)
    record_stamps(con, run_id, read_back)


def _log_missing(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    rows: list[dict[str, Any]],
    targets: dict[str, Any],
    policies: dict[str, Any],
    summary: WriteSummary,
) -> None:
    """Approved items ABS no longer has: an errors row each, and their planned fields journaled as missing."""
    if not rows:
        return
    ids = [r["item_id"] for r in rows]
    plans = build_plans(rows, targets, current_from_warehouse(con, ids), policies)
    log_rows(
        con,
        [
            log_row(run_id, p.item_id, c.field, c.before, c.after, "missing", "ABS has no such item (404)")
            for p in plans
            for c in p.changes
        ],
    )
    summary.counts["missing"] += sum(len(p.changes) for p in plans)
    for item_id in ids:
        record_error(
            con,
            run_id,
            FLOW,
            item_id,
            "abs_item_missing",
            f"ABS has no item {item_id} any more; nothing written. Run extract_abs to refresh the warehouse.",
        )
