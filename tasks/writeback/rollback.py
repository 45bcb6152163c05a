"""Undo writes: restore the `before` of verified writes of a run, or of items.

A field changed again after our write (ABS no longer holds our `after`) is a conflict: reported,
journaled, and left alone unless forced — someone (a person, another tool) meant that value.
A cover is put back from the bytes kept in `cover_images` (uploaded under its own type, so ABS
stores it under the path it had when that path is in ABS's cover folder), or removed when the item
had none; the read-back compares the image bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from tasks.abs import AbsClient, AbsUnavailable
from tasks.settings import Settings
from tasks.warehouse import fetch_dicts, load_sql, record_error
from tasks.writeback.apply import not_answering
from tasks.writeback.conflicts import COVER
from tasks.writeback.covers import Image, cover_holds, put_cover, stored_image
from tasks.writeback.journal import log_row, log_rows
from tasks.writeback.live import current_values, read_items
from tasks.writeback.payload import same
from tasks.writeback.plan import dumps, loads
from tasks.writeback.send import chunks_with_progress, reconcile_open_intents, write_changes

FLOW = "rollback"


@dataclass
class Undo:
    """One (item, field) to restore: the value to put back and the writes it undoes."""

    item_id: str
    field: str
    restore: Any  # the `before` of the earliest write undone
    expected: Any  # the `after` of the latest write undone (what ABS should hold now)
    runs: list[str]


@dataclass
class RollbackSummary:
    run_id: str
    writes: int = 0
    rolled_back: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    missing: int = 0
    mismatch: int = 0
    refused: int = 0
    reconciled: int = 0

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["conflict_count"] = len(self.conflicts)
        return data


def undo_list(writes: list[dict[str, Any]]) -> list[Undo]:
    """Group active writes (ordered by seq) by item and field: restore the first before, expect the last after."""
    grouped: dict[tuple[str, str], Undo] = {}
    for w in writes:
        key = (w["item_id"], w["field"])
        if key not in grouped:
            grouped[key] = Undo(
                w["item_id"], w["field"], loads(w["before"]), loads(w["after"]), [w["run_id"]]
            )
        else:
            grouped[key].expected = loads(w["after"])
            grouped[key].runs.append(w["run_id"])
    return list(grouped.values())


def select_writes(
    con: duckdb.DuckDBPyConnection, target_run_id: str | None, item_ids: list[str] | None
) -> list[dict[str, Any]]:
    if target_run_id is None and not item_ids:
        raise ValueError("Name what to undo: --run <writeback run id> and/or --item <item id> (repeatable).")
    writes = fetch_dicts(con, load_sql("writeback_active_writes"))
    if target_run_id is not None:
        writes = [w for w in writes if w["run_id"] == target_run_id]
    if item_ids:
        wanted = set(item_ids)
        writes = [w for w in writes if w["item_id"] in wanted]
    return writes


async def apply_rollback(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    settings: Settings,
    run_id: str,
    target_run_id: str | None = None,
    item_ids: list[str] | None = None,
    force: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> RollbackSummary:
    """Restore the `before` values chunk by chunk; `on_progress(done, total)` counts items, once per chunk."""
    summary = RollbackSummary(run_id)
    command = "shelfmatch rollback " + (f"--run {target_run_id}" if target_run_id else "--item ...")
    try:
        summary.reconciled = await reconcile_open_intents(con, client, run_id)
    except AbsUnavailable as exc:
        raise not_answering(
            con, run_id, FLOW, settings.abs_url, exc, "nothing restored yet", command, summary.as_dict()
        ) from exc
    undos = undo_list(select_writes(con, target_run_id, item_ids))
    summary.writes = len(undos)  # (item, field) pairs; several runs' writes to one field restore as one
    by_item: dict[str, list[Undo]] = {}
    for u in undos:
        by_item.setdefault(u.item_id, []).append(u)
    item_list = list(by_item)
    for chunk, left in chunks_with_progress(item_list, settings.writeback_batch_size, on_progress):
        try:
            live = await read_items(client, chunk)
            changes: dict[str, list[tuple[str, Any, Any]]] = {}
            undoes: dict[tuple[str, str], list[str]] = {}
            rows: list[list[Any]] = []
            for item_id in chunk:
                item = live.get(item_id)
                for u in by_item[item_id]:
                    if item is None:
                        summary.missing += 1
                        rows += [
                            log_row(
                                run_id,
                                item_id,
                                u.field,
                                u.expected,
                                u.restore,
                                "missing",
                                "ABS has no such item any more",
                                r,
                            )
                            for r in u.runs
                        ]
                        continue
                    if u.field == COVER:
                        rows += await _undo_cover(con, client, run_id, item, u, force, summary)
                        continue
                    now_value = current_values(item)[u.field]
                    if same(u.field, now_value, u.restore):
                        # Already back to the old value (by hand): nothing to send, the write is undone.
                        rows += [
                            log_row(
                                run_id,
                                item_id,
                                u.field,
                                now_value,
                                u.restore,
                                "rolled_back",
                                "ABS already held the before value",
                                r,
                            )
                            for r in u.runs
                        ]
                        summary.rolled_back += 1
                    elif not same(u.field, now_value, u.expected) and not force:
                        message = (
                            f"{u.field} of {item_id} changed after our write: ABS has {dumps(now_value)}, "
                            f"we wrote {dumps(u.expected)}; left alone (use --force to restore anyway)"
                        )
                        rows += [
                            log_row(run_id, item_id, u.field, now_value, u.restore, "conflict", message, r)
                            for r in u.runs
                        ]
                        summary.conflicts.append({"item_id": item_id, "field": u.field, "message": message})
                        record_error(con, run_id, FLOW, item_id, "rollback_conflict", message)
                    else:
                        changes.setdefault(item_id, []).append((u.field, now_value, u.restore))
                        undoes[(item_id, u.field)] = u.runs
            log_rows(con, rows)
            counts: dict[str, int] = {}
            await write_changes(
                con, client, run_id, changes, counts, allow_clear=True, undoes=undoes, flow=FLOW
            )
            summary.rolled_back += counts.get("rolled_back", 0)
            summary.mismatch += counts.get("mismatch", 0)
            summary.missing += counts.get("missing", 0)
            summary.refused += counts.get("refused", 0)
        except AbsUnavailable as exc:
            raise not_answering(
                con,
                run_id,
                FLOW,
                settings.abs_url,
                exc,
                f"{left} items left to restore",
                command,
                summary.as_dict(),
            ) from exc
    return summary


async def _undo_cover(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    run_id: str,
    item: dict[str, Any],
    u: Undo,
    force: bool,
    summary: RollbackSummary,
) -> list[list[Any]]:
    """Put back the cover an item had before our writes (journaled here); returns the rows still to log."""
    item_id = item["id"]

    def rows(before: Any, status: str, error: str | None = None) -> list[list[Any]]:
        return [log_row(run_id, item_id, COVER, before, u.restore, status, error, r) for r in u.runs]

    now_value = {"path": current_values(item)[COVER]}
    if await cover_holds(client, item, u.restore):
        summary.rolled_back += 1
        return rows(now_value, "rolled_back", "ABS already held the before cover")
    if not force and not await cover_holds(client, item, u.expected):
        message = (
            f"cover of {item_id} changed after our write: ABS has {dumps(now_value)}, we set "
            f"{dumps(u.expected)}; left alone (use --force to restore anyway)"
        )
        summary.conflicts.append({"item_id": item_id, "field": COVER, "message": message})
        record_error(con, run_id, FLOW, item_id, "rollback_conflict", message)
        return rows(now_value, "conflict", message)
    image = None
    if isinstance(u.restore, dict) and u.restore.get("sha256"):
        kept = stored_image(con, u.restore["sha256"])
        if kept is None:
            summary.refused += 1
            message = (
                f"the cover {u.restore['sha256']} of {item_id} is not in cover_images; nothing to put back"
            )
            record_error(con, run_id, FLOW, item_id, "rollback_refused", message)
            return rows(now_value, "refused", message)
        image = Image(u.restore["sha256"], kept[1], kept[0])
    log_rows(con, rows(now_value, "intent"))
    status, holds, error, _ = await put_cover(con, client, run_id, FLOW, item_id, image)
    if status == "ok":
        status = "rolled_back"
        moved = image is not None and (holds or {}).get("path") != u.restore.get("path")
        if moved:  # ABS keeps a given cover in its cover folder; the item's own file is untouched
            assert holds is not None  # an "ok" put of an image read back a cover
            error = f"the image is back byte for byte, stored by ABS at {holds['path']} (it was {u.restore['path']})"
        summary.rolled_back += 1
    elif status == "mismatch":
        summary.mismatch += 1
    else:
        summary.missing += status == "missing"
    return rows(now_value, status, error)
