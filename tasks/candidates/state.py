"""What a candidates run knows (books stored, candidates found, items failed) and how it sends lookups."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import duckdb

from tasks.candidates.store import STRATEGY_ORDER, Cand, store_books
from tasks.hardcover.client import HardcoverClient
from tasks.hardcover.errors import BudgetExhausted, HardcoverAuthError, HardcoverError, HardcoverUnavailable
from tasks.warehouse import record_error

FLOW = "fetch_candidates"
MAX_UNREACHABLE = 3  # requests in a row that found no server (each after its own retries) end the run
T = TypeVar("T")


class Unreachable(HardcoverError):
    """Hardcover did not answer several requests in a row: stop this run, resume on the next."""


@dataclass
class FetchState:
    con: duckdb.DuckDBPyConnection
    client: HardcoverClient
    run_id: str | None
    known: set[int]  # books stored (fresh) — never hydrated again
    found: dict[str, dict[int, Cand]] = field(default_factory=lambda: defaultdict(dict))
    failed: set[str] = field(default_factory=set)
    errors: int = 0
    unreachable_streak: int = 0
    flow: str = FLOW  # the flow a failed request's error is recorded under

    def add(self, item_id: str, cand: Cand) -> None:
        old = self.found[item_id].get(cand.book_id)
        if old is None or (STRATEGY_ORDER[cand.strategy], -cand.score) < (
            STRATEGY_ORDER[old.strategy],
            -old.score,
        ):
            self.found[item_id][cand.book_id] = cand

    def ok(self) -> None:
        self.unreachable_streak = 0

    def fail(self, item_ids: list[str], exc: Exception, what: str) -> None:
        """A request failed: its items are not finished this run (retried next run), with a reason.

        When Hardcover stays unreachable for MAX_UNREACHABLE requests in a row, raise Unreachable:
        going on would only spend minutes in backoff for every remaining batch.
        """
        for item_id in item_ids:
            if item_id not in self.failed:
                self.failed.add(item_id)
                record_error(
                    self.con,
                    self.run_id,
                    self.flow,
                    item_id,
                    "hardcover_request",
                    f"{what} failed: {exc}",
                    {"error": type(exc).__name__},
                )
                self.errors += 1
        if isinstance(exc, HardcoverUnavailable):
            self.unreachable_streak += 1
            if self.unreachable_streak >= MAX_UNREACHABLE:
                raise Unreachable(str(exc))

    def keep(self, books: list[dict[str, Any]]) -> None:
        fresh = [b for b in books if b.get("id") is not None]
        store_books(self.con, fresh)
        self.known.update(b["id"] for b in fresh)


def in_chunks(values: list[T], n: int) -> list[list[T]]:
    return [values[i : i + n] for i in range(0, len(values), n)]


async def packed(
    state: FetchState,
    name: str,
    per_field: list[dict[str, Any]],
    on_result: Callable[[int, Any], None],
    item_ids_of: Callable[[int], list[str]],
    what: str,
) -> None:
    """Send `per_field` lookups five to a request; on a failed request, fail its items and go on."""
    for start in range(0, len(per_field), 5):
        group = per_field[start : start + 5]
        try:
            results = await state.client.batch(name, group)
        except (BudgetExhausted, HardcoverAuthError):
            raise
        except HardcoverError as exc:
            state.fail([i for k in range(len(group)) for i in item_ids_of(start + k)], exc, what)
            continue
        state.ok()
        for k, result in enumerate(results):
            on_result(start + k, result)


async def paged(
    state: FetchState,
    name: str,
    key: str,
    items_of: dict[str, list[str]],
    per_field: int,
    page: int,
    titles: dict[int, tuple[str, str | None]],
    on_books: Callable[[list[dict[str, Any]]], None],
    what: str,
) -> None:
    """Every page of `name` for the values in `items_of` (value → the items asking for it).

    The values go `per_field` to a root field (as the variable `key`), five root fields to a request;
    a full page asks for the next one in a later request. Each page's books are stored, their titles
    noted in `titles`, then handed to `on_books`; a failed request fails the items of its values.
    """
    chunks = in_chunks(sorted(items_of), per_field)
    queue = [(i, 0) for i in range(len(chunks))]  # (chunk, offset); full pages enqueue the next
    pos = 0
    while pos < len(queue):
        group = queue[pos : pos + 5]
        pos += len(group)
        lookups = [{key: chunks[i], "limit": page, "offset": off} for i, off in group]

        def on_result(k: int, books: list[dict[str, Any]], group: list[tuple[int, int]] = group) -> None:
            state.keep(books)
            for b in books:
                titles[b["id"]] = (b.get("title") or "", b.get("subtitle"))
            on_books(books)
            if len(books) >= page:  # a full page: there may be more
                i, off = group[k]
                queue.append((i, off + page))

        def item_ids_of(k: int, group: list[tuple[int, int]] = group) -> list[str]:
            return sorted({x for v in chunks[group[k][0]] for x in items_of[v]})

        await packed(state, name, lookups, on_result, item_ids_of, what)
