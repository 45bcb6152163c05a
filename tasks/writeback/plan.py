"""The field-level plan: which approved items get which values, under the per-field policy.

Plain functions over the warehouse; the same `plan_item` is used by the dry-run (against the last
extract) and by `--apply` (against what ABS says right now), so what is shown is what is sent.
An approved item that must not be written now (its approval was made on other evidence, it is gone
or unreadable) is a `Hold`: listed with the plan and stored in `writeback_holds`, never sent.

Policies, per field (`SHELFMATCH_WRITEBACK_POLICY`): `update` (the default for every metadata field:
an approved match brings each field the book knows to the book's value), `fill_missing` (only where
ABS has nothing; the cover's default, see DEFAULT_POLICIES), `never`. A value is never replaced by an
empty one. A field a person changed in ABS is a conflict, left alone (see conflicts.py).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import duckdb

from tasks.settings import Settings
from tasks.warehouse import fetch_dicts, insert_rows, load_sql, now
from tasks.writeback.conflicts import COVER, edited_fields, our_writes
from tasks.writeback.payload import FIELDS, canonical, is_empty, same

POLICIES = ("update", "fill_missing", "never")
# `overwrite` is accepted as another name for `update` (settings written for it keep their meaning).
POLICY_ALIASES = {"overwrite": "update"}
POLICY_FIELDS = (*FIELDS, COVER)
# Every metadata field the matched book knows is brought to the book's value. The cover only fills a
# missing one: an item's own cover is most often the audiobook's art (embedded in the files or the
# folder's cover.jpg), which a catalogue image is not better than, and two images of one cover never
# compare equal byte for byte, so `update` would replace every cover on every book.
DEFAULT_POLICIES = {**dict.fromkeys(FIELDS, "update"), COVER: "fill_missing"}
READING_FORMAT_AUDIO = 2
READING_FORMAT_BOTH = 3


@dataclass(frozen=True)
class Change:
    field: str
    policy: str
    before: Any
    after: Any
    reason: str = ""


@dataclass
class ItemPlan:
    item_id: str
    book_id: int
    edition_id: int | None
    approval: str  # auto | approved
    changes: list[Change] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # fields already equal to the book's value
    held: list[str] = field(default_factory=list)  # fields a rollback took back (not written again)
    conflicts: list[Change] = field(default_factory=list)  # fields a person changed in ABS: left alone


HOLD_REASONS = {
    "not_extracted": "held — not in the warehouse (abs_items); run sync first",
    "removed": "held — removed from ABS (gone at the last sync)",
    "missing_files": "held — ABS marks the item missing (its files are gone)",
    "extract_failed": "held — the latest extract could not read it, so the warehouse holds an older state",
    "evidence_changed": "held — evidence changed since approval; review it again (shelfmatch review)",
    "changed_in_abs": "held — changed in ABS since the last sync; run sync first (or writeback --force)",
}


@dataclass(frozen=True)
class Hold:
    """An approved (or auto) item that this run does not write, and why."""

    item_id: str
    book_id: int | None
    edition_id: int | None
    approval: str
    hold: str  # a key of HOLD_REASONS
    reason: str


def plan_counts(plans: list[ItemPlan]) -> Counter[str]:
    """What a set of item plans would do, counted the way a writeback run reports it."""
    return Counter(
        planned_items=sum(1 for p in plans if p.changes),
        planned_fields=sum(len(p.changes) for p in plans),
        already_equal=sum(len(p.already) for p in plans),
        conflicts=sum(len(p.conflicts) for p in plans),
        held_after_rollback=sum(len(p.held) for p in plans),
    )


@dataclass
class Planned:
    """A run's plan: the items to write (with their field changes) and the items held back."""

    plans: list[ItemPlan]
    holds: list[Hold]


def hold_of(row: dict[str, Any], hold: str) -> Hold:
    reason = HOLD_REASONS[hold]
    if row.get("hold_detail"):
        reason = f"{reason} ({str(row['hold_detail'])[:200]})"
    return Hold(row["item_id"], row["book_id"], row["edition_id"], row["approval"], hold, reason)


def split_holds(approved: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Hold]]:
    """(rows that may be written, holds) of approved_items()' rows."""
    ready, holds = [], []
    for r in approved:
        if r.get("hold"):
            holds.append(hold_of(r, r["hold"]))
        else:
            ready.append(r)
    return ready, holds


def field_policies(settings: Settings) -> dict[str, str]:
    """The policy of every writeback field; unknown fields or policies are a settings error."""
    policy = dict(DEFAULT_POLICIES)
    for name, value in settings.writeback_policy.items():
        if name not in POLICY_FIELDS:
            raise ValueError(
                f"SHELFMATCH_WRITEBACK_POLICY names unknown field {name!r}; fields are: {', '.join(POLICY_FIELDS)}"
            )
        value = POLICY_ALIASES.get(value, value)
        if value not in POLICIES:
            raise ValueError(
                f"SHELFMATCH_WRITEBACK_POLICY[{name!r}] = {value!r}; use one of {', '.join(POLICIES)}"
            )
        policy[name] = value
    return policy


def sequence_text(position: float | None, details: str | None) -> str | None:
    """ABS wants a string sequence: 1.0 -> "1", 1.5 -> "1.5"; an omnibus keeps its details ("1-3")."""
    if details and "-" in details:
        return details
    if position is None:
        return details or None
    return str(int(position)) if float(position).is_integer() else f"{position:g}"


_LAST_FIRST = re.compile(r"^\s*([^,]+?),\s*([^,]+?)\s*$")
_NAME_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "md"}


def person_name(name: str) -> str:
    """ "Herbert, Frank" -> "Frank Herbert": ABS shows and matches "First Last" (it derives the
    "Last, First" sort form itself), so the inverted form is never written. "Martin Luther King, Jr."
    stays as it is."""
    m = _LAST_FIRST.match(name or "")
    if m is None or m.group(2).strip().lower() in _NAME_SUFFIXES:
        return name
    return f"{m.group(2)} {m.group(1)}"


def target_values(book: dict[str, Any], edition: dict[str, Any] | None) -> dict[str, Any]:
    """What Hardcover says each writeback field should be, in canonical form.

    Work-level fields (title, subtitle, authors, series, description, genres) come from the book;
    what belongs to a recording (narrators, ASIN, ISBN, publisher, language) from the matched audio
    edition. The published year is the book's first publication year, the edition's release year
    only when the book has none: it is one value per work, the same whichever edition a library
    holds, and what people search and sort by ("Dune, 1965"), while an audio edition's release year
    is that recording's date and often missing or a re-release's on Hardcover.
    The cover is the audio edition's image (square audiobook art), else the book's.
    """
    edition = edition or {}
    year = book.get("release_year") or edition.get("release_year")
    isbn = edition.get("isbn_13") or edition.get("isbn_10")
    raw = {
        "title": book.get("title"),
        "subtitle": book.get("subtitle"),
        "authors": [person_name(a) for a in book.get("authors") or [] if a],
        "narrators": [person_name(n) for n in edition.get("narrators") or [] if n],
        "series": [
            {"name": s["name"], "sequence": sequence_text(s.get("position"), s.get("details"))}
            for s in book.get("series") or []
        ],
        "publisher": edition.get("publisher"),
        "published_year": str(year) if year else None,
        "description": book.get("description"),
        "genres": book.get("genres") or [],
        "language": edition.get("language"),
        "isbn": isbn,
        "asin": edition.get("asin"),
    }
    target = {f: canonical(f, v) for f, v in raw.items()}
    image = edition.get("image_url") or book.get("image_url")
    target[COVER] = {"url": image} if image else None
    return target


def plan_item(
    current: dict[str, Any], target: dict[str, Any], policies: dict[str, str]
) -> tuple[list[Change], list[str]]:
    """Changes for one item, and the fields already equal to the book's value.

    fill_missing writes only where ABS has nothing; update writes where the values differ; never
    skips. A value is never replaced by an empty one: an empty target is no change. The cover is
    compared by path here (ABS's `coverPath`); apply compares the images themselves before replacing one.
    """
    changes, already = [], []
    for name in POLICY_FIELDS:
        policy = POLICY_ALIASES.get(policies.get(name, "never"), policies.get(name, "never"))
        after = target.get(name)
        if policy == "never" or is_empty(after):
            continue
        before = current.get(name)
        if name == COVER:
            if is_empty(before):
                changes.append(Change(name, policy, None, after, "ABS has no cover"))
            elif policy == "update":
                changes.append(
                    Change(name, policy, {"path": before}, after, "replace the cover with the book's")
                )
        elif same(name, before, after):
            already.append(name)
        elif is_empty(before):
            changes.append(Change(name, policy, before, after, "ABS has none"))
        elif policy == "update":
            changes.append(Change(name, policy, before, after, "differs from the matched book"))
    return changes, already


def approved_items(
    con: duckdb.DuckDBPyConnection, settings: Settings, item_ids: list[str] | None = None
) -> list[dict[str, Any]]:
    """Every item a decision or the auto tier allows to be written: item_id, book_id, edition_id,
    approval, known_updated_at, and `hold` (None, or why it is not written now; see writeback_approved.sql)."""
    rows = fetch_dicts(con, load_sql("writeback_approved"), {"auto_ok": settings.auto_counts_as_approved})
    if item_ids is not None:
        wanted = set(item_ids)
        rows = [r for r in rows if r["item_id"] in wanted]
    return rows


def load_targets(con: duckdb.DuckDBPyConnection, approved: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """item_id -> target values, for every approved item whose book is in the warehouse."""
    books, editions = target_rows(con, [r["book_id"] for r in approved])
    targets = {}
    for r in approved:
        book = books.get(r["book_id"])
        if book is None:
            continue
        targets[r["item_id"]] = target_values(
            book, choose_edition(editions.get(r["book_id"], []), r["edition_id"])
        )
    return targets


def target_rows(
    con: duckdb.DuckDBPyConnection, book_ids: list[int]
) -> tuple[dict[int, dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """The warehouse's books of `book_ids` by id, and each book's editions in edition-id order: what
    target_values and choose_edition read."""
    ids = {"book_ids": sorted(set(book_ids))}
    books = {b["book_id"]: b for b in fetch_dicts(con, load_sql("target_books"), ids)}
    editions: dict[int, list[dict[str, Any]]] = {}
    for e in fetch_dicts(con, load_sql("target_editions"), ids):
        editions.setdefault(e["book_id"], []).append(e)
    return books, editions


def choose_edition(editions: list[dict[str, Any]], edition_id: int | None) -> dict[str, Any] | None:
    """The approved edition; without one, the book's first audio edition (this is an audiobook library)."""
    chosen = next((e for e in editions if e["edition_id"] == edition_id), None)
    if chosen is None:
        chosen = next(
            (e for e in editions if e["reading_format_id"] in (READING_FORMAT_AUDIO, READING_FORMAT_BOTH)),
            None,
        )
    return chosen


def current_from_warehouse(con: duckdb.DuckDBPyConnection, item_ids: list[str]) -> dict[str, dict[str, Any]]:
    """item_id -> canonical field values as the last extract saw them (the cover as its path)."""
    rows = fetch_dicts(con, load_sql("writeback_current_items"), {"item_ids": list(item_ids)})
    return {
        r["item_id"]: {**{f: canonical(f, r[f]) for f in FIELDS}, COVER: r["cover_path"] or None}
        for r in rows
    }


def item_labels(con: duckdb.DuckDBPyConnection, item_ids: list[str]) -> dict[str, tuple[str, str]]:
    """item_id -> (title, author) as the last extract saw them, to name items in the plan."""
    rows = fetch_dicts(con, load_sql("writeback_current_items"), {"item_ids": list(item_ids)})
    return {r["item_id"]: (r["title"] or r["rel_path"] or "", ", ".join(r["authors"] or [])) for r in rows}


def held_fields(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(item, field) pairs rolled back since the item's latest decision: not written again until re-approved."""
    return {(i, f) for i, f in con.execute(load_sql("writeback_held_fields")).fetchall()}


def unchosen_fields(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(item, field) pairs a person unticked with the item's latest decision (review page)."""
    return {(i, f) for i, f in con.execute(load_sql("writeback_unchosen_fields")).fetchall()}


def honour_field_choices(plans: list[ItemPlan], unchosen: set[tuple[str, str]]) -> list[ItemPlan]:
    """The plans without the changes to fields the person chose not to write (in place; returns them)."""
    if unchosen:
        for p in plans:
            p.changes = [c for c in p.changes if (p.item_id, c.field) not in unchosen]
    return plans


def build_plans(
    approved: list[dict[str, Any]],
    targets: dict[str, dict[str, Any]],
    current: dict[str, dict[str, Any]],
    policies: dict[str, str],
    held: AbstractSet[tuple[str, str]] = frozenset(),
    edited: dict[str, dict[str, str]] | None = None,
) -> list[ItemPlan]:
    """One ItemPlan per approved item that ABS has and Hardcover data exists for.

    `edited` maps an item to the fields a person changed in ABS (field -> why it is taken for a
    person's edit): a change to such a field becomes a conflict, listed and left alone.
    """
    plans = []
    for r in approved:
        item_id = r["item_id"]
        if item_id not in targets or item_id not in current:
            continue
        changes, already = plan_item(current[item_id], targets[item_id], policies)
        plan = ItemPlan(item_id, r["book_id"], r["edition_id"], r["approval"], [], already)
        mine = (edited or {}).get(item_id, {})
        for c in changes:
            if (item_id, c.field) in held:
                plan.held.append(c.field)
            elif c.field in mine:
                plan.conflicts.append(Change(c.field, c.policy, c.before, c.after, mine[c.field]))
            else:
                plan.changes.append(c)
        plans.append(plan)
    return plans


HOLD_COLUMNS = ["run_id", "item_id", "book_id", "edition_id", "approval", "hold", "reason", "held_at"]


def store_holds(con: duckdb.DuckDBPyConnection, run_id: str, holds: list[Hold]) -> int:
    """Insert the held items of a run (one statement); returns how many."""
    at = now()
    rows = [[run_id, h.item_id, h.book_id, h.edition_id, h.approval, h.hold, h.reason, at] for h in holds]
    insert_rows(con, "writeback_insert_holds", HOLD_COLUMNS, rows)
    return len(rows)


PLAN_COLUMNS = [
    "run_id",
    "item_id",
    "field",
    "policy",
    "before",
    "after",
    "book_id",
    "edition_id",
    "approval",
    "planned_at",
    "action",
    "reason",
    "item_title",
    "item_author",
]


def store_plans(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    plans: list[ItemPlan],
    labels: dict[str, tuple[str, str]] | None = None,
) -> int:
    """Insert the plan rows of a run (one statement): the writes and the conflicts, each with its reason
    and the item's title and author; returns the number of field changes to write."""
    labels = labels or {}
    at = now()
    rows = [
        [
            run_id,
            p.item_id,
            c.field,
            c.policy,
            dumps(c.before),
            dumps(c.after),
            p.book_id,
            p.edition_id,
            p.approval,
            at,
            action,
            c.reason,
            *labels.get(p.item_id, (None, None)),
        ]
        for p in plans
        for action, group in (("write", p.changes), ("conflict", p.conflicts))
        for c in group
    ]
    insert_rows(con, "writeback_insert_plan", PLAN_COLUMNS, rows)
    return sum(len(p.changes) for p in plans)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def plan_from_warehouse(
    con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, item_ids: list[str] | None = None
) -> Planned:
    """The dry-run: plan every approved item against the last extract, store it (and the held items)
    under run_id, send nothing."""
    ready, holds = split_holds(approved_items(con, settings, item_ids))
    targets = load_targets(con, ready)
    ids = [r["item_id"] for r in ready]
    current = current_from_warehouse(con, ids)
    # The last extract is the only state the dry-run knows: what it can show is a field a person
    # changed after shelfmatch wrote it (a sync has read the person's value since).
    edited = edited_fields(current, current, our_writes(con, ids))
    plans = build_plans(ready, targets, current, field_policies(settings), held_fields(con), edited)
    honour_field_choices(plans, unchosen_fields(con))
    store_plans(con, run_id, plans, item_labels(con, ids))
    store_holds(con, run_id, holds)
    return Planned(plans, holds)
