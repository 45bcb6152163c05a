"""The `shelfmatch` command line (typer + rich). Commands are thin: they parse options, build
Settings, and call a flow or a plain function; the work lives in flows/ and tasks/."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from flows.cli_runtime import ShelfmatchGroup, no_telemetry

no_telemetry()  # before anything below imports Prefect

app = typer.Typer(
    name="shelfmatch",
    help="Keep an Audiobookshelf library's metadata right, against Hardcover.app.",
    no_args_is_help=True,
    add_completion=False,
    cls=ShelfmatchGroup,
)
console = Console()
err_console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"shelfmatch {version('shelfmatch')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main_options(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show every log record and traceback on the terminal too")
    ] = False,
    show_version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """Keep an Audiobookshelf library's metadata right, against Hardcover.app."""


# --- review / approve / reject / writeback / rollback (issue 6; flows/cli_review.py) ---
from flows.cli_review import register as _register_review  # noqa: E402

_register_review(app)
# --- end issue 6 ---

# --- serve: the review page and the ABS provider (flows/cli_serve.py) ---
from flows.cli_serve import register as _register_serve  # noqa: E402

_register_serve(app)
# --- end serve ---

# --- extract (issue 2; flows/extract.py) ---


@app.command("extract")
def extract_command(
    library_id: Annotated[
        list[str] | None,
        typer.Option("--library-id", "-l", help="ABS library id (repeatable; default: all book libraries)"),
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="fetch every item again, not only new/changed ones")
    ] = False,
    db_path: Annotated[
        str | None, typer.Option("--db", help="DuckDB file (default: SHELFMATCH_DUCKDB_PATH)")
    ] = None,
) -> None:
    """Read the ABS catalogue into DuckDB (incremental: only new and changed items are fetched in full)."""
    from flows.extract import extract_abs

    summary = extract_abs(library_ids=library_id or None, full_refresh=full_refresh, db_path=db_path)
    console.print(
        f"extracted {summary['extracted']} of {summary['items_seen']} items "
        f"({summary['new']} new, {summary['changed']} changed, {summary['unchanged']} unchanged, "
        f"{summary['removed']} removed); errors: {summary['errors'] or 'none'}"
    )


# --- end issue 2 ---

# --- score (issue 4; flows/score.py) ---


@app.command("score")
def score_command(
    item_id: Annotated[
        list[str] | None,
        typer.Option("--item-id", "-i", help="score only this item (repeatable; default: all)"),
    ] = None,
    db_path: Annotated[
        str | None, typer.Option("--db", help="DuckDB file (default: SHELFMATCH_DUCKDB_PATH)")
    ] = None,
) -> None:
    """Score every fetched candidate and sort items into auto / pending / reject (writes only DuckDB)."""
    from flows.score import score

    summary = score(item_ids=item_id or None, db_path=db_path)
    console.print(
        f"scored {summary['items']} items ({summary['pairs']} candidate pairs, model {summary['model_version']}): "
        f"{summary['auto']} auto, {summary['pending']} pending, {summary['reject']} reject"
    )


# --- end issue 4 ---

# --- sync / sql / report / doctor / demo (issue 7; flows/cli_ops.py) ---
from flows.cli_ops import register as _register_ops  # noqa: E402

_register_ops(app)
# --- end issue 7 ---


def main() -> None:
    app()


if __name__ == "__main__":
    main()
