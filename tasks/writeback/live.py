"""What ABS holds now: items read back, their writeback fields, which of them a person changed since the
last sync, and whether a payload already landed.
"""

from __future__ import annotations

from typing import Any

import duckdb

from tasks.abs import AbsClient, AbsNotFound
from tasks.writeback.conflicts import COVER, baseline, edited_fields, identity_changed, our_writes
from tasks.writeback.payload import FIELDS, from_abs_metadata, same
from tasks.writeback.plan import Hold, current_from_warehouse, hold_of


async def read_items(client: AbsClient, ids: list[str]) -> dict[str, dict[str, Any]]:
    """id -> expanded item for the ids ABS still has (batch/get; per item when the batch 404s)."""
    if not ids:
        return {}
    try:
        items = await client.get_items(ids)
    except AbsNotFound:
        items = []
        for item_id in ids:
            try:
                items.append(await client.get_item(item_id))
            except AbsNotFound:
                continue
    return {it["id"]: it for it in items if it and it.get("id") in set(ids)}


def current_values(item: dict[str, Any]) -> dict[str, Any]:
    """Canonical values of every writeback field of an expanded item; the cover as its path."""
    media = m if isinstance(m := item.get("media"), dict) else {}
    return {**from_abs_metadata(media.get("metadata") or {}), COVER: media.get("coverPath") or None}


def live_holds(
    rows: list[dict[str, Any]],
    live: dict[str, dict[str, Any]],
    force: bool,
    edited: dict[str, dict[str, str]],
) -> tuple[list[dict[str, Any]], list[Hold]]:
    """(rows still writable, holds) once ABS has been read: an item ABS marks missing is never written;
    one whose title or authors a person changed since the last sync (`edited`, see conflicts.py) only
    with `force`. Other fields a person changed are conflicts of the plan, not holds of the item."""
    ready, holds = [], []
    for r in rows:
        item = live.get(r["item_id"])
        if item is not None and item.get("isMissing") is True:
            holds.append(hold_of(r, "missing_files"))
        elif not force and identity_changed(edited.get(r["item_id"], {})):
            holds.append(hold_of(r, "changed_in_abs"))
        else:
            ready.append(r)
    return ready, holds


def changed_since_sync(rows: list[dict[str, Any]], live: dict[str, dict[str, Any]]) -> set[str]:
    """Items whose live ABS updatedAt is newer than the last sync's (or our own write's)."""
    out = set()
    for r in rows:
        stamp = (live.get(r["item_id"]) or {}).get("updatedAt")
        known = r.get("known_updated_at")
        if (
            isinstance(stamp, int | float)
            and not isinstance(stamp, bool)
            and known is not None
            and stamp > known
        ):
            out.add(r["item_id"])
    return out


COVER_CHANGED = "the item changed in ABS since the last sync and its cover may be a person's: left alone; --force replaces it"


def find_edits(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict[str, Any]],
    live: dict[str, dict[str, Any]],
    current: dict[str, dict[str, Any]],
) -> dict[str, dict[str, str]]:
    """item -> field -> why it is taken for a person's edit (conflicts.py), for the live items of `rows`.

    A cover replaced by hand at the same path is not visible in `coverPath`: an item changed since the
    sync has its existing cover counted as edited too (only `update` would replace it)."""
    ids = [r["item_id"] for r in rows if r["item_id"] in current]
    edited = edited_fields(
        {i: current[i] for i in ids}, baseline(con, current_from_warehouse(con, ids)), our_writes(con, ids)
    )
    for item_id in changed_since_sync(rows, live):
        if current.get(item_id, {}).get(COVER):
            edited.setdefault(item_id, {}).setdefault(COVER, COVER_CHANGED)
    return edited


def landed(item: dict[str, Any] | None, payload: dict[str, Any]) -> bool:
    """Whether ABS already holds every value `payload` sets (a write it handled but we did not hear)."""
    if item is None:
        return False
    held = current_values(item)
    sent = payload.get("metadata") or {}
    return all(same(f, held[f], sent[key]) for f, key in FIELDS.items() if key in sent)
