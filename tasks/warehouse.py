"""The warehouse: the one module that opens the DuckDB file.

- `connect()` opens the file (creating its folder), applies pending migrations from
  `sql/migrations/NNN_name.sql` idempotently, and turns DuckDB's lock error into
  `WarehouseLocked`, a message that names the process holding the lock.
- `load_sql(name)` reads a named query from `sql/queries/<name>.sql`; queries take
  `?`/`$name` parameters, never string-built values.
- `run_record()` writes one `runs` row per flow run (started → finished/failed, counts).
"""

from __future__ import annotations

import json
import os
import re
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from tasks.errors import ShelfmatchError

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
QUERIES_DIR = SQL_DIR / "queries"
VIEWS_DIR = SQL_DIR / "views"


class WarehouseLocked(ShelfmatchError, RuntimeError):
    """Another process holds the DuckDB file's write lock."""


class WarehouseMissing(ShelfmatchError, FileNotFoundError):
    """A read-only command was pointed at a file that does not exist."""


class WarehouseUnreadable(ShelfmatchError, RuntimeError):
    """The file exists but DuckDB cannot open it (not a DuckDB file, damaged, or a newer format)."""


def _lock_message(path: Path, exc: Exception) -> str:
    text = str(exc)
    holder = re.search(r"Conflicting lock is held in (.+?)(?: \(PID (\d+)\))", text)
    who = f"{holder.group(1)} (PID {holder.group(2)})" if holder else "another process"
    return (
        f"The warehouse {path} is locked by {who}. DuckDB allows one writing process per file: "
        "wait for that run to finish (or stop it), or point SHELFMATCH_DUCKDB_PATH at another file."
    )


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def open_connection(
    path: Path | str, read_only: bool = False, config: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file; raise WarehouseLocked / WarehouseUnreadable (not a traceback) when it cannot be."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        raise WarehouseMissing(f"No warehouse at {path}: run `shelfmatch sync` (or `shelfmatch demo`) first.")
    try:
        return duckdb.connect(str(path), read_only=read_only, config=config or {})
    except duckdb.IOException as exc:
        if "Could not set lock" in str(exc) or "Conflicting lock" in str(exc):
            raise WarehouseLocked(_lock_message(path, exc)) from exc
        raise WarehouseUnreadable(
            f"DuckDB cannot open the warehouse {path} ({exc}) — point SHELFMATCH_DUCKDB_PATH (or --db) at the "
            "warehouse file, or move this file away and run `shelfmatch sync` to build a new one."
        ) from exc
    except duckdb.Error as exc:
        raise WarehouseUnreadable(
            f"DuckDB cannot open the warehouse {path} ({type(exc).__name__}: {exc}) — point "
            "SHELFMATCH_DUCKDB_PATH (or --db) at the warehouse file."
        ) from exc


@contextmanager
def connect(
    path: Path | str, read_only: bool = False, migrate_schema: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_connection(path, read_only=read_only)
    try:
        if not read_only and migrate_schema:
            migrate(con)
        yield con
    finally:
        con.close()


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every `sql/migrations/NNN_*.sql` not yet applied, each in its own transaction; then (re)create views."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations(version VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT now())"
    )
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for file in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
        if file.stem in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(file.read_text())
            con.execute("INSERT INTO schema_migrations(version) VALUES (?)", [file.stem])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(file.stem)
    create_views(con)
    return applied


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the people-facing views in `sql/views/` (one file per view, `CREATE OR REPLACE VIEW`)."""
    for file in sorted(VIEWS_DIR.glob("*.sql")):
        con.execute(file.read_text())


@cache
def load_sql(name: str) -> str:
    """The text of `sql/queries/<name>.sql`."""
    return (QUERIES_DIR / f"{name}.sql").read_text()


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def insert_rows(
    con: duckdb.DuckDBPyConnection, query: str, columns: list[str], rows: list[list[Any]]
) -> None:
    """Run a named INSERT … SELECT over `rows` registered as the Arrow table `incoming_rows`.

    One statement is atomic and ~100x faster than executemany (which runs once per row).
    """
    if not rows:
        return
    import pyarrow as pa  # only writers need it, and it is slow to import for every command

    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    data["row_no"] = list(range(len(rows)))
    con.register("incoming_rows", pa.table(data))
    try:
        con.execute(load_sql(query))
    finally:
        con.unregister("incoming_rows")


@dataclass
class RunRecord:
    run_id: str
    flow: str
    counts: dict[str, Any] = field(default_factory=dict)
    message: str | None = None

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def process_started(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), from /proc; None where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime")
        )
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def process_alive(pid: int, started: float | None) -> bool:
    """Whether process `pid` still runs and is the one that started at `started` (not a reused pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, as another user
    if started is None:
        return True
    now_started = process_started(pid)
    return now_started is None or abs(now_started - started) < 2.0


def mark_crashed_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Runs left 'running' by a process of this host that is gone become 'crashed'; returns their ids."""
    host = socket.gethostname()
    crashed = []
    for run_id, pid, started in con.execute(load_sql("runs_running_here"), [host]).fetchall():
        if process_alive(pid, started):
            continue
        con.execute(
            load_sql("runs_mark_crashed"),
            [
                now(),
                f"its process (pid {pid} on {host}) ended before the run finished (killed or stopped); "
                "the run's writes are journaled: run the same command again to settle and resume",
                run_id,
            ],
        )
        crashed.append(run_id)
    return crashed


@contextmanager
def run_record(
    db_path: Path | str, flow: str, parameters: dict[str, Any] | None = None, run_id: str | None = None
) -> Iterator[RunRecord]:
    """Record a flow run in `runs`: a 'running' row first, then 'completed' or 'failed' with counts.

    The row names the process (pid, host), and runs that an earlier, vanished process left
    'running' are marked 'crashed' first. Opens its own short connections so the flow's work can
    use the file in between. A failed run keeps whatever counts it had gathered.
    """
    rec = RunRecord(run_id=run_id or str(uuid.uuid4()), flow=flow)
    pid = os.getpid()
    with connect(db_path) as con:
        mark_crashed_runs(con)
        con.execute(
            load_sql("runs_insert"),
            [
                rec.run_id,
                flow,
                json.dumps(parameters or {}, default=str),
                now(),
                pid,
                socket.gethostname(),
                process_started(pid),
            ],
        )
    status = "failed"
    try:
        yield rec
        status = "completed"
    except BaseException as exc:
        rec.message = rec.message or f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with connect(db_path) as con:
            con.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ?, message = ? WHERE run_id = ?",
                [now(), status, json.dumps(rec.counts, default=str), rec.message, rec.run_id],
            )


def record_error(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    flow: str,
    item_id: str | None,
    kind: str,
    message: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """One row in `errors`: what failed (item, kind) and why (message), so a run can go on."""
    con.execute(
        "INSERT INTO errors(run_id, flow, item_id, kind, message, detail, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [run_id, flow, item_id, kind, message, json.dumps(detail or {}, default=str), now()],
    )
