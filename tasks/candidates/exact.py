"""Exact `_in` lookups (author names, titles) whose answers are remembered value by value.

A bulk lookup packs a hundred values into one root field, so its cached response is found again only
for the very same hundred. Each value's share of the answer — its books, or none — is therefore also
stored as the answer to the one-value query: a later run asking for some of the same values (another
mix of items, an item heard again) sends only the values never asked, and "nothing found" is not
asked twice either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from tasks.candidates.state import FetchState, paged
from tasks.hardcover.queries import cache_key, load_query
from tasks.hardcover.root_fields import root_field_names

Book = dict[str, Any]


def author_names(book: Book) -> list[str]:
    """The names a `contributions.author.name` `_in` lookup matches a book by."""
    return [
        (c.get("author") or {}).get("name") or ""
        for c in book.get("contributions") or []
        if (c.get("author") or {}).get("name")
    ]


def book_title(book: Book) -> list[str]:
    """The title a `title` `_in` lookup matches a book by."""
    return [book.get("title") or ""]


def _one_value(name: str, key: str, value: str, page: int) -> tuple[str, str, dict[str, Any]]:
    query = load_query(name)
    variables = {key: [value], "limit": page, "offset": 0}
    return cache_key(query, variables), query, variables


OneValue = Callable[[str], tuple[str, str, dict[str, Any]]]  # value -> (cache key, query, variables)


def remembered(state: FetchState, name: str, values: Iterable[str], one_value: OneValue) -> dict[str, Any]:
    """The values of `values` answered before (within the cache TTL) → the root field's answer as
    the one-value query `one_value` makes was remembered; the others are absent."""
    cache = state.client.cache
    if cache is None:
        return {}
    field = root_field_names(load_query(name))[0]
    hits = {value: cache.get(one_value(value)[0]) for value in values}
    return {value: hit.get(field) or [] for value, hit in hits.items() if hit is not None}


def remember(state: FetchState, name: str, answers: dict[str, Any], one_value: OneValue) -> None:
    """Each value's share of answers already paid for, stored as the answer to its one-value query
    (billed nothing), so a later lookup in another mix of values finds it."""
    cache = state.client.cache
    if cache is None or not answers:
        return
    field = root_field_names(load_query(name))[0]
    cache.remember(
        [
            (k, name, q, v, {field: found})
            for value, found in answers.items()
            for k, q, v in [one_value(value)]
        ]
    )


async def exact_lookup(
    state: FetchState,
    name: str,
    key: str,
    items_of: dict[str, list[str]],
    matched_by: Callable[[Book], Iterable[str]],
    per_field: int,
    page: int,
    what: str,
) -> dict[str, list[Book]]:
    """Each value of `items_of` (value → the items asking) → the books `name` finds for it exactly.

    Values answered before (within the cache TTL) cost nothing; the rest go in bulk through `paged`
    (per_field values to a root field, five root fields to a request, every page). A value is
    answered only when every request carrying it succeeded; the values of a failed request are left
    out (their items are in `state.failed`).
    """

    def one_value(value: str) -> tuple[str, str, dict[str, Any]]:
        return _one_value(name, key, value, page)

    answers: dict[str, list[Book]] = remembered(state, name, items_of, one_value)
    todo = {value: item_ids for value, item_ids in items_of.items() if value not in answers}
    if answers:  # stored again as fresh as they are; hydration and the caller need them known
        state.client.stats.cache_hits[name] += -(-len(answers) // per_field)  # root fields not sent
        state.keep(list({b["id"]: b for books in answers.values() for b in books}.values()))
    if not todo:
        return answers
    found: dict[str, dict[int, Book]] = defaultdict(dict)

    def on_books(books: list[Book]) -> None:
        for b in books:
            for value in set(matched_by(b)):
                if value in todo:
                    found[value][b["id"]] = b

    await paged(state, name, key, todo, per_field, page, {}, on_books, what)
    fresh = {
        value: sorted(found[value].values(), key=lambda b: b["id"])[:page]
        for value, item_ids in todo.items()
        if not state.failed.intersection(item_ids)
    }
    remember(state, name, fresh, one_value)
    answers.update(fresh)
    return answers
