"""The `shelfmatch` command line (typer + rich). Commands are thin: they parse options, build
Settings, and call a flow or a plain function; the work lives in flows/ and tasks/.

Each `flows/cli_*.py` module holds the commands of one job and adds them with its `register(app)`;
they import Prefect only inside a command, so the telemetry settings below come first.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from flows import cli_ops, cli_review, cli_run, cli_serve
from flows.cli_runtime import ShelfmatchGroup, no_telemetry

no_telemetry()  # before any command imports Prefect (it reads its settings once, on import)

app = typer.Typer(
    name="shelfmatch",
    help="Keep an Audiobookshelf library's metadata right, against Hardcover.app.",
    no_args_is_help=True,
    cls=ShelfmatchGroup,
)
console = Console()


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


# In the order a person meets them: run, review and write, the page, then looking and checking.
for module in (cli_run, cli_review, cli_serve, cli_ops):
    module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
