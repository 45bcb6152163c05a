"""What people read in a terminal or an artifact: the sync summary and `shelfmatch sql` results.

Plain functions over the warehouse (tests call them directly); the sync flow wraps a few as tasks
and publishes their output as Prefect artifacts via `tasks.artifacts`. The HTML report is
tasks/report_html.py.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tasks.errors import ShelfmatchError
from tasks.settings import PROJECT_ROOT
from tasks.warehouse import connect, fetch_dicts, load_sql, open_connection

QUEUE_HEAD = 20

# --- sync summary ---------------------------------------------------------------------------------


def warehouse_state(db_path: Path | str, since: datetime) -> dict[str, Any]:
    """Tier counts now, Hardcover requests used since `since` and budget left, errors since `since`."""
    with connect(db_path) as con:
        tiers = {r["tier"]: r["items"] for r in fetch_dicts(con, load_sql("sync_tier_counts"))}
        [hardcover] = fetch_dicts(con, load_sql("sync_hardcover_use"), {"since": since})
        errors = fetch_dicts(con, load_sql("sync_errors_by_kind"), {"since": since})
    return {"tiers": tiers, "hardcover": hardcover, "errors": errors}


def review_queue_head(db_path: Path | str, limit: int = QUEUE_HEAD) -> list[dict[str, Any]]:
    """The first rows of `match_review_queue` (what a person should review next)."""
    with connect(db_path) as con:
        return fetch_dicts(con, load_sql("report_review_queue_head"), {"limit": limit})


def sync_counts(steps: dict[str, dict[str, Any]], state: dict[str, Any]) -> dict[str, Any]:
    """The numbers a person wants after a sync, flat (for the runs row and the artifact)."""
    extract = steps.get("extract") or {}
    listen = steps.get("listen") or {}
    listened, listen_failed = listen.get("items") or 0, listen.get("error") or 0
    tiers = state["tiers"]
    hardcover = state["hardcover"]
    errors = state["errors"]
    return {
        "items_seen": extract.get("items_seen"),
        "items_changed": (extract.get("new") or 0) + (extract.get("changed") or 0) if extract else None,
        "items_removed": extract.get("removed"),
        "auto": tiers.get("auto", 0),
        "pending": tiers.get("pending", 0),
        "reject": tiers.get("reject", 0),
        "unscored": tiers.get("unscored", 0),
        "waiting": tiers.get("waiting", 0),
        "hardcover_requests_used": hardcover.get("requests_used") or 0,
        "hardcover_budget_left": hardcover.get("budget_left"),
        # Text with its time zone: the summary, the runs row and the notification all show it as is.
        "hardcover_budget_resets_at": summary_value(hardcover.get("resets_at")) or None,
        # Hardcover's daily cap is not a failure: the next run resumes from the cache.
        "items_waiting_for_hardcover_budget": sum(
            (steps.get(step) or {}).get("stopped_by_budget") or 0
            for step in ("candidates", "candidates_heard")
        ),
        # An item whose audio could not be read (verdict "error") was not listened to: counted apart.
        "items_listened": listened - listen_failed if listen else None,
        "items_listen_failed": listen_failed if listen else None,
        "errors": sum(e["errors"] for e in errors),
    }


def listen_failures(counts: dict[str, Any], errors: list[dict[str, Any]] | None = None) -> str | None:
    """One line when the listen step could not hear some items (they are not counted as listened)."""
    failed = counts.get("items_listen_failed") or 0
    if not failed:
        return None
    tried = failed + (counts.get("items_listened") or 0)
    kinds = ", ".join(f"{e['kind']}: {e['errors']}" for e in errors or [] if e.get("flow") == "listen")
    return (
        f"listening failed for {failed} of {tried} items{f' ({kinds})' if kinds else ''} — they are not "
        "counted as listened; why: shelfmatch sql \"SELECT * FROM errors WHERE flow = 'listen'\""
    )


def sync_notes(
    counts: dict[str, Any],
    failed_steps: list[str],
    steps: dict[str, dict[str, Any]] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> list[str]:
    notes = []
    if (listen := listen_failures(counts, errors)) is not None:
        notes.append(f"**Warning: {listen}**")
    budget_message = ((steps or {}).get("candidates") or {}).get("message")
    if budget_message:
        notes.append(f"**Hardcover:** {budget_message}")
    candidates = (steps or {}).get("candidates") or {}
    if counts.get("waiting") and (candidates.get("stopped_unreachable") or "candidates" in failed_steps):
        notes.append(
            f"**Hardcover unreachable: {counts['waiting']} items waiting** — their candidates were not fetched; "
            "they are not rejected, and the next sync asks again."
        )
    if failed_steps:
        notes.append(
            f"**Failed steps:** {', '.join(failed_steps)} — see their flow runs' logs and the errors table."
        )
    if counts.get("pending"):
        notes.append(
            f"**{counts['pending']} matches wait for review:** `shelfmatch review` (or SQL: `match_review_queue`)."
        )
    notes.append(
        "Nothing was written to ABS. Plan the writes with `shelfmatch writeback` (a dry-run), then `--apply`."
    )
    return notes


def summary_value(value: Any) -> str:
    """A summary value as text; the warehouse's times are UTC, and say so."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return str(value)


def print_sync_summary(summary: dict[str, Any], console: Console) -> None:
    table = Table(title="sync", show_header=False, title_justify="left")
    for key, value in summary.items():
        if not isinstance(value, dict | list):
            style = "yellow" if key == "items_listen_failed" and value else None
            table.add_row(key.replace("_", " "), summary_value(value), style=style)
    console.print(table)
    if (listen := listen_failures(summary)) is not None:
        console.print(f"[yellow]warning:[/yellow] {escape(listen)}", soft_wrap=True, highlight=False)


# --- shelfmatch sql ---------------------------------------------------------------------------------


class QueryError(ShelfmatchError, RuntimeError):
    """The SQL could not run (syntax, unknown table, not a single read-only statement)."""


# The user's SQL runs on a connection that can change neither the warehouse nor any other file:
# read-only, no file system or extensions (no ATTACH, COPY, EXPORT, read_csv, INSTALL/LOAD), and
# settings locked (no SET/PRAGMA to undo that).
READ_ONLY_CONFIG = {"enable_external_access": False, "lock_configuration": True}
READ_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool


def _sql_text(query: str) -> str:
    """A `.sql` path (relative to the current folder, else to the project) is read; anything else is SQL."""
    text = query.strip()
    if not text.endswith(".sql") or "\n" in text:
        return query
    for candidate in (Path(text), PROJECT_ROOT / text):
        if candidate.is_file():
            return candidate.read_text()
    raise QueryError(f"no such SQL file: {text} (looked in {Path.cwd()} and {PROJECT_ROOT})")


def run_readonly_query(db_path: Path | str, query: str, limit: int = 50) -> QueryResult:
    """Run one SELECT (or EXPLAIN) on a locked read-only connection (a `.sql` file path is read first)."""
    query = _sql_text(query)
    con = open_connection(db_path, read_only=True, config=READ_ONLY_CONFIG)
    try:
        try:
            statements = con.extract_statements(query)
        except duckdb.Error as exc:
            raise QueryError(f"{type(exc).__name__}: {exc}") from exc
        if len(statements) != 1:
            raise QueryError(f"`shelfmatch sql` runs one statement at a time; this holds {len(statements)}.")
        kind = statements[0].type
        if kind not in READ_STATEMENTS:
            raise QueryError(
                f"`shelfmatch sql` is read-only: it runs SELECT or EXPLAIN, and this is {kind.name} — "
                "changes go through the flows and CLI commands."
            )
        try:
            cur = con.execute(query)
        except duckdb.Error as exc:
            raise QueryError(f"{type(exc).__name__}: {exc}") from exc
        if cur.description is None:
            return QueryResult([], [], False)
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall() if limit <= 0 else cur.fetchmany(limit + 1)
    finally:
        con.close()
    truncated = limit > 0 and len(rows) > limit
    return QueryResult(columns, rows[:limit] if limit > 0 else rows, truncated)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


OUTPUT_FORMATS = ("table", "csv", "json")


def check_format(fmt: str) -> str:
    """The output format, or QueryError naming the ones there are (before any query runs)."""
    if fmt not in OUTPUT_FORMATS:
        raise QueryError(f"unknown format {fmt!r}: use {', '.join(OUTPUT_FORMATS)}")
    return fmt


def print_result(result: QueryResult, console: Console, fmt: str = "table", width: int | None = None) -> None:
    """Print a query result. A table is `width` characters wide: 0 = as wide as its rows need; None = the
    terminal's width on a terminal, as wide as needed in a pipe or file. A value that does not fit
    wraps inside its cell, never cut to "…"."""
    check_format(fmt)
    if fmt == "csv":
        buf = io.StringIO()
        # Unix line endings: the output goes to a terminal or a pipe, not to a CSV file for Excel.
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([[_text(v) for v in row] for row in result.rows])
        console.file.write(buf.getvalue())
        return
    if fmt == "json":
        records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
        console.file.write(json.dumps(records, default=str, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(show_lines=False, highlight=True)
    for column in result.columns:
        table.add_column(column, overflow="fold")
    for row in result.rows:
        table.add_row(*(_text(v) for v in row))
    if width is None and console.is_terminal:
        console.print(table)
    else:
        # Wider than the console when asked or piped: each row stays on one line, whole.
        wanted = width or console.measure(table, options=console.options.update_width(10**6)).maximum
        saved, console.width = console.width, wanted
        try:
            console.print(table)
        finally:
            console.width = saved
    more = " (more rows: raise --limit, 0 = all)" if result.truncated else ""
    console.print(f"[dim]{len(result.rows)} rows{more}[/dim]")
