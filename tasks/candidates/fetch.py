"""A whole candidates run over the items whose evidence changed, and the one-item search listen asks for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import duckdb

from tasks.aio import run_async
from tasks.candidates.items import ItemQuery, load_items
from tasks.candidates.state import MAX_UNREACHABLE, FetchState, Unreachable
from tasks.candidates.store import write_candidates
from tasks.candidates.strategies import (
    author_phase,
    hydrate,
    identifier_phase,
    needs_more,
    search_one,
    search_phase,
    title_asks,
    title_phase,
)
from tasks.hardcover.cache import HcCache
from tasks.hardcover.client import HardcoverClient
from tasks.hardcover.errors import BudgetExhausted
from tasks.normalise import split_title
from tasks.settings import Settings
from tasks.warehouse import connect, load_sql, now

# Plain counts, in the order `runs.counts` lists them (requests follow: the total, then by strategy).
_COUNTS = (
    "items",
    "items_done",
    "items_with_candidates",
    "candidates",
    "skipped_unchanged",
    "errors",
    "stopped_by_budget",
    "stopped_unreachable",
)


@dataclass
class FetchSummary:
    items: int = 0
    items_done: int = 0
    items_with_candidates: int = 0
    candidates: int = 0
    stopped_by_budget: int = 0
    stopped_unreachable: int = 0
    errors: int = 0
    message: str | None = None
    requests: dict[str, int] = field(default_factory=dict)  # root fields billed, per strategy
    cache_hits: dict[str, int] = field(default_factory=dict)
    http_requests: int = 0
    budget_left: int | None = None
    skipped_unchanged: int = 0

    @property
    def requests_total(self) -> int:
        return sum(self.requests.values())

    def counts(self) -> dict[str, Any]:
        """The run's counts as `runs.counts` records them (requests: the total and by strategy)."""
        return {
            **{k: getattr(self, k) for k in _COUNTS},
            "requests": self.requests_total,
            "requests_by_strategy": self.requests,
            "http_requests": self.http_requests,
            "budget_left": self.budget_left,
        }


async def fetch_async(
    con: duckdb.DuckDBPyConnection,
    client: HardcoverClient,
    items: list[ItemQuery],
    run_id: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> FetchSummary:
    """Candidates for `items`, strategy by strategy; `on_progress(done, total)` counts items resolved.

    An item is resolved when a strategy pass leaves nothing more to ask for it (identifiers, then
    author books) or its title-search group is hydrated; a budget stop leaves the count short.
    """
    total = len(items)

    def resolved(done: int) -> None:
        if on_progress is not None:
            on_progress(done, total)

    resolved(0)
    known_rows = con.execute(
        load_sql("hc_known_books"), [now() - timedelta(days=client.cache.ttl_days if client.cache else 30.0)]
    ).fetchall()
    state = FetchState(con, client, run_id, known={r[0] for r in known_rows})
    summary = FetchSummary(items=len(items))
    titles: dict[int, tuple[str, str | None]] = {}
    finished: list[str] = []
    try:
        await identifier_phase(state, items)
        hit_ids = sorted({c.book_id for cands in state.found.values() for c in cands.values()})
        for book_id, title, subtitle in con.execute(load_sql("hc_book_titles"), [hit_ids]).fetchall():
            titles[book_id] = (title or "", subtitle)
        need_authors = [it for it in items if needs_more(state, it, titles)]
        resolved(total - len(need_authors))
        await author_phase(state, need_authors, titles)
        need_titles = [it for it in need_authors if needs_more(state, it, titles)]
        await title_phase(state, title_asks(state, items, titles), titles)
        need_search = [it for it in need_titles if needs_more(state, it, titles)]
        searched = {it.item_id for it in need_search}
        finished = [it.item_id for it in items if it.item_id not in searched]
        resolved(len(finished))
        progress_so_far = len(finished)

        def group_done(n: int) -> None:
            nonlocal progress_so_far
            progress_so_far += n
            resolved(progress_so_far)

        finished += await search_phase(state, need_search, group_done)
    except BudgetExhausted as exc:
        remaining = len(items) - len([i for i in finished if i not in state.failed])
        summary.stopped_by_budget = remaining
        summary.message = exc.with_items(remaining).describe()
    except Unreachable as exc:
        remaining = len(items) - len([i for i in finished if i not in state.failed])
        summary.stopped_unreachable = remaining
        summary.message = (
            f"Stopped: Hardcover did not answer {MAX_UNREACHABLE} requests in a row ({exc}); {remaining} items "
            "remain. Check SHELFMATCH_HARDCOVER_URL and the network, then run fetch_candidates again "
            "(responses already fetched are not asked again)."
        )
    finished_ok = set(finished) - state.failed  # once, not once per item
    done = [it for it in items if it.item_id in finished_ok]
    write = {it.item_id: state.found.get(it.item_id, {}) for it in done}
    # After a budget stop, candidates are written but items are not marked done, so the next run
    # rebuilds the same batches (all cache hits) instead of new ones that would ask again.
    stopped = summary.stopped_by_budget or summary.stopped_unreachable
    summary.candidates = write_candidates(con, write, run_id, status_for=None if stopped else done)
    summary.items_done = len(done)
    summary.items_with_candidates = sum(1 for cands in write.values() if cands)
    summary.errors = state.errors
    summary.requests = dict(client.stats.root_fields)
    summary.cache_hits = dict(client.stats.cache_hits)
    summary.http_requests = client.stats.http_requests
    summary.budget_left = (
        int(client.budget.daily.remaining) if client.budget.daily.remaining is not None else None
    )
    return summary


def fetch_candidates_for(
    db_path: str,
    settings: Settings,
    item_ids: list[str] | None = None,
    max_requests: int | None = None,
    run_id: str | None = None,
    client_options: dict[str, Any] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> FetchSummary:
    """The whole fetch for the items needing it (evidence changed or never fetched).

    `client_options` go to `HardcoverClient` (e.g. a retry `policy`); `on_progress(done, total)`
    counts items resolved (total: the items needing a fetch; (0, 0) when none do).
    """
    with connect(db_path) as con:
        all_items = load_items(con, item_ids, include_done=True)
        items = [it for it in all_items if not it.done]

        async def go() -> FetchSummary:
            cache = HcCache(con, settings.hardcover_cache_ttl_days, run_id, preload_keys=True)
            options = client_options or {}
            async with HardcoverClient.from_settings(
                settings, cache=cache, max_requests=max_requests, **options
            ) as client:
                return await fetch_async(con, client, items, run_id, on_progress)

        if not items and on_progress is not None:
            on_progress(0, 0)
        summary = run_async(go()) if items else FetchSummary()
        summary.skipped_unchanged = len(all_items) - len(items)
        return summary


def search_for_item(
    item_id: str,
    title: str | None,
    author: str | None = None,
    db_path: str | None = None,
    settings: Settings | None = None,
    run_id: str | None = None,
) -> list[int]:
    """A targeted search (e.g. from spoken credits, by the listen flow): adds 'transcript_search'
    candidates for one item, hydrated, and returns their book ids. One search request at most."""
    settings = settings or Settings()
    db_path = str(db_path or settings.duckdb_path)
    query = (split_title(title).title or title) if title else author
    if not query:
        return []
    with connect(db_path) as con:
        item = ItemQuery(item_id, [title] if title else [], [author] if author else [])
        rows = load_items(con, [item_id], include_done=True)
        if rows:
            item.duration, item.series = rows[0].duration, rows[0].series

        async def go() -> list[int]:
            cache = HcCache(con, settings.hardcover_cache_ttl_days, run_id)
            async with HardcoverClient.from_settings(settings, cache=cache) as client:
                cutoff = now() - timedelta(days=settings.hardcover_cache_ttl_days)
                known = {r[0] for r in con.execute(load_sql("hc_known_books"), [cutoff]).fetchall()}
                state = FetchState(con, client, run_id, known=known)
                picks = await search_one(state, item, query, "transcript_search")
                await hydrate(state, picks, lambda ids: [item_id])
                write_candidates(con, {item_id: state.found.get(item_id, {})}, run_id, mode="add")
                return picks

        return run_async(go())
