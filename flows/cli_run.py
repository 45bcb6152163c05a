"""CLI commands that run the pipeline: `sync` (every step), `extract` and `score` (one step each).

Commands are thin: options → a flow; the work lives in flows/ and tasks/. Expected failures become
one red line (flows/cli_runtime.py).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from flows.cli_options import (
    DbOption,
    FullRefreshOption,
    ItemAlias,
    ItemIds,
    LibraryAlias,
    LibraryOption,
    item_option,
    merged,
)

console = Console()
err_console = Console(stderr=True)


def sync_command(
    library: LibraryOption = None,
    full_refresh: FullRefreshOption = False,
    max_requests: Annotated[int | None, typer.Option(help="Cap on Hardcover requests this run")] = None,
    max_listen: Annotated[
        int,
        typer.Option(
            help="Items to listen to this run (CPU-bound, ~seconds each); the rest wait for the next run"
        ),
    ] = 200,
    skip_listen: Annotated[bool, typer.Option("--skip-listen", help="Do not transcribe audio")] = False,
    db: DbOption = None,
    library_alias: LibraryAlias = None,
) -> None:
    """Extract ABS → fetch Hardcover candidates → score → listen → score. Writes only DuckDB."""
    from flows.sync import sync
    from tasks.report import print_sync_summary

    state = sync(
        library_ids=merged(library, library_alias),
        full_refresh=full_refresh,
        max_requests=max_requests,
        max_listen=max_listen,
        skip_listen=skip_listen,
        db_path=db,
        return_state=True,
    )
    if not state.is_completed():
        err_console.print(f"[red]✗ sync failed:[/red] {escape(str(state.message))}", soft_wrap=True)
        raise typer.Exit(1)
    print_sync_summary(state.result(), console)


def extract_command(
    library: LibraryOption = None,
    full_refresh: FullRefreshOption = False,
    db: DbOption = None,
    library_alias: LibraryAlias = None,
) -> None:
    """Read the ABS catalogue into DuckDB (incremental: only new and changed items are fetched in full)."""
    from flows.extract import extract_abs

    summary = extract_abs(library_ids=merged(library, library_alias), full_refresh=full_refresh, db_path=db)
    console.print(
        f"extracted {summary['extracted']} of {summary['items_seen']} items "
        f"({summary['new']} new, {summary['changed']} changed, {summary['unchanged']} unchanged, "
        f"{summary['removed']} removed); errors: {summary['errors'] or 'none'}"
    )


def score_command(
    item: Annotated[ItemIds, item_option("Score only this item; default: every item")] = None,
    db: DbOption = None,
    item_alias: ItemAlias = None,
) -> None:
    """Score every fetched candidate and sort items into auto / pending / reject (writes only DuckDB)."""
    from flows.score import score

    summary = score(item_ids=merged(item, item_alias), db_path=db)
    console.print(
        f"scored {summary['items']} items ({summary['pairs']} candidate pairs, model {summary['model_version']}): "
        f"{summary['auto']} auto, {summary['pending']} pending, {summary['reject']} reject"
    )


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_command)
    app.command("extract")(extract_command)
    app.command("score")(score_command)
