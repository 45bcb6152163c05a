"""CLI commands for review and writeback: review, approve, reject, writeback, rollback."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.cli_options import DbOption, ItemAlias, ItemIds, item_option, merged
from tasks.review import Reviewer, bulk_check, record_decisions, select_items
from tasks.settings import get_settings
from tasks.warehouse import connect, fetch_dicts, load_sql

console = Console()
err_console = Console(stderr=True)

ByOption = Annotated[str | None, typer.Option("--by", help="Who decided (default: your OS user name)")]
WhereOption = Annotated[
    str | None,
    typer.Option(
        "--where", help="SQL predicate over `matches`, e.g. \"tier = 'pending' AND confidence > 0.9\""
    ),
]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why (kept with the decision)")]


def review(db: DbOption = None, by: ByOption = None) -> None:
    """Go through pending matches one by one: [A]pply, [S]kip, [R]eject, [M]ore, [E]nter id, [Q]uit."""
    settings = get_settings(duckdb_path=db)
    with connect(settings.duckdb_path) as con:
        Reviewer(
            con, settings, console, ask=lambda text: typer.prompt(text, default="", show_default=False), by=by
        ).run()


YesOption = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Record a bulk decision that needs confirmation without asking (needed when not on a terminal)",
    ),
]
# One paragraph of the approve/reject help (typer keeps a docstring's line breaks, so it is one line).
BULK_HELP = (
    "With --where or several ids, it asks first (on a terminal; otherwise it needs --yes) when it would "
    "decide more than SHELFMATCH_CONFIRM_BULK_OVER items (default 50) or approve reject-tier items, and "
    "says how many items, how many are reject-tier and how many look like distractors. Distractor-like: "
    "the matched book agrees with the item on neither the title nor the author (level exact or close) nor "
    "an identifier (ASIN/ISBN), per the match's explanation. Unconfirmed, nothing is recorded (exit 1)."
)


def interactive() -> bool:
    return sys.stdin.isatty()


def _decide(
    decision: str,
    item_ids: list[str] | None,
    where: str | None,
    by: str | None,
    note: str | None,
    db: str | None,
    yes: bool = False,
) -> None:
    if not item_ids and not where:
        err_console.print(
            f'Name the items to {decision}: item ids, or --where "<SQL predicate over matches>".'
        )
        raise typer.Exit(2)
    settings = get_settings(duckdb_path=db)
    bulk = where is not None or len(item_ids or []) > 1
    try:
        with connect(settings.duckdb_path) as con:
            chosen = select_items(con, decision, item_ids, where)
        check = bulk_check(chosen, decision, settings.confirm_bulk_over)
        asked = bulk and check.needs_confirmation and not yes
        if asked:
            if not interactive():
                refuse(f"Nothing recorded: {check.describe()}; re-run with --yes to confirm.")
            if not typer.confirm(f"{check.describe()}. Record?", default=False):
                refuse(f"Nothing recorded: {check.describe()}; not confirmed.")
        with connect(settings.duckdb_path) as con:
            # The prompt waited with the warehouse closed (a sync may have run): record exactly what
            # was confirmed, or nothing.
            if asked and [_key(m) for m in select_items(con, decision, item_ids, where)] != [
                _key(m) for m in chosen
            ]:
                refuse("Nothing recorded: the matches changed while you confirmed; run the command again.")
            ids = record_decisions(con, decision, chosen, by, note)
    except ValueError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"{decision}d {len(ids)} item(s)")


def _key(match: dict[str, Any]) -> tuple[Any, ...]:
    return match["item_id"], match["book_id"], match["edition_id"], match["tier"], match["evidence_hash"]


def refuse(message: str) -> NoReturn:
    err_console.print(f"[red]{escape(message)}[/red]", soft_wrap=True, highlight=False)
    raise typer.Exit(1)


def decision_command(decision: str, summary: str) -> Callable[..., None]:
    """The `approve` / `reject` command: the same options, one recorded decision."""

    def command(
        item_ids: Annotated[list[str] | None, typer.Argument(help="ABS item ids")] = None,
        where: WhereOption = None,
        by: ByOption = None,
        note: NoteOption = None,
        yes: YesOption = False,
        db: DbOption = None,
    ) -> None:
        _decide(decision, item_ids, where, by, note, db, yes)

    command.__name__ = decision
    command.__doc__ = f"{summary}\n\n{BULK_HELP}"
    return command


approve = decision_command(
    "approve",
    "Approve the matched book of items (by id or --where); they are written by `writeback --apply`.",
)
reject = decision_command(
    "reject", "Reject the matched book of items (by id or --where); a rejected item is never written."
)


def writeback_cmd(
    apply: Annotated[
        bool, typer.Option("--apply", help="Write to ABS (default: only show and store the plan)")
    ] = False,
    item: Annotated[ItemIds, item_option("Only this item")] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="With --apply, also write items changed in ABS since the last sync (planned against "
            "their current ABS values). Items held for changed evidence, removal or a failed extract "
            "are never written.",
        ),
    ] = False,
    db: DbOption = None,
    item_alias: ItemAlias = None,
) -> None:
    """Show (and store) the field-level plan of approved changes; with --apply, write it to ABS.

    An approval holds for the evidence it was made on: an item whose evidence changed since, that is
    removed or missing in ABS, whose latest extract failed, or (with --apply) that changed in ABS since
    the last sync is held — listed under the plan and in `writeback_holds`, not written.
    """
    from flows.writeback import writeback

    settings = get_settings(duckdb_path=db)
    summary = asyncio.run(
        writeback(
            apply=apply, item_ids=merged(item, item_alias), db_path=str(settings.duckdb_path), force=force
        )
    )
    if not apply:
        print_plan(str(settings.duckdb_path), summary["run_id"])
        print_holds(str(settings.duckdb_path), summary["run_id"])
        console.print(
            f"Dry run {summary['run_id']}: nothing was written. Re-run with --apply to write this plan."
        )
    else:
        console.print(json.dumps(summary, indent=1, default=str))
        print_holds(str(settings.duckdb_path), summary["run_id"])


def rollback_cmd(
    run: Annotated[str | None, typer.Option("--run", help="The writeback run id to undo")] = None,
    item: Annotated[ItemIds, item_option("Undo every write to this item")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Also restore fields changed after our write")
    ] = False,
    db: DbOption = None,
    item_alias: ItemAlias = None,
) -> None:
    """Restore the values ABS had before a writeback run (or before any write to the given items)."""
    from flows.rollback import rollback

    items = merged(item, item_alias)
    if not run and not items:
        err_console.print("Name what to undo: --run <writeback run id> and/or --item <item id> ...")
        raise typer.Exit(2)
    settings = get_settings(duckdb_path=db)
    summary = asyncio.run(
        rollback(run_id=run, item_ids=items, force=force, db_path=str(settings.duckdb_path))
    )
    if not summary.get("writes"):
        console.print(
            f"Nothing to undo: no verified writes for run={run} items={items} that are not rolled back yet."
        )
        return
    for conflict in summary.get("conflicts", []):
        console.print(f"[yellow]conflict[/yellow] {conflict['message']}")
    console.print(
        f"rolled back {summary['rolled_back']} field(s), {len(summary.get('conflicts', []))} conflict(s)"
    )


PLAN_ROWS_SHOWN = 200


def print_plan(db_path: str, run_id: str) -> None:
    """The stored plan of a run: per item (title — author) and field, ABS now → the book's value,
    the policy, and why (a conflict says why it is left alone)."""
    from tasks.writeback.display import item_text, value_text

    with connect(db_path) as con:
        rows = fetch_dicts(con, load_sql("writeback_plan_rows"), [run_id])
    table = Table(title=f"writeback plan {run_id}")
    for col in ("item", "field", "ABS now", "→ book", "policy", "why"):
        table.add_column(col)
    for r in rows[:PLAN_ROWS_SHOWN]:
        conflict = r["action"] == "conflict"
        table.add_row(
            escape(item_text(r)),
            r["field"],
            f"[red]{escape(value_text(r['field'], r['before']))}[/red]",
            f"[{'dim' if conflict else 'green'}]{escape(value_text(r['field'], r['after']))}[/]",
            r["policy"],
            f"[yellow]{escape(r['reason'] or '')}[/yellow]" if conflict else escape(r["reason"] or ""),
        )
    console.print(table)
    if len(rows) > PLAN_ROWS_SHOWN:
        console.print(
            f"(first {PLAN_ROWS_SHOWN} rows shown; all are in SQL: "
            f"SELECT * FROM writeback_plans WHERE run_id = '{run_id}')"
        )
    writes = [r for r in rows if r["action"] == "write"]
    conflicts = len(rows) - len(writes)
    console.print(
        f"{len(writes)} field change(s) on {len({r['item_id'] for r in writes})} item(s)"
        + (f"; {conflicts} field(s) a person changed in ABS left alone (conflicts)" if conflicts else "")
    )


def print_holds(db_path: str, run_id: str) -> None:
    """The items a writeback run held back, one line each (greppable): the item, its title, and why."""
    with connect(db_path) as con:
        rows = fetch_dicts(con, load_sql("writeback_hold_rows"), [run_id])
    for r in rows[:PLAN_ROWS_SHOWN]:
        title = f" “{escape(r['abs_title'])}”" if r["abs_title"] else ""
        console.print(
            f"[yellow]{escape(r['reason'])}[/yellow]: {escape(r['item_id'])}{title} ({r['approval']})",
            soft_wrap=True,
            highlight=False,
        )
    if len(rows) > PLAN_ROWS_SHOWN:
        console.print(
            f"(first {PLAN_ROWS_SHOWN} shown; all are in SQL: "
            f"SELECT * FROM writeback_holds WHERE run_id = '{run_id}')"
        )
    if rows:
        console.print(f"{len(rows)} item(s) held, not written")


def register(app: typer.Typer) -> None:
    app.command("review")(review)
    app.command("approve")(approve)
    app.command("reject")(reject)
    app.command("writeback")(writeback_cmd)
    app.command("rollback")(rollback_cmd)
