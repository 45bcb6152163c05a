"""Which items to fetch in full: ABS's id list (id + updatedAt) against what `abs_items` holds.

Only new and changed items, and items written to since they were read, are fetched (`full_refresh`
fetches all); known items gone from ABS are marked removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from tasks import warehouse
from tasks.extract.validate import is_int


@dataclass
class FetchPlan:
    listed: dict[str, int | None]  # id → updatedAt from ABS's list
    new: list[str]
    changed: list[str]
    unchanged: int
    removed: list[str]

    @property
    def to_fetch(self) -> list[str]:
        return self.new + self.changed


def plan_fetch(
    con: duckdb.DuckDBPyConnection, library_id: str, listing: list[dict[str, Any]], full_refresh: bool
) -> FetchPlan:
    """Which listed ids to fetch in full (new / changed / restored) and which known ids vanished."""
    known = {
        item_id: (updated_at, removed_at, written_since)
        for item_id, updated_at, removed_at, written_since in con.execute(
            warehouse.load_sql("extract_known_items"), [library_id]
        ).fetchall()
    }
    listed: dict[str, int | None] = {}
    for entry in listing:
        listed.setdefault(entry["id"], entry.get("updatedAt") if is_int(entry.get("updatedAt")) else None)
    new, changed, unchanged = [], [], 0
    for item_id, updated_at in listed.items():
        before = known.get(item_id)
        if before is None:
            new.append(item_id)
        elif (
            full_refresh
            or updated_at is None
            or before[0] != updated_at
            or before[1] is not None
            or before[2]
        ):
            changed.append(item_id)
        else:
            unchanged += 1
    removed = [i for i, (_, removed_at, _) in known.items() if i not in listed and removed_at is None]
    return FetchPlan(listed, new, changed, unchanged, removed)
