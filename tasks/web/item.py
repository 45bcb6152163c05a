"""One item as the review page shows it: ABS's values next to the chosen book's, field by field, why the
match is not automatic, the other candidates, and what listening heard."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb

from tasks.review import show_value, top_reasons
from tasks.settings import Settings
from tasks.warehouse import fetch_dicts, load_sql
from tasks.web.queue import CAPS
from tasks.writeback.payload import FIELDS, canonical, is_empty, same
from tasks.writeback.plan import field_policies, load_targets, plan_item

LABELS = {
    "title": "Title",
    "subtitle": "Subtitle",
    "authors": "Authors",
    "narrators": "Narrators",
    "series": "Series",
    "publisher": "Publisher",
    "published_year": "Year",
    "description": "Description",
    "genres": "Genres",
    "language": "Language",
    "isbn": "ISBN",
    "asin": "ASIN",
}


class ItemNotFound(LookupError):
    """No match for that item id (not scored, or not an item)."""


@dataclass
class FieldRow:
    field: str
    label: str
    abs_value: str
    hc_value: str
    action: str  # write, same, keep, none
    policy: str
    offered: bool  # a checkbox: the plan would write this field
    checked: bool


@dataclass
class ItemView:
    item_id: str
    item: dict[str, Any]
    match: dict[str, Any]
    book: dict[str, Any] | None
    book_id: int | None
    edition_id: int | None
    confidence: float | None
    chosen_other: bool
    fields: list[FieldRow] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    heard: str | None = None
    listen: dict[str, Any] | None = None
    cover_url: str | None = None  # the book's image (its audio edition's when it has one)
    decision: str | None = None


def not_auto_reasons(match: dict[str, Any], settings: Settings) -> list[str]:
    """Why a person is asked: the tier, the thresholds, each cap (the runner-up with its margin)."""
    conf = match["confidence"]
    out = []
    if match["tier"] == "reject":
        out.append(
            f"Confidence {conf:.1%} is below the pending threshold ({settings.pending_threshold:.0%}): "
            "a near miss, never written unless a person approves it."
        )
    elif conf < settings.auto_threshold:
        out.append(f"Confidence {conf:.1%} is below the auto threshold ({settings.auto_threshold:.1%}).")
    elif match["caps"]:
        out.append(f"Confidence {conf:.1%} reaches the auto threshold, but a cap keeps it pending:")
    for cap in match["caps"] or []:
        if cap == "runner_up":
            runner = match.get("runner_up_title") or f"book {match.get('runner_up_book_id')}"
            rc, margin = match.get("runner_up_confidence"), match.get("margin")
            at = f" at {rc:.1%}" if rc is not None else ""
            by = f", margin {margin:.1%}" if margin is not None else ""
            out.append(
                f"Close runner-up: “{runner}”{at}{by} (auto needs a margin of {settings.runner_up_margin:.0%})."
            )
        else:
            out.append(f"Capped: {CAPS.get(cap, cap)}.")
    if match["tier"] == "auto":
        out.append("This match is automatic; a decision here replaces it.")
    return out


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def item_view(
    con: duckdb.DuckDBPyConnection, settings: Settings, item_id: str, book_id: int | None = None
) -> ItemView:
    rows = fetch_dicts(con, load_sql("web_item_match"), {"item_id": item_id})
    if not rows:
        raise ItemNotFound(f"No match for item {item_id!r}: it is not in the warehouse, or not scored yet.")
    match = rows[0]
    item = (fetch_dicts(con, load_sql("review_item"), [item_id]) or [{}])[0]
    candidates = fetch_dicts(con, load_sql("web_candidates"), {"item_id": item_id, "run_id": match["run_id"]})
    chosen = book_id if book_id is not None else match["book_id"]
    edition_id = match["edition_id"] if chosen == match["book_id"] else None
    confidence = match["confidence"] if chosen == match["book_id"] else None
    for c in candidates:
        if c["book_id"] == chosen and chosen != match["book_id"]:
            edition_id, confidence = c["edition_id"], c["confidence"]
    view = ItemView(
        item_id, item, match, None, chosen, edition_id, confidence, chosen != match["book_id"],
        candidates=candidates,
    )  # fmt: skip
    if match["decision"]:
        state = "for this evidence" if match["decision_current"] else "on older evidence (asked again)"
        view.decision = f"{match['decision']}d by {match['decided_by']} {state}"
    view.reasons = not_auto_reasons(match, settings)
    if chosen == match["book_id"]:
        view.terms = top_reasons(_json(match["explanation"]), n=5)
    if chosen is None:
        return view
    books = fetch_dicts(con, load_sql("web_book"), {"book_id": chosen})
    view.book = books[0] if books else None
    target = load_targets(con, [{"item_id": item_id, "book_id": chosen, "edition_id": edition_id}]).get(
        item_id
    )
    cover = (target or {}).get("cover") or {}
    view.cover_url = cover.get("url") or (view.book or {}).get("image_url")
    current = {f: canonical(f, item.get(f)) for f in FIELDS}
    previous: dict[str, bool] = {}
    if match["decision_seq"] is not None and match["decision_current"] and match["decided_book_id"] == chosen:
        previous = {
            r["field"]: r["write"]
            for r in fetch_dicts(con, load_sql("web_field_choices"), {"decision_seq": match["decision_seq"]})
        }
    policies = field_policies(settings)
    changes = {c.field for c in plan_item(current, target, policies)[0]} if target else set()
    for f in FIELDS:
        new = target.get(f) if target else None
        if f in changes:
            action = "write"
        elif not is_empty(new) and same(f, current[f], new):
            action = "same"
        elif not is_empty(new) and not is_empty(current[f]):
            action = "keep"
        else:
            action = "none"
        view.fields.append(
            FieldRow(
                f, LABELS[f], show_value(f, current[f], None), show_value(f, new, None), action, policies[f],
                offered=f in changes, checked=f in changes and previous.get(f, True),
            )
        )  # fmt: skip
    heard = con.execute(load_sql("review_transcript"), [item_id]).fetchall()
    view.heard = heard[0][0][:400] if heard else None
    listened = fetch_dicts(con, load_sql("web_listen_result"), {"item_id": item_id})
    if listened:
        view.listen = {**listened[0], "credits": _json(listened[0]["credits"])}
    return view
