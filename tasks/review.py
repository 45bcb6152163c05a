"""Review: a person's approve/reject decisions, interactively (beets-style prompt) or in bulk.

Decisions are rows in `review_decisions` (append-only; the latest per item counts). The prompt
asks only about pending matches with no decision, or whose evidence changed since the decision.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from tasks.settings import Settings
from tasks.warehouse import fetch_dicts, insert_rows, load_sql, now
from tasks.writeback.payload import FIELDS, canonical, is_empty, same
from tasks.writeback.plan import field_policies, load_targets, plan_item

DECISIONS = ("approve", "reject")
DECISION_COLUMNS = [
    "item_id",
    "book_id",
    "edition_id",
    "decision",
    "decided_at",
    "decided_by",
    "note",
    "evidence_hash",
    "via",
]
PROMPT = "[A]pply, [S]kip, [R]eject, [M]ore candidates, [E]nter Hardcover id/slug, [Q]uit"


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def record_decision(
    con: duckdb.DuckDBPyConnection,
    item_id: str,
    decision: str,
    book_id: int | None,
    edition_id: int | None,
    evidence_hash: str | None,
    by: str | None = None,
    note: str | None = None,
    via: str = "review",
) -> None:
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    con.execute(
        load_sql("review_insert_decision"),
        [item_id, book_id, edition_id, decision, now(), by or current_user(), note, evidence_hash, via],
    )


def items_where(con: duckdb.DuckDBPyConnection, predicate: str) -> list[str]:
    """Item ids of `SELECT item_id FROM matches WHERE <predicate>`.

    The predicate is the user's own SQL over their own file (so it cannot be a parameter); it must
    form exactly one SELECT, and runs inside a transaction that is rolled back.
    """
    if ";" in predicate:
        raise ValueError(
            "--where takes one SQL predicate over `matches`, without ';' (e.g. \"confidence >= 0.9\")"
        )
    sql = f"SELECT item_id FROM matches WHERE {predicate}"
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise ValueError(f"--where {predicate!r} is not valid SQL: {exc}") from exc
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise ValueError(f"--where {predicate!r} must be a predicate over `matches`, not another statement")
    con.execute("BEGIN TRANSACTION")
    try:
        return [row[0] for row in con.execute(sql).fetchall()]
    except duckdb.Error as exc:
        raise ValueError(f"--where {predicate!r} failed: {exc}") from exc
    finally:
        con.execute("ROLLBACK")


def select_items(
    con: duckdb.DuckDBPyConnection,
    decision: str,
    item_ids: list[str] | None = None,
    where: str | None = None,
) -> list[dict[str, Any]]:
    """The current matches of the items named by id and/or by a `--where` predicate, in that order.

    Unknown items, or approving an item with no candidate, is an error that names them.
    """
    ids = list(dict.fromkeys((item_ids or []) + (items_where(con, where) if where else [])))
    if not ids:
        return []
    matches = {m["item_id"]: m for m in fetch_dicts(con, load_sql("review_match"), {"item_ids": ids})}
    unknown = [i for i in ids if i not in matches]
    if unknown:
        raise ValueError(
            f"No match for item(s) {', '.join(unknown[:10])}: run `shelfmatch sync` (score) first."
        )
    if decision == "approve":
        bookless = [i for i in ids if matches[i]["book_id"] is None]
        if bookless:
            raise ValueError(
                f"Item(s) {', '.join(bookless[:10])} have no candidate book to approve; "
                "use `shelfmatch review` and [E]nter a Hardcover id."
            )
    return [matches[i] for i in ids]


def record_decisions(
    con: duckdb.DuckDBPyConnection,
    decision: str,
    matches: list[dict[str, Any]],
    by: str | None = None,
    note: str | None = None,
) -> list[str]:
    """Record the decision about each match (its book and the evidence it was made on); returns the ids."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    at, who = now(), by or current_user()
    rows = [
        [m["item_id"], m["book_id"], m["edition_id"], decision, at, who, note, m["evidence_hash"], decision]
        for m in matches
    ]
    insert_rows(con, "review_insert_decisions", DECISION_COLUMNS, rows)  # one statement: all or nothing
    return [m["item_id"] for m in matches]


def decide(
    con: duckdb.DuckDBPyConnection,
    decision: str,
    item_ids: list[str] | None = None,
    where: str | None = None,
    by: str | None = None,
    note: str | None = None,
) -> list[str]:
    """Approve or reject the matched book of items named by id and/or by a `--where` predicate.

    Returns the ids decided. Unknown items, or approving an item with no candidate, is an error
    that names them (and nothing is recorded). Asks nothing: the command line checks bulk decisions
    first (`bulk_check`).
    """
    return record_decisions(con, decision, select_items(con, decision, item_ids, where), by, note)


# --- bulk decisions: what to confirm ---------------------------------------------------------------

# A candidate is plausible when the matched book agrees with the item on the title or the author
# (exact or close), or on an identifier (ASIN/ISBN); a match with none of these is distractor-like.
PLAUSIBLE_LEVELS = {
    "title": ("exact", "close"),
    "author": ("exact", "close"),
    "identifier": ("asin", "isbn"),
}


def explanation_levels(explanation: Any) -> dict[str, str]:
    """feature -> comparison level of a match explanation ({"title": {"level": ..}, ..} or a list of them)."""
    if isinstance(explanation, str):
        try:
            explanation = json.loads(explanation)
        except ValueError:
            return {}
    if isinstance(explanation, dict):
        return {k: str(v.get("level")) if isinstance(v, dict) else str(v) for k, v in explanation.items()}
    if isinstance(explanation, list):
        return {str(e.get("feature")): str(e.get("level")) for e in explanation if isinstance(e, dict)}
    return {}


def distractor_like(match: dict[str, Any]) -> bool:
    """No plausible candidate: neither title, author nor identifier of the matched book agrees (see above)."""
    levels = explanation_levels(match.get("explanation"))
    return not any(levels.get(f) in ok for f, ok in PLAUSIBLE_LEVELS.items())


@dataclass(frozen=True)
class BulkCheck:
    """What a bulk approve/reject would record, for the confirmation it may need."""

    decision: str
    rows: int
    reject_tier: int
    distractor_like: int
    limit: int

    @property
    def needs_confirmation(self) -> bool:
        return self.rows > self.limit or (self.decision == "approve" and self.reject_tier > 0)

    def describe(self) -> str:
        return (
            f"{self.decision} {self.rows} item(s): {self.reject_tier} reject-tier, "
            f"{self.distractor_like} distractor-like (no title, author or identifier agrees)"
        )


def bulk_check(matches: list[dict[str, Any]], decision: str, limit: int) -> BulkCheck:
    return BulkCheck(
        decision,
        len(matches),
        sum(1 for m in matches if m["tier"] == "reject"),
        sum(1 for m in matches if m["book_id"] is not None and distractor_like(m)),
        limit,
    )


# --- the interactive prompt ------------------------------------------------------------------------


def show_value(field: str, value: Any, width: int | None = 60) -> str:
    """A field value as one line of the prompt, cut to `width` characters; `width=None` keeps it whole
    (the web page wraps it)."""
    value = canonical(field, value)
    if is_empty(value):
        return ""
    if field == "series":
        return "; ".join(s["name"] + (f" #{s['sequence']}" if s["sequence"] else "") for s in value)
    if isinstance(value, list):
        return ", ".join(value)
    text = str(value)
    return text if width is None or len(text) <= width else text[: width - 3] + "…"


def top_reasons(explanation: Any, n: int = 3) -> list[str]:
    """The n features that moved the confidence most, as "feature: level (+weight)"."""
    if isinstance(explanation, str):
        try:
            explanation = json.loads(explanation)
        except ValueError:
            return [explanation]
    if isinstance(explanation, dict):
        explanation = [
            {"feature": k, **(v if isinstance(v, dict) else {"level": v})} for k, v in explanation.items()
        ]
    reasons = []
    for e in sorted(explanation or [], key=lambda e: -abs(float(e.get("weight") or 0))):
        weight = e.get("weight")
        w = f" ({float(weight):+.2f})" if isinstance(weight, int | float) else ""
        reasons.append(f"{e.get('feature', '?')}: {e.get('level', '?')}{w}")
    return reasons[:n]


class Reviewer:
    """The beets-style prompt over pending matches; `ask` reads one answer (click.prompt by default)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        settings: Settings,
        console: Console,
        ask: Callable[[str], str],
        by: str | None = None,
    ):
        self.con, self.settings, self.console, self.ask = con, settings, console, ask
        self.by = by or current_user()
        self.policies = field_policies(settings)
        self.counts = {"approve": 0, "reject": 0, "skip": 0}

    def run(self) -> dict[str, int]:
        pending = fetch_dicts(self.con, load_sql("review_pending"))
        if not pending:
            self.console.print("Nothing to review: every pending match has a decision.")
        for n, match in enumerate(pending, 1):
            self.console.rule(f"[bold]{n}/{len(pending)}[/bold]")
            if not self.review_one(match):
                self.console.print("Stopped; the remaining items will be asked next time.")
                break
        self.console.print(
            f"approved {self.counts['approve']}, rejected {self.counts['reject']}, skipped {self.counts['skip']}"
        )
        return self.counts

    def review_one(self, match: dict[str, Any]) -> bool:
        """Ask about one item; False when the user quits."""
        item_id = match["item_id"]
        item = (fetch_dicts(self.con, load_sql("review_item"), [item_id]) or [{}])[0]
        book_id, edition_id, confidence = match["book_id"], match["edition_id"], match["confidence"]
        self.show_item(item_id, item)
        self.show_candidate(item, book_id, edition_id, confidence, match["explanation"])
        while True:
            answer = (self.ask(PROMPT) or "").strip().lower()[:1]
            if answer == "a":
                self.decide(match, "approve", book_id, edition_id)
                return True
            if answer == "r":
                self.decide(match, "reject", book_id, edition_id)
                return True
            if answer == "s":
                self.counts["skip"] += 1
                return True
            if answer == "q":
                return False
            if answer == "m":
                chosen = self.choose_candidate(match)
                if chosen:
                    book_id, edition_id, confidence = (
                        chosen["book_id"],
                        chosen["edition_id"],
                        chosen["confidence"],
                    )
                    self.show_candidate(item, book_id, edition_id, confidence, None)
            elif answer == "e":
                found = self.enter_book()
                if found:
                    book_id, edition_id, confidence = found["book_id"], None, None
                    self.show_candidate(item, book_id, edition_id, confidence, None)
            else:
                self.console.print("Please answer a, s, r, m, e or q.")

    def decide(self, match: dict[str, Any], decision: str, book_id: int, edition_id: int | None) -> None:
        note = (
            None
            if book_id == match["book_id"]
            else f"chose book {book_id} over the matched {match['book_id']}"
        )
        record_decision(
            self.con, match["item_id"], decision, book_id, edition_id, match["evidence_hash"], self.by, note
        )
        self.counts[decision] += 1
        self.console.print(f"[bold]{decision}d[/bold] book {book_id} for {match['item_id']}")

    def show_item(self, item_id: str, item: dict[str, Any]) -> None:
        self.console.print(f"[bold]Item[/bold] {item_id}  [dim]{item.get('rel_path') or ''}[/dim]")
        tags = self.con.execute(load_sql("review_item_tags"), [item_id]).fetchall()
        if tags and tags[0][0]:
            meta = tags[0][0] if isinstance(tags[0][0], dict) else json.loads(tags[0][0])
            shown = ", ".join(f"{k}={v}" for k, v in list(meta.items())[:6])
            self.console.print(f"  tags: {shown}")
        try:
            spoken = self.con.execute(load_sql("review_transcript"), [item_id]).fetchall()
        except duckdb.CatalogException:  # the listen flow's table is not there yet
            spoken = []
        if spoken:
            self.console.print(f"  heard: “{spoken[0][0][:160]}”")

    def show_candidate(
        self,
        item: dict[str, Any],
        book_id: int,
        edition_id: int | None,
        confidence: float | None,
        explanation: Any,
    ) -> None:
        target = load_targets(self.con, [{"item_id": "_", "book_id": book_id, "edition_id": edition_id}]).get(
            "_"
        )
        if target is None:
            self.console.print(f"[yellow]Book {book_id} is not in hc_books; nothing to compare.[/yellow]")
            return
        current = {f: canonical(f, item.get(f)) for f in FIELDS}
        changes = {c.field for c in plan_item(current, target, self.policies)[0]}
        sure = f"  (confidence {confidence:.1%})" if confidence is not None else ""
        self.console.print(
            f"[bold]Candidate[/bold] Hardcover book {book_id}: {show_value('title', target['title'])}{sure}"
        )
        reasons = top_reasons(explanation)
        if reasons:
            self.console.print("  because: " + "; ".join(reasons))
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for col in ("field", "ABS now", "Hardcover", "action"):
            table.add_column(col)
        for f in FIELDS:
            old, new = show_value(f, current[f]), show_value(f, target[f])
            if not old and not new:
                continue
            if f in changes:
                action = "[green]write[/green]"
                old, new = f"[red]{old}[/red]", f"[green]{new}[/green]"
            elif new and same(f, current[f], target[f]):
                action = "[dim]same[/dim]"
            elif new and old:
                action = f"[yellow]keep ({self.policies[f]})[/yellow]"
            else:
                action = "[dim]-[/dim]"
            table.add_row(f, old, new, action)
        self.console.print(table)

    def choose_candidate(self, match: dict[str, Any]) -> dict[str, Any] | None:
        rows = fetch_dicts(self.con, load_sql("review_candidates"), [match["item_id"], match["run_id"]])
        if not rows:
            self.console.print("No other candidates were scored for this item.")
            return None
        for n, r in enumerate(rows, 1):
            self.console.print(
                f"  {n}. {r['title']} — {r['authors'] or '?'} ({r['release_year'] or '?'}) "
                f"[dim]book {r['book_id']}, {r['confidence']:.1%}[/dim]"
            )
        answer = (self.ask("Candidate number (Enter to go back)") or "").strip()
        if answer.isdigit() and 1 <= int(answer) <= len(rows):
            return rows[int(answer) - 1]
        return None

    def enter_book(self) -> dict[str, Any] | None:
        key = (self.ask("Hardcover book id or slug") or "").strip()
        if not key:
            return None
        found = fetch_dicts(self.con, load_sql("review_find_book"), {"key": key})
        # Only with a token in the settings: looking up the Prefect Secret block would start a Prefect server.
        if not found and self.settings.hardcover_token.get_secret_value():
            try:
                fetch_book(self.con, self.settings, key)
            except Exception as exc:  # the prompt goes on: say what failed, ask again
                self.console.print(f"[yellow]Could not fetch {key!r} from Hardcover: {exc}[/yellow]")
            found = fetch_dicts(self.con, load_sql("review_find_book"), {"key": key})
        if not found:
            self.console.print(
                f"[yellow]No book {key!r} in the warehouse (hc_books) or on Hardcover.[/yellow] "
                "Check the id or slug (hardcover.app/books/<slug>), or set SHELFMATCH_HARDCOVER_TOKEN."
            )
            return None
        return found[0]


BOOK_BY_KEY = """
query BookByKey($where: books_bool_exp!) {
  books(where: $where, limit: 1) {
    ...BookFields
  }
}
"""


def fetch_book(con: duckdb.DuckDBPyConnection, settings: Settings, key: str) -> int:
    """Fetch one Hardcover book by id or slug into hc_* (one request, through the budgeted, cached client)."""
    import asyncio

    from tasks.candidates.store import store_books
    from tasks.hardcover.cache import HcCache
    from tasks.hardcover.client import HardcoverClient
    from tasks.hardcover.queries import with_fragments

    where = {"id": {"_eq": int(key)}} if key.isdigit() else {"slug": {"_eq": key}}

    async def fetch() -> list[dict[str, Any]]:
        async with HardcoverClient.from_settings(settings, cache=HcCache(con)) as hc:
            data = await hc.execute(with_fragments(BOOK_BY_KEY), {"where": where}, "review_enter_book")
        return data.get("books") or []

    books = asyncio.run(fetch())
    store_books(con, books)
    return len(books)
