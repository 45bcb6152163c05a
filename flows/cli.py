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

# --- review / approve / reject / writeback / rollback (issue 6; flows/cli_review.py) ---
from flows.cli_review import register as _register_review  # noqa: E402

_register_review(app)
# --- end issue 6 ---

# --- sync / sql / report / doctor / demo (issue 7; flows/cli_ops.py) ---
from flows.cli_ops import register as _register_ops  # noqa: E402

_register_ops(app)
# --- end issue 7 ---


def main() -> None:
    app()


if __name__ == "__main__":
    main()
