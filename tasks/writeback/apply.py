"""Write every approved change to ABS, chunk by chunk, each chunk planned against live ABS values.

An item is written only from what the last sync read of it: held items (see writeback_approved.sql)
are not sent. A field a person changed in ABS (since shelfmatch last read or wrote it, see
conflicts.py) is a conflict, left alone; an item whose title or authors changed since the last sync
is held whole (`changed_in_abs`): its match may describe another book. `force` writes both, planned
against their live values. How one chunk is journaled, sent and verified is send.py.
"""

from __future__ import annotations

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
    ItemPlan,
    approved_items,
    build_plans,
    current_from_warehouse,
    field_policies,
    held_fields,
    honour_field_choices,
    item_labels,
    load_targets,
    split_holds,
    store_holds,
    store_plans,
    unchosen_fields,
)
from tasks.writeback.send import FLOW, chunks, reconcile_open_intents, write_changes


class AbsNotAnswering(ShelfmatchError, RuntimeError):
    """ABS stopped answering mid-run; everything sent so far is journaled, the rest waits for a re-run.

    `counts` are what the run did before it stopped (kept in its `runs` row)."""

    def __init__(self, message: str, counts: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.counts = counts or {}


@dataclass
class WriteSummary:
    run_id: str
    approved: int = 0
    planned_items: int = 0
    planned_fields: int = 0
    verified: int = 0
    mismatch: int = 0
    missing: int = 0
    refused: int = 0
    failed: int = 0
    already_equal: int = 0  # fields ABS already holds the book's value of
    conflicts: int = 0  # fields a person changed in ABS: left alone
    covers_set: int = 0
    covers_verified: int = 0
    held_after_rollback: int = 0
    held_items: int = 0
    reconciled: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "counts"}

    def so_far(self) -> dict[str, Any]:
        """The counts of a run that stops before its end (outcomes still in `counts` included)."""
        out = self.as_dict()
        for key in ("verified", "mismatch", "missing", "refused", "failed"):
            out[key] += self.counts.get(key, 0)
        return out


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
        return not_answering(con, run_id, FLOW, settings.abs_url, exc, left, command, summary.so_far())

    try:
        summary.reconciled = await reconcile_open_intents(con, client, run_id)
    except AbsUnavailable as exc:
        raise stopped(exc, "no items written yet") from exc
    policies = field_policies(settings)
    approved = approved_items(con, settings, item_ids)
    summary.approved = len(approved)
    writable, holds = split_holds(approved)
    summary.held_items += store_holds(con, run_id, holds)
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
    done = 0
    if on_progress is not None:
        on_progress(0, len(ready))
    images = CatalogueImages(con, timeout=settings.hardcover_timeout_seconds)
    async with images:
        for chunk in chunks(ready, settings.writeback_batch_size):
            ids = [r["item_id"] for r in chunk]
            try:
                await _write_chunk(
                    con, client, run_id, chunk, targets, policies, held, force, images, summary
                )
            except AbsUnavailable as exc:
                raise stopped(exc, f"{len(ready) - done} approved items left") from exc
            done += len(ids)
            if on_progress is not None:
                on_progress(done, len(ready))
    for key in ("verified", "mismatch", "missing", "refused", "failed", "already_equal"):
        setattr(summary, key, getattr(summary, key) + summary.counts.get(key, 0))
    summary.covers_set = summary.counts.get("covers_set", 0)
    summary.covers_verified = summary.counts.get("covers_verified", 0)
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
    summary.held_items += store_holds(con, run_id, changed)
    plans = build_plans(fresh, targets, current, policies, held, {} if force else edited)
    honour_field_choices(plans, unchosen_fields(con))
    _log_missing(con, run_id, [r for r in chunk if r["item_id"] not in live], targets, policies, summary)
    store_plans(con, run_id, plans, item_labels(con, [p.item_id for p in plans]))
    _tally(summary, plans)
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
    summary.missing += sum(len(p.changes) for p in plans)
    for item_id in ids:
        record_error(
            con,
            run_id,
            FLOW,
            item_id,
            "abs_item_missing",
            f"ABS has no item {item_id} any more; nothing written. Run extract_abs to refresh the warehouse.",
        )


def _tally(summary: WriteSummary, plans: list[ItemPlan]) -> None:
    summary.planned_items += sum(1 for p in plans if p.changes)
    summary.planned_fields += sum(len(p.changes) for p in plans)
    summary.already_equal += sum(len(p.already) for p in plans)
    summary.conflicts += sum(len(p.conflicts) for p in plans)
    summary.held_after_rollback += sum(len(p.held) for p in plans)
