"""An Audiobookshelf custom metadata provider backed by shelfmatch (ABS 2.36's `GET <url>/search`).

ABS applies a custom provider's FIRST result without any check (Quick Match, "Match all books"), so the
answer is shaped for that:

- `/abs/search` (the provider to make a library's default): at most one book, and only one shelfmatch
  is sure of — an approved decision for the item's current evidence, or an `auto`-tier match (confidence
  at or above the auto threshold, no cap). Anything less answers `{"matches": []}`: Quick Match then
  leaves the item alone.
- `/abs/browse/search` (a second provider for the Match dialog's manual search, which a person inspects
  before applying): the candidates ranked by shelfmatch's confidence, the sure one first. A request that
  carries `isbn` comes from Quick Match (ABS 2.36's manual search never sends it),
  so it gets the sure-only answer here too.

Which book: the query (title, author, ISBN as ABS sends them) is looked up in the warehouse first — ABS
items by ISBN, by the title ABS shows or any evidence title (what listening heard included) and author —
and answered from their matches, decisions and scored candidates. A query that names no known item is
scored like an item of its own against Hardcover books: those the warehouse has with that title, plus a
budgeted lookup (ISBN, else one title search) through the project's cached client when a Hardcover token
is configured.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from tasks.hardcover.errors import HardcoverError
from tasks.settings import Settings
from tasks.warehouse import fetch_dicts, load_sql
from tasks.writeback.plan import choose_edition, target_rows, target_values

log = logging.getLogger(__name__)
MAX_MATCHES = 10
LOOKUP_MAX_REQUESTS = 3  # root fields one unknown query may spend (identifiers + search + hydrate)
_ISBN_RE = re.compile(r"[^0-9X]")


@dataclass
class Ranked:
    book_id: int
    edition_id: int | None
    confidence: float
    sure: bool


def _norm(value: str | None) -> str | None:
    value = " ".join((value or "").split()).lower()
    return value or None


def _isbn(value: str | None) -> str | None:
    value = _ISBN_RE.sub("", (value or "").upper())
    return value if len(value) in (10, 13) else None


def known_items(
    con: duckdb.DuckDBPyConnection, title: str, author: str | None, isbn: str | None
) -> list[str]:
    """Items the query names: by ABS's own title or ISBN first (what Quick Match sends), else by evidence;
    with an author, only items whose ABS authors ("A, B") or evidence name that author."""
    params = {"title": _norm(title), "isbn": _isbn(isbn)}
    rows = con.execute(load_sql("web_provider_title_items"), params).fetchall()
    if not rows:
        rows = con.execute(load_sql("web_provider_evidence_items"), params).fetchall()
    wanted = _norm(author)
    if wanted is None or not rows:
        return [r[0] for r in rows]
    ok = {item_id for item_id, authors in rows if authors == wanted}
    others = [item_id for item_id, _ in rows if item_id not in ok]
    if others:
        found = con.execute(load_sql("web_provider_author_evidence"), {"item_ids": others, "author": wanted})
        ok |= {r[0] for r in found.fetchall()}
    return [item_id for item_id, _ in rows if item_id in ok]


def rank_known(con: duckdb.DuckDBPyConnection, item_ids: list[str]) -> list[Ranked]:
    """Candidates of the named items, best first; `sure` only for the book every named item is sure of.

    An item is sure of a book when a person approved it for the current evidence, or when its match is
    auto-tier and no decision overrides it; a current reject is sure of nothing.
    """
    rows = fetch_dicts(con, load_sql("web_provider_matches"), {"item_ids": item_ids})
    sure: dict[str, tuple[int, int | None] | None] = {}
    best: dict[int, Ranked] = {}
    for r in rows:
        if r["item_id"] not in sure:
            if r["decision"] == "approve" and r["decision_current"] and r["decided_book_id"] is not None:
                sure[r["item_id"]] = (r["decided_book_id"], r["decided_edition_id"])
            elif r["decision"] is None and r["tier"] == "auto" and r["match_book_id"] is not None:
                sure[r["item_id"]] = (r["match_book_id"], r["match_edition_id"])
            else:
                sure[r["item_id"]] = None
        if r["book_id"] is not None and (
            r["book_id"] not in best or best[r["book_id"]].confidence < r["confidence"]
        ):
            best[r["book_id"]] = Ranked(r["book_id"], r["edition_id"], float(r["confidence"]), False)
    chosen = set(sure.values())
    ranked = sorted(best.values(), key=lambda c: (-c.confidence, c.book_id))
    only = next(iter(chosen)) if len(chosen) == 1 else None
    if only is not None:
        (book_id, edition_id) = only
        top = best.get(book_id) or Ranked(book_id, edition_id, 1.0, True)
        top = Ranked(book_id, edition_id if edition_id is not None else top.edition_id, top.confidence, True)
        ranked = [top] + [c for c in ranked if c.book_id != book_id]
    return ranked


def score_query(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    title: str,
    author: str | None,
    isbn: str | None,
    book_ids: list[int],
) -> list[Ranked]:
    """Score the query as an item of its own (its title, author and ISBN as ABS evidence) against books."""
    from tasks.scoring import Thresholds, load_model, score_and_choose
    from tasks.scoring.prepare import book_frame, item_frame

    if not book_ids:
        return []
    pid = "abs-query:" + hashlib.sha256(f"{title}|{author}|{isbn}".encode()).hexdigest()[:16]
    values = [("title", title)] + [("author", author)] * bool(author) + [("isbn", isbn)] * bool(isbn)
    evidence = pl.DataFrame(
        {
            "item_id": [pid] * len(values),
            "source": ["abs"] * len(values),
            "field": [f for f, _ in values],
            "value": [v for _, v in values],
            "ordinal": [0] * len(values),
            "rule": [""] * len(values),
        }
    )
    items = item_frame(
        evidence,
        pl.DataFrame({"item_id": [pid], "duration": [None]}, schema_overrides={"duration": pl.Float64}),
    )
    pairs = pl.DataFrame({"book_id": book_ids}, schema={"book_id": pl.Int64})
    cur = con.cursor()  # its own: a lookup just before may leave a result pending on `con`
    try:
        cur.register("pairs", pairs)
        t = {
            name: cur.sql(load_sql(f"score_{name}")).pl()
            for name in ("books", "editions", "contributions", "series")
        }
    finally:
        cur.close()
    books = book_frame(t["books"], t["editions"], t["contributions"], t["series"])
    candidates = pl.DataFrame(
        {
            "item_id": [pid] * len(book_ids),
            "book_id": book_ids,
            "edition_id": [None] * len(book_ids),
            "strategy": ["search"] * len(book_ids),
        },
        schema={"item_id": pl.String, "book_id": pl.Int64, "edition_id": pl.Int64, "strategy": pl.String},
    )
    thresholds = Thresholds(settings.auto_threshold, settings.pending_threshold, settings.runner_up_margin)
    scored, matches = score_and_choose(candidates, items, books, [pid], load_model(), thresholds)
    match = matches.row(0, named=True) if matches.height else {}
    # The query is ABS's metadata and nothing else; `metadata_only` (that metadata may be an earlier wrong
    # match) asks whether the *item* is this book, which a query cannot tell either way: answering the
    # book its own metadata names confirms what ABS holds.
    caps = set(match.get("caps") or []) - {"metadata_only"}
    confident = (match.get("confidence") or 0.0) >= settings.auto_threshold
    sure = match.get("tier") == "auto" or (match.get("tier") == "pending" and confident and not caps)
    sure_book = match.get("book_id") if sure else None
    ranked = [
        Ranked(int(r["book_id"]), r.get("edition_id"), float(r["confidence"]), int(r["book_id"]) == sure_book)
        for r in scored.sort("confidence", descending=True).iter_rows(named=True)
    ]
    return sorted(ranked, key=lambda c: (not c.sure, -c.confidence, c.book_id))


async def lookup_books(
    con: duckdb.DuckDBPyConnection, settings: Settings, title: str, author: str | None, isbn: str | None
) -> list[int]:
    """Hardcover books for a query no ABS item has: ISBN lookup, else one title search, hydrated — through
    the project's client, its cache and its budget (at most LOOKUP_MAX_REQUESTS root fields)."""
    from datetime import timedelta

    from tasks.candidates.items import ItemQuery
    from tasks.candidates.state import FetchState
    from tasks.candidates.strategies import hydrate, identifier_phase, search_one
    from tasks.hardcover.cache import HcCache
    from tasks.hardcover.client import HardcoverClient
    from tasks.warehouse import now

    item = ItemQuery("abs-query", [title], [author] if author else [], isbns=[isbn] if isbn else [])
    async with HardcoverClient.from_settings(
        settings, cache=HcCache(con, settings.hardcover_cache_ttl_days), max_requests=LOOKUP_MAX_REQUESTS
    ) as client:
        cutoff = now() - timedelta(days=settings.hardcover_cache_ttl_days)
        known = {r[0] for r in con.execute(load_sql("hc_known_books"), [cutoff]).fetchall()}
        state = FetchState(con, client, None, known=known)
        if isbn:
            await identifier_phase(state, [item])
        if not state.found.get(item.item_id):
            picks = await search_one(state, item, title, "search")
            await hydrate(state, picks, lambda ids: [item.item_id])
    return sorted(state.found.get(item.item_id, {}))


def abs_match(target: dict[str, Any], image_url: str | None, audio_seconds: float | None) -> dict[str, Any]:
    """One book in ABS's custom-provider shape: strings, author/narrator as "A, B", series as
    [{series, sequence}], genres as a list, cover as a URL, duration in whole minutes; empty values left out."""
    out: dict[str, Any] = {
        "title": target.get("title"),
        "subtitle": target.get("subtitle"),
        "author": ", ".join(target.get("authors") or []) or None,
        "narrator": ", ".join(target.get("narrators") or []) or None,
        "publisher": target.get("publisher"),
        "publishedYear": target.get("published_year"),
        "description": target.get("description"),
        "cover": (target.get("cover") or {}).get("url") or image_url or None,
        "isbn": target.get("isbn"),
        "asin": target.get("asin"),
        "genres": list(target.get("genres") or []) or None,
        "series": [
            {"series": s["name"], **({"sequence": str(s["sequence"])} if s.get("sequence") else {})}
            for s in target.get("series") or []
            if s.get("name")
        ]
        or None,
        "language": target.get("language"),
        "duration": round(audio_seconds / 60) if audio_seconds else None,
    }
    return {k: v for k, v in out.items() if v is not None and v != ""}


def to_matches(con: duckdb.DuckDBPyConnection, ranked: list[Ranked]) -> list[dict[str, Any]]:
    """The ranked books in ABS's shape; the values are the writeback plan's (`target_values`, same edition
    choice), read with queries that touch only these books."""
    books, editions = target_rows(con, [c.book_id for c in ranked])
    out = []
    for c in ranked:
        book = books.get(c.book_id)
        if book is None or not book.get("title"):
            continue  # a book the warehouse does not hold: nothing to answer with
        edition = choose_edition(editions.get(c.book_id, []), c.edition_id)
        seconds = (edition or {}).get("audio_seconds") or book.get("audio_seconds")
        out.append(abs_match(target_values(book, edition), book.get("image_url"), seconds))
    return out


async def search(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    query: str,
    author: str | None = None,
    isbn: str | None = None,
    browse: bool = False,
) -> list[dict[str, Any]]:
    """The `matches` of ABS's custom-provider search (see the module docstring for the rule)."""
    sure_only = not browse or bool(isbn)
    items = known_items(con, query, author, isbn)
    if items:
        ranked = rank_known(con, items)
    else:
        books = [
            r[0]
            for r in con.execute(load_sql("web_provider_title_books"), {"title": _norm(query)}).fetchall()
        ]
        if settings.hardcover_token.get_secret_value():
            try:
                books = sorted(
                    set(books) | set(await lookup_books(con, settings, query, author, _isbn(isbn)))
                )
            except (
                HardcoverError
            ) as exc:  # budget spent, token refused, Hardcover down: answer from the warehouse
                log.warning(
                    "ABS provider: Hardcover lookup for %r failed (%s); answering from the warehouse",
                    query,
                    exc,
                )
        ranked = score_query(con, settings, query, author, _isbn(isbn), books)
    if sure_only:
        ranked = [c for c in ranked[:1] if c.sure]
    return to_matches(con, ranked[:MAX_MATCHES])
