"""CLI commands for running and looking: `sync`, `sql`, `report`, `doctor`, `demo` (issue 7).

Registered on the main app by one line in flows/cli.py. Commands are thin: options → Settings →
a flow or a plain function in tasks/; errors become one red line and a non-zero exit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)


def sync_command(
    library: Annotated[
        list[str] | None, typer.Option("--library", "-l", help="ABS library id (repeat); default: all")
    ] = None,
    full_refresh: Annotated[bool, typer.Option(help="Re-fetch every item, not only changed ones")] = False,
    max_requests: Annotated[int | None, typer.Option(help="Cap on Hardcover requests this run")] = None,
    max_listen: Annotated[
        int,
        typer.Option(
            help="Items to listen to this run (CPU-bound, ~seconds each); the rest wait for the next run"
        ),
    ] = 200,
    skip_listen: Annotated[bool, typer.Option("--skip-listen", help="Do not transcribe audio")] = False,
    db: Annotated[Path | None, typer.Option(help="DuckDB file (default: SHELFMATCH_DUCKDB_PATH)")] = None,
) -> None:
    """Extract ABS → fetch Hardcover candidates → score → listen → score. Writes only DuckDB."""
    from flows.sync import sync
    from tasks.report import print_sync_summary

    state = sync(
        library_ids=library or None,
        full_refresh=full_refresh,
        max_requests=max_requests,
        max_listen=max_listen,
        skip_listen=skip_listen,
        db_path=str(db) if db else None,
        return_state=True,
    )
    if not state.is_completed():
        err_console.print(f"[red]✗ sync failed:[/red] {escape(str(state.message))}", soft_wrap=True)
        raise typer.Exit(1)
    print_sync_summary(state.result(), console)


def sql_command(
    query: Annotated[
        str, typer.Argument(help="A SELECT, or the path of a .sql file (e.g. sql/analysis/series_gaps.sql)")
    ],
    limit: Annotated[int, typer.Option(help="Rows to show (0 = all)")] = 50,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
    db: Annotated[Path | None, typer.Option(help="DuckDB file (default: SHELFMATCH_DUCKDB_PATH)")] = None,
) -> None:
    """Run SQL over the warehouse on a READ-ONLY connection and print the result."""
    from tasks.report import check_format, print_result, run_readonly_query
    from tasks.settings import get_settings

    check_format(fmt)
    path = db or get_settings().duckdb_path
    result = run_readonly_query(path, query, limit=limit)
    print_result(result, console, fmt)


def report_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write")] = Path(
        "shelfmatch-report.html"
    ),
    db: Annotated[Path | None, typer.Option(help="DuckDB file (default: SHELFMATCH_DUCKDB_PATH)")] = None,
) -> None:
    """Write an HTML report: tier counts, confidence histogram, metadata coverage before/after."""
    from tasks.report import write_report
    from tasks.settings import get_settings

    path = db or get_settings().duckdb_path
    written = write_report(path, out)
    console.print(f"[green]✓[/green] report written to {written.resolve()}")


def doctor_command() -> None:
    """Check ABS, Hardcover (token, scope, budget), DuckDB, the ASR model and ffmpeg/PyAV."""
    from tasks.doctor import FAIL, OK, run_checks

    checks = run_checks()
    width = max(len(c.name) for c in checks)
    for c in checks:
        mark = {OK: "[green]✓[/green]", FAIL: "[red]✗[/red]"}.get(c.status, "[yellow]–[/yellow]")
        # soft_wrap: one check = one line, however long, so it can be grepped.
        console.print(f"{mark} {c.name:<{width}}  {c.message}", soft_wrap=True, highlight=False, markup=True)
    if any(c.status == FAIL for c in checks):
        raise typer.Exit(1)


def demo_command(
    quick: Annotated[bool, typer.Option("--quick", help="A smaller library and no audio (~1 min)")] = False,
    items: Annotated[int | None, typer.Option(help="Items in the generated library")] = None,
    db: Annotated[Path, typer.Option(help="DuckDB file for the demo (not your real warehouse)")] = Path(
        "data/demo.duckdb"
    ),
    seed: Annotated[int, typer.Option(help="Corpus seed")] = 7,
) -> None:
    """Run the whole pipeline against emulated ABS + Hardcover on loopback, then show what to try next."""
    from tasks.demo import run_demo

    code = run_demo(db_path=db, quick=quick, n_items=items, seed=seed, console=console)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_command)
    app.command("sql")(sql_command)
    app.command("report")(report_command)
    app.command("doctor")(doctor_command)
    app.command("demo")(demo_command)
