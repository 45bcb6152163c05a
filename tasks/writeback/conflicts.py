"""A person's edit wins: which fields of an item someone changed in ABS, so writeback leaves them.

Two ways a field is taken for a person's edit:
- it changed since shelfmatch last read it: the live ABS value differs from the baseline, which is the
  last extract's value or shelfmatch's own later write (`writeback_baseline.sql`);
- it changed after shelfmatch wrote it: ABS holds neither the value our write in force put there
  (`writeback_our_writes.sql`), even when a later sync has read the new value. Deciding about the item
  again (approve) starts afresh.

Such a field is a conflict in the plan: listed with its reason, not written, unless `--force`.
When the title or the authors changed since the last read, the item may now be another book, which
its match does not know yet: the whole item is held (`changed_in_abs`) until a sync has read and
scored it; see `identity_changed`.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from tasks.warehouse import fetch_dicts, load_sql
from tasks.writeback.payload import FIELDS, canonical, same

COVER = "cover"
# The fields a match rests on: a person changing one of them may have made the item another book.
IDENTITY_FIELDS = ("title", "authors")

SINCE_READ = "changed in ABS since shelfmatch last read it (a person's edit?): left alone; --force writes it"
AFTER_WRITE = "changed in ABS after shelfmatch wrote it (a person's edit?): left alone; --force writes it"


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _value(field: str, raw: Any) -> Any:
    """A journal `after` as the comparable value of its field (a cover by its ABS path)."""
    value = _loads(raw)
    if field == COVER:
        return value.get("path") if isinstance(value, dict) else value
    return canonical(field, value)


def equal(field: str, a: Any, b: Any) -> bool:
    if field == COVER:
        return (a or None) == (b or None)
    return same(field, a, b)


def baseline(
    con: duckdb.DuckDBPyConnection, warehouse: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """item -> field -> what shelfmatch last saw: the extract's values (`warehouse`, as
    current_from_warehouse gives them) overlaid with shelfmatch's own writes since."""
    out = {item_id: dict(values) for item_id, values in warehouse.items()}
    rows = fetch_dicts(con, load_sql("writeback_baseline"), {"item_ids": list(warehouse)})
    for r in rows:
        if r["item_id"] in out and (r["field"] in FIELDS or r["field"] == COVER):
            out[r["item_id"]][r["field"]] = _value(r["field"], r["after"])
    return out


def our_writes(con: duckdb.DuckDBPyConnection, item_ids: list[str]) -> dict[str, dict[str, Any]]:
    """item -> field -> the value shelfmatch's write in force put there."""
    out: dict[str, dict[str, Any]] = {}
    for r in fetch_dicts(con, load_sql("writeback_our_writes"), {"item_ids": list(item_ids)}):
        if r["field"] in FIELDS or r["field"] == COVER:
            out.setdefault(r["item_id"], {})[r["field"]] = _value(r["field"], r["after"])
    return out


def edited_fields(
    current: dict[str, dict[str, Any]],
    last_seen: dict[str, dict[str, Any]],
    ours: dict[str, dict[str, Any]],
) -> dict[str, dict[str, str]]:
    """item -> field -> reason, for every field a person changed (see the module docstring)."""
    out: dict[str, dict[str, str]] = {}
    for item_id, values in current.items():
        seen, written = last_seen.get(item_id, {}), ours.get(item_id, {})
        for field in (*FIELDS, COVER):
            now = values.get(field)
            if field in seen and not equal(field, now, seen[field]):
                out.setdefault(item_id, {})[field] = SINCE_READ
            elif field in written and not equal(field, now, written[field]):
                out.setdefault(item_id, {})[field] = AFTER_WRITE
    return out


def identity_changed(edited: dict[str, str]) -> bool:
    """True when a person changed the title or the authors since shelfmatch last read the item."""
    return any(edited.get(f) == SINCE_READ for f in IDENTITY_FIELDS)
