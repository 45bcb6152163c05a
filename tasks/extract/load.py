"""A prepared batch into DuckDB: its items' rows replaced in one transaction, item by item if that fails."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from tasks import warehouse
from tasks.extract.batch import PreparedBatch

log = logging.getLogger(__name__)

# Sources written by extract; other sources (e.g. 'transcript' from listen) are left alone on re-extract.
EXTRACT_SOURCES = ("abs", "path", "filename", "tags")


def load_batch(
    con: duckdb.DuckDBPyConnection, batch: PreparedBatch, replace_ids: Iterable[str]
) -> list[tuple[str, str]]:
    """Replace the batch's rows in one transaction; returns (item_id, reason) for items that could not be loaded.

    `replace_ids` are the ids that may already have rows (changed items): their old rows are deleted
    first. Only the extract sources of `item_evidence` are replaced (transcripts stay). If the bulk
    insert fails, items are loaded one by one so one bad row cannot sink the batch.
    """
    if not batch.item_ids:
        return []
    replace = list(replace_ids)
    try:
        _load(con, batch.tables, replace)
        return []
    except duckdb.Error as exc:
        log.warning("bulk load of %d items failed (%s); loading them one by one", len(batch.item_ids), exc)
    failed = []
    replace_set = set(replace)
    for item_id in batch.item_ids:
        one = {name: t.filter(pc.equal(t["item_id"], item_id)) for name, t in batch.tables.items()}
        try:
            _load(con, one, [item_id] if item_id in replace_set else [])
        except duckdb.Error as exc:
            failed.append((item_id, f"{type(exc).__name__}: {exc}"))
    return failed


def _load(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table], replace: list[str]) -> None:
    tables = {**tables, "extract_replace": pa.table({"item_id": pa.array(replace, pa.string())})}
    for name, table in tables.items():
        con.register(name, table)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            if replace:
                con.execute(warehouse.load_sql("extract_delete_items"))
                con.execute(warehouse.load_sql("extract_delete_evidence"), [list(EXTRACT_SOURCES)])
            con.execute(warehouse.load_sql("extract_insert_items"))
            con.execute(warehouse.load_sql("extract_insert_audio_files"))
            con.execute(warehouse.load_sql("extract_insert_files"))
            con.execute(warehouse.load_sql("extract_insert_evidence"))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for name in tables:
            con.unregister(name)
