"""The `shelfmatch` command line (typer + rich). Commands are thin: they parse options, build
Settings, and call a flow or a plain function; the work lives in flows/ and tasks/."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="shelfmatch",
    help="Keep an Audiobookshelf library's metadata right, against Hardcover.app.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
