"""The plan as people read it: items by title and author, before → after per field, policy and reason.

Used by the `writeback` command (a terminal table) and the writeback flow's Prefect artifact (markdown).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from tasks.review import show_value
from tasks.writeback.conflicts import COVER

PLAN_HEAD = 50  # plan rows shown in the Prefect artifact


def value_text(field: str, value: Any, width: int = 60) -> str:
    """One field value as a short line of text ("" for none); a cover by its source URL or ABS path."""
    if isinstance(value, str):  # a JSON column of writeback_plans
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if field == COVER:
        if not value:
            return ""
        text = (value.get("url") or value.get("path") or "") if isinstance(value, dict) else str(value)
        return text if len(text) <= width else "…" + text[-(width - 1) :]
    return show_value(field, value)


def item_text(row: dict[str, Any]) -> str:
    """'Title — Author' as ABS had them, else the item id."""
    title, author = row.get("item_title"), row.get("item_author")
    if not title:
        item_id: str = row["item_id"]
        return item_id
    return f"{title} — {author}" if author else title


def markdown_head(rows: list[dict[str, Any]], run_id: str, n: int = PLAN_HEAD) -> str:
    """The first `n` plan rows as a markdown table (for the Prefect artifact)."""
    if not rows:
        return "No field to write: every approved item already holds its book's values (or is held)."

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| item | field | ABS now → book | policy | action | why |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows[:n]:
        before, after = value_text(r["field"], r["before"]), value_text(r["field"], r["after"])
        lines.append(
            f"| {cell(item_text(r))} | {r['field']} | {cell(before) or '∅'} → {cell(after)} | {r['policy']} "
            f"| {r['action']} | {cell(r.get('reason') or '')} |"
        )
    if len(rows) > n:
        lines.append(
            f"\nFirst {n} of {len(rows)} rows; all of them: "
            f"`SELECT * FROM writeback_plans WHERE run_id = '{run_id}'`"
        )
    return "\n".join(lines)
