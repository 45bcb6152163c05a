"""The append-only writeback journal (`writeback_log`) and the `updatedAt` ABS gave an item as our own write
left it (`writeback_item_stamps`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb

from tasks.warehouse import insert_rows, now
from tasks.writeback.plan import dumps

LOG_COLUMNS = [
    "run_id",
    "item_id",
    "field",
    "before",
    "after",
    "status",
    "error",
    "undoes_run_id",
    "logged_at",
]


def log_rows(con: duckdb.DuckDBPyConnection, rows: list[list[Any]]) -> None:
    """Append journal rows in one statement (atomic: all of them are committed, or none)."""
    insert_rows(con, "writeback_insert_log", LOG_COLUMNS, rows)


def log_row(
    run_id: str,
    item_id: str,
    fld: str,
    before: Any,
    after: Any,
    status: str,
    error: str | None = None,
    undoes_run_id: str | None = None,
) -> list[Any]:
    return [run_id, item_id, fld, dumps(before), dumps(after), status, error, undoes_run_id, now()]


STAMP_COLUMNS = ["item_id", "updated_at", "run_id", "read_at"]


def record_stamps(con: duckdb.DuckDBPyConnection, run_id: str, items: Iterable[dict[str, Any]]) -> None:
    """Keep ABS's updatedAt of items as our own write just left them (read back after the write)."""
    at = now()
    rows = [
        [it["id"], int(it["updatedAt"]), run_id, at]
        for it in items
        if isinstance(it.get("updatedAt"), int | float) and not isinstance(it.get("updatedAt"), bool)
    ]
    insert_rows(con, "writeback_upsert_stamps", STAMP_COLUMNS, rows)
