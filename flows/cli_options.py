"""The options several commands share: one name per idea (`--db`, `--library`, `--item`), each repeatable
where it names ids. Names an earlier release used are kept as hidden aliases, so scripts keep working."""

from __future__ import annotations

from typing import Annotated

import typer

DbOption = Annotated[str | None, typer.Option("--db", help="DuckDB file (default: SHELFMATCH_DUCKDB_PATH)")]

LibraryOption = Annotated[
    list[str] | None,
    typer.Option("--library", "-l", help="ABS library id (repeatable; default: every book library)"),
]
LibraryAlias = Annotated[list[str] | None, typer.Option("--library-id", hidden=True)]

FullRefreshOption = Annotated[
    bool, typer.Option("--full-refresh", help="Fetch every item again, not only new or changed ones")
]


def item_option(help_text: str) -> typer.models.OptionInfo:
    """`--item ID` / `-i ID` (repeatable), with the help saying what the items are for in this command."""
    option: typer.models.OptionInfo = typer.Option("--item", "-i", help=f"{help_text} (repeatable)")
    return option


ItemAlias = Annotated[list[str] | None, typer.Option("--items", "--item-id", hidden=True)]
ItemIds = list[str] | None


def merged(*values: list[str] | None) -> list[str] | None:
    """The ids given under an option and its aliases, in order, once each; None when none were given."""
    out = [v for group in values for v in group or []]
    return list(dict.fromkeys(out)) or None
