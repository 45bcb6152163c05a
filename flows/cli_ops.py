"""CLI commands for looking and checking: `sql`, `report`, `doctor`, `demo`.

Commands are thin: options → Settings → a plain function in tasks/; errors become one red line and a
non-zero exit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows.cli_options import DbOption

console = Console()
err_console = Console(stderr=True)


def sql_command(
    query: Annotated[
        str, typer.Argument(help="A SELECT, or the path of a .sql file (e.g. sql/analysis/series_gaps.sql)")
    ],
    limit: Annotated[int, typer.Option(help="Rows to show (0 = all)")] = 50,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json")] = "table",
    width: Annotated[
        int | None,
        typer.Option(
            "--width",
            help="Table width in characters; 0 = as wide as the rows need (default: the terminal's "
            "width on a terminal, as wide as needed in a pipe or file). Long values wrap, never cut.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Run SQL over the warehouse on a READ-ONLY connection and print the result."""
    from tasks.report import check_format, print_result, run_readonly_query
    from tasks.settings import get_settings

    check_format(fmt)
    path = db or get_settings().duckdb_path
    result = run_readonly_query(path, query, limit=limit)
    print_result(result, console, fmt, width=width)


def report_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write")] = Path(
        "shelfmatch-report.html"
    ),
    db: DbOption = None,
) -> None:
    """Write an HTML report: tier counts, confidence histogram, metadata coverage before/after."""
    from tasks.report_html import write_report
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
    app.command("sql")(sql_command)
    app.command("report")(report_command)
    app.command("doctor")(doctor_command)
    app.command("demo")(demo_command)
