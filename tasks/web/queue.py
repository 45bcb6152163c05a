"""The review queue as the page shows it: pending matches and near misses, filtered, sorted and paged.

Filters come from the page's query string and reach SQL only as parameters (sql/queries/web_queue.sql).
The same filter selects the items of a bulk approve/reject, so what is counted is what is decided.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

import duckdb

from tasks.settings import Settings
from tasks.warehouse import fetch_dicts, load_sql

TIERS = ("pending", "reject")  # reject = near miss: a reject-tier item whose best candidate is close
SORTS = {
    "confidence": "confidence, highest first",
    "confidence_asc": "confidence, lowest first",
    "margin": "closest runner-up first",
    "title": "ABS title",
    "author": "ABS author",
}
CAPS = {
    "runner_up": "a close runner-up",
    "series_position": "series position differs",
    "author": "author disagrees",
    "duration": "duration far from every audio edition",
    "sources_disagree": "evidence sources name another title",
    "title_ambiguous": "several books share the title, no author known",
    "title_only": "only the title names the book, no author known",
}
PAGE_SIZE = 50
ALL_ROWS = 1_000_000
# Reject-tier items at least this close below the pending threshold are near misses worth a look.
NEAR_MISS_BELOW_PENDING = 0.2


class FilterError(ValueError):
    """A filter value the page cannot use (said in one line, nothing recorded)."""


@dataclass(frozen=True)
class Filters:
    tier: str | None = None
    cap: str | None = None
    author: str | None = None
    series: str | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None
    sort: str = "confidence"
    page: int = 1

    @classmethod
    def parse(cls, params: Any) -> Filters:
        """From a query string or form (a mapping of str): empty values are no filter."""

        def text(name: str) -> str | None:
            value = (params.get(name) or "").strip()
            return value[:200] or None

        def number(name: str) -> float | None:
            value = text(name)
            if value is None:
                return None
            try:
                out = float(value.rstrip("%")) / (100 if value.endswith("%") else 1)
            except ValueError as exc:
                raise FilterError(
                    f"{name} must be a number between 0 and 1 (or a percentage), not {value!r}"
                ) from exc
            if not 0 <= out <= 1:
                raise FilterError(f"{name} must be between 0 and 1 (or 0% and 100%), not {value!r}")
            return out

        tier, cap, sort = text("tier"), text("cap"), text("sort") or "confidence"
        if tier is not None and tier not in TIERS:
            raise FilterError(f"tier must be one of {', '.join(TIERS)}, not {tier!r}")
        if cap is not None and cap not in CAPS:
            raise FilterError(f"cap must be one of {', '.join(CAPS)}, not {cap!r}")
        if sort not in SORTS:
            raise FilterError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        page = text("page") or "1"
        if not page.isdigit() or int(page) < 1:
            raise FilterError(f"page must be a positive whole number, not {page!r}")
        return cls(
            tier, cap, text("author"), text("series"), number("min_confidence"), number("max_confidence"),
            sort, int(page),
        )  # fmt: skip

    def query(self, **changes: Any) -> str:
        """This filter as a query string (with `changes`), without empty values."""
        values = {**asdict(self), **changes}
        return urlencode(
            {k: v for k, v in values.items() if v not in (None, "") and not (k == "page" and v == 1)}
        )

    @property
    def selection(self) -> dict[str, Any]:
        """The filter alone (no sort or page): what a bulk decision applies to."""
        return {k: v for k, v in asdict(self).items() if k not in ("sort", "page") and v is not None}


def queue_params(filters: Filters, settings: Settings, limit: int, offset: int) -> dict[str, Any]:
    return {
        "near_miss": max(0.0, settings.pending_threshold - NEAR_MISS_BELOW_PENDING),
        "tier": filters.tier,
        "cap": filters.cap,
        "author": filters.author,
        "series": filters.series,
        "min_confidence": filters.min_confidence,
        "max_confidence": filters.max_confidence,
        "sort": filters.sort,
        "limit": limit,
        "offset": offset,
    }


@dataclass
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    counts: dict[str, int]
    filters: Filters
    pages: int


def queue_page(con: duckdb.DuckDBPyConnection, settings: Settings, filters: Filters) -> QueuePage:
    offset = (filters.page - 1) * PAGE_SIZE
    rows = fetch_dicts(con, load_sql("web_queue"), queue_params(filters, settings, PAGE_SIZE, offset))
    first = rows[0] if rows else {}
    total = int(first.get("total") or 0)
    counts = {
        "all": int(first.get("all_total") or 0),
        "pending": int(first.get("pending_total") or 0),
        "reject": int(first.get("near_miss_total") or 0),
    }
    return QueuePage(rows, total, counts, filters, max(1, -(-total // PAGE_SIZE)))


def queue_item_ids(con: duckdb.DuckDBPyConnection, settings: Settings, filters: Filters) -> list[str]:
    """Every item the filter selects, in the page's order (what a bulk decision records)."""
    rows = con.execute(load_sql("web_queue"), queue_params(filters, settings, ALL_ROWS, 0)).fetchall()
    return [r[0] for r in rows]


def next_item(con: duckdb.DuckDBPyConnection, settings: Settings, filters: Filters, after: str) -> str | None:
    """The item after `after` in the filtered queue (the first one when `after` has left the queue)."""
    ids = queue_item_ids(con, settings, filters)
    if after in ids:
        i = ids.index(after)
        rest = ids[i + 1 :] or ids[:i]
        return rest[0] if rest else None
    return ids[0] if ids else None


def selection_digest(matches: list[dict[str, Any]]) -> str:
    """A digest of exactly what a bulk decision would record (items, books, evidence): the confirmation
    is for this selection, and a changed queue is refused rather than decided unseen."""
    h = hashlib.sha256()
    for m in matches:
        h.update(
            f"{m['item_id']}|{m['book_id']}|{m['edition_id']}|{m['tier']}|{m['evidence_hash']}\n".encode()
        )
    return h.hexdigest()[:32]
