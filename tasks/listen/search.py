"""Looking the spoken book up in Hardcover, within a per-item request cap.

When the transcript names a book that none of the item's candidates is, the catalogue is asked, cheapest
and most exact first, stopping as soon as a candidate is identified by containment:

1. every spoken name (author credits, and the name-like spans of "<Author>, <Title>") in one
   `books_by_authors` lookup — the author's books that the transcript contains become candidates;
2. every spoken title span, in a few spellings, in one exact `books_by_titles` lookup;
3. a title search for the best title spans (then one hydration of the picks).

Each lookup and search costs one Hardcover request; the item's client stops at
`listen_search_requests_per_item` (a lookup that would pass it is not sent), and the flow stops
searching for the run at `listen_search_requests_per_run`, inside the daily budget the client enforces.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.listen.credits import Credits
from tasks.listen.phrases import phrase_containment

if TYPE_CHECKING:
    import duckdb

    from tasks.listen.item import ListenResult
    from tasks.settings import Settings

log = logging.getLogger(__name__)

# A book of a spoken author is a candidate only when the transcript holds most of its title.
_AUTHOR_BOOK_TITLE = 0.6
_KEEP_PER_LOOKUP = 8


class SearchFailed(Exception):
    """The targeted search raised (budget, auth, network); the listen result itself stands."""


@dataclass
class SearchOutcome:
    searched: bool = False
    requests: int = 0  # Hardcover requests sent (cache hits are free)
    strategies: tuple[str, ...] = ()


def search_available(settings: Settings) -> bool:
    """Targeted search needs a Hardcover token (checked once per run)."""
    if not settings.hardcover_key():
        log.warning("no targeted search: no Hardcover token (SHELFMATCH_HARDCOVER_TOKEN)")
        return False
    return True


def _name_forms(credits: Credits) -> list[str]:
    from tasks.candidates.titles import name_variants

    names = list(dict.fromkeys(credits.authors + credits.name_spans))
    return list(dict.fromkeys(v for n in names for v in name_variants(n)))[:100]


def _title_forms(credits: Credits) -> list[str]:
    from tasks.candidates.titles import title_forms

    spans = list(dict.fromkeys(([credits.title] if credits.title else []) + credits.title_spans))
    return list(dict.fromkeys(f for s in spans for f in title_forms(s)))[:100]


def lookup_spoken_book(
    db_path: Path | str,
    run_id: str,
    item_id: str,
    credits: Credits,
    transcript: str,
    max_requests: int,
    settings: Settings,
    identified: Callable[[duckdb.DuckDBPyConnection], bool],
) -> SearchOutcome:
    """Ask Hardcover for the spoken book (names, exact titles, then a title search) within
    `max_requests`; `identified(con)` is called after each step that added candidates and stops the
    plan when it returns True. The daily budget running out raises `BudgetExhausted`."""
    from tasks.aio import run_async
    from tasks.candidates.items import ItemQuery
    from tasks.candidates.state import FetchState
    from tasks.candidates.store import Cand, write_candidates
    from tasks.candidates.strategies import AUTHOR_PAGE, hydrate, search_one
    from tasks.hardcover.cache import HcCache
    from tasks.hardcover.client import HardcoverClient
    from tasks.warehouse import connect, load_sql, now

    outcome = SearchOutcome()
    if max_requests <= 0 or not (credits.title or credits.authors or credits.name_spans):
        return outcome
    strategies: list[str] = []

    def keep_contained(state: FetchState, books: list[dict[str, Any]], floor: float) -> int:
        scored = []
        for b in books:
            sim = phrase_containment(b.get("title") or "", transcript)
            if sim >= floor:
                scored.append((sim, b["id"]))
        scored.sort(reverse=True)
        for sim, book_id in scored[:_KEEP_PER_LOOKUP]:
            state.add(item_id, Cand(book_id, "transcript_search", round(100 * sim, 1)))
        return len(scored[:_KEEP_PER_LOOKUP])

    with connect(db_path, migrate_schema=False) as con:

        async def go() -> None:
            cache = HcCache(con, settings.hardcover_cache_ttl_days, run_id)
            async with HardcoverClient.from_settings(
                settings, cache=cache, max_requests=max_requests
            ) as client:
                cutoff = now() - timedelta(days=settings.hardcover_cache_ttl_days)
                known = {r[0] for r in con.execute(load_sql("hc_known_books"), [cutoff]).fetchall()}
                state = FetchState(con, client, run_id, known=known)

                def flush() -> bool:
                    if not state.found.get(item_id):
                        return False
                    write_candidates(con, {item_id: state.found[item_id]}, run_id, mode="add")
                    outcome.searched = True
                    return identified(con)

                def left() -> int:
                    return max_requests - client.budget.sent

                try:
                    names = _name_forms(credits)
                    if names and left() >= 1:
                        strategies.append("spoken_names")
                        [books] = await client.batch(
                            "books_by_authors", [{"names": names, "limit": AUTHOR_PAGE, "offset": 0}]
                        )
                        state.keep(books)
                        if keep_contained(state, books, _AUTHOR_BOOK_TITLE) and flush():
                            return
                    titles = _title_forms(credits)
                    if titles and left() >= 1:
                        strategies.append("spoken_titles")
                        [books] = await client.batch(
                            "books_by_titles", [{"titles": titles, "limit": 50, "offset": 0}]
                        )
                        state.keep(books)
                        if keep_contained(state, books, 0.0) and flush():
                            return
                    picks: list[int] = []
                    spans = list(
                        dict.fromkeys(([credits.title] if credits.title else []) + credits.title_spans)
                    )
                    for span in spans:
                        if left() < 2:  # a search needs a hydration after it
                            break
                        strategies.append("search")
                        query = ItemQuery(item_id, [span], credits.authors[:1])
                        picks += await search_one(state, query, span, "transcript_search")
                    if picks:
                        await hydrate(state, picks, lambda ids: [item_id])
                        flush()
                finally:
                    outcome.requests = client.budget.sent

        run_async(go())
    outcome.strategies = tuple(strategies)
    return outcome


def follow_up(
    db_path: Path | str,
    run_id: str,
    result: ListenResult,
    search_enabled: bool = True,
    max_requests: int = 0,
    settings: Settings | None = None,
    credits: Credits | None = None,
) -> tuple[list[Any] | None, SearchOutcome]:
    """After listening: if credits were heard but no candidate is identified, look the spoken book up
    and judge the transcript again against the enlarged candidate list. Returns the item's candidates
    after a lookup (None when none was made) and what it cost; raises SearchFailed (with the reason)
    when the lookup itself failed. `credits` (default: the plain hearing's) are what is looked up. The warehouse is
    already migrated (the listen flow's, as its run started)."""
    from tasks.listen.item import evaluate, finish_verdict
    from tasks.listen.store import candidates_for
    from tasks.listen.verdict import IDENTIFIED
    from tasks.settings import get_settings
    from tasks.warehouse import connect

    credits = credits or result.credits
    if (
        not search_enabled
        or result.error_kind
        or result.verdict == IDENTIFIED
        or not (credits.title or credits.authors or credits.name_spans)
    ):
        return None, SearchOutcome()
    settings = settings or get_settings(duckdb_path=str(db_path))
    box: dict[str, list[Any]] = {}

    def identified(con: duckdb.DuckDBPyConnection) -> bool:
        box["candidates"] = candidates_for(con, [result.item_id]).get(result.item_id, [])
        if box["candidates"]:
            evaluate(result, box["candidates"])
            finish_verdict(result)
        return result.verdict == IDENTIFIED

    try:
        outcome = lookup_spoken_book(
            db_path, run_id, result.item_id, credits, result.transcript, max_requests, settings, identified
        )
    except Exception as exc:
        raise SearchFailed(
            f"item {result.item_id}: Hardcover lookup of the spoken book {credits.title!r} failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not outcome.searched:
        return None, outcome
    if "candidates" not in box:
        with connect(db_path, migrate_schema=False) as con:
            identified(con)
    return box.get("candidates"), outcome
