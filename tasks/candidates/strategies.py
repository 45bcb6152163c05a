"""The lookups, cheapest first: identifiers, author books, exact titles, then one title search per item.

Each pass asks only for the items the passes before it left without a strong candidate; the search's
picks are hydrated (their whole book fetched) in groups, so a stopped run loses at most one group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from tasks.candidates.exact import author_names, book_title, exact_lookup, remember, remembered
from tasks.candidates.items import ItemQuery
from tasks.candidates.state import FLOW, FetchState, in_chunks, packed
from tasks.candidates.store import Cand
from tasks.candidates.titles import (
    name_variants,
    search_title,
    shorter_search,
    strong_title,
    title_forms,
    title_similarity,
    usable_titles,
)
from tasks.hardcover.errors import BudgetExhausted, HardcoverAuthError, HardcoverError
from tasks.hardcover.queries import cache_key, load_query
from tasks.identifiers import isbn_forms, normalise_asin
from tasks.normalise import name_key, normalise_series, normalise_title, split_title, title_variants
from tasks.warehouse import record_error

IDS_PER_FIELD = 100
NAMES_PER_FIELD = 100
AUTHOR_PAGE = 500
HYDRATE_PER_FIELD = 100
TITLES_PER_FIELD = 100
TITLE_PAGE = 500
SEARCH_PER_PAGE = 10
SEARCH_KEEP = 5
SEARCH_BATCH_ITEMS = 100  # searched items finished (hydrated) together
WEAK_TITLE = 80.0
# A wrong earlier match (ABS metadata of a series neighbour) is the usual way the right book hides:
# the author's other books in the item's series come along (already fetched, so free), nearest first.
SERIES_NEIGHBOURS = 10


# An identifier lookup's values, each tagged with its kind (an ASIN and an ISBN-10 may look alike):
# the query's variable it goes in and the edition field that matches it.
_ID_KINDS = {"asin": ("asins", "asin"), "isbn13": ("isbn13", "isbn_13"), "isbn10": ("isbn10", "isbn_10")}
_EDITIONS_LIMIT = 1000  # editions_by_identifiers' `limit`: a full answer may have lost some


def _identifier_value(tagged: str) -> tuple[str, str, dict[str, Any]]:
    """The one-value identifier lookup of `kind:value` (its cache key, query and variables)."""
    kind, value = tagged.split(":", 1)
    query = load_query("editions_by_identifiers")
    variables = {var: [value] if k == kind else [] for k, (var, _) in _ID_KINDS.items()}
    return cache_key(query, variables), query, variables


def _identifiers_of(items: list[ItemQuery]) -> dict[str, list[str]]:
    """Each item's identifiers as `kind:value` → the items that hold it."""
    items_of: dict[str, list[str]] = defaultdict(list)
    for it in items:
        for raw in it.asins:
            if a := normalise_asin(raw):
                items_of[f"asin:{a}"].append(it.item_id)
        for raw in it.isbns:
            i13, i10 = isbn_forms(raw)
            for kind, v in (("isbn13", i13), ("isbn10", i10)):
                if v:
                    items_of[f"{kind}:{v}"].append(it.item_id)
            if not (i13 or i10) and (a := normalise_asin(raw)):  # an ASIN filed as ISBN
                items_of[f"asin:{a}"].append(it.item_id)
    return items_of


async def identifier_phase(state: FetchState, items: list[ItemQuery]) -> None:
    """Editions by ASIN and ISBN for many items in one root field. Each identifier's editions (or
    none) are remembered as the answer to its one-value lookup: a later run that holds it in another
    mix of identifiers (the items whose evidence listening changed) asks only for the ones never
    answered."""
    name = "editions_by_identifiers"
    items_of = _identifiers_of(items)
    answers: dict[str, list[dict[str, Any]]] = remembered(state, name, items_of, _identifier_value)
    if answers:
        state.client.stats.cache_hits[name] += -(-len(answers) // IDS_PER_FIELD)  # root fields not sent
    chunks = in_chunks(sorted(v for v in items_of if v not in answers), IDS_PER_FIELD)
    per_field = [
        {
            var: [v.split(":", 1)[1] for v in c if v.startswith(f"{kind}:")]
            for kind, (var, _) in _ID_KINDS.items()
        }
        for c in chunks
    ]
    state.keep([e["book"] for editions in answers.values() for e in editions if e.get("book")])

    def on_result(i: int, editions: list[dict[str, Any]]) -> None:
        state.keep([e["book"] for e in editions if e.get("book")])
        fresh = {}
        for tagged in chunks[i]:
            kind, value = tagged.split(":", 1)
            answers[tagged] = [e for e in editions if e.get(_ID_KINDS[kind][1]) == value]
            fresh[tagged] = answers[tagged]
        if len(editions) < _EDITIONS_LIMIT:  # a full page may have left some out: not remembered
            remember(state, name, fresh, _identifier_value)

    def item_ids_of(i: int) -> list[str]:
        return sorted({x for v in chunks[i] for x in items_of[v]})

    await packed(state, name, per_field, on_result, item_ids_of, "identifier lookup")
    for tagged, editions in answers.items():
        strategy = "asin" if tagged.startswith("asin:") else "isbn"
        for e in editions:
            book_id = (e.get("book") or {}).get("id")
            if book_id is not None:
                for item_id in items_of[tagged]:
                    state.add(item_id, Cand(book_id, strategy, 100.0, e["id"]))


def needs_more(state: FetchState, it: ItemQuery, titles: dict[int, tuple[str, str | None]]) -> bool:
    """True unless a candidate already has (close to) the item's title."""
    keys = it.title_keys
    if not keys:
        return not state.found.get(it.item_id)
    return not any(
        strong_title(keys, *titles[c.book_id])
        for c in state.found.get(it.item_id, {}).values()
        if c.book_id in titles
    )


def series_neighbours(it: ItemQuery, books: list[dict[str, Any]]) -> list[tuple[float, dict[str, Any]]]:
    """The author's books in a series the item names, nearest the item's position first (at most
    SERIES_NEIGHBOURS), each with a score below any title match (50 minus the position distance)."""
    wanted = {normalise_series(s) for s in it.series} - {""}
    if not wanted:
        return []
    out = []
    for b in books:
        for bs in b.get("book_series") or []:
            if normalise_series((bs.get("series") or {}).get("name")) in wanted:
                pos = bs.get("position")
                dist = min((abs(pos - p) for p in it.positions), default=0.0) if pos is not None else 25.0
                out.append((max(0.0, 50.0 - dist), b))
                break
    out.sort(key=lambda x: (-x[0], x[1]["id"]))
    return out[:SERIES_NEIGHBOURS]


async def author_phase(
    state: FetchState, items: list[ItemQuery], titles: dict[int, tuple[str, str | None]]
) -> None:
    names_of: dict[str, list[str]] = defaultdict(list)
    for it in items:
        for raw in it.authors:
            for v in name_variants(raw):
                names_of[v].append(it.item_id)
    books_by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    answers = await exact_lookup(
        state,
        "books_by_authors",
        "names",
        names_of,
        author_names,
        NAMES_PER_FIELD,
        AUTHOR_PAGE,
        "author books lookup",
    )
    for b in {b["id"]: b for books in answers.values() for b in books}.values():
        titles[b["id"]] = (b.get("title") or "", b.get("subtitle"))
        for c in b.get("contributions") or []:
            if c.get("contribution") in (None, "Author") and (c.get("author") or {}).get("name"):
                books_by_key[name_key(c["author"]["name"])].append(b)
    for it in items:
        keys = it.title_keys
        seen: dict[int, dict[str, Any]] = {}
        for key in it.author_keys:
            for b in books_by_key.get(key, []):
                if b["id"] in seen:
                    continue
                seen[b["id"]] = b
                sim = title_similarity(keys, b.get("title") or "", b.get("subtitle"))
                if sim >= WEAK_TITLE:
                    state.add(it.item_id, Cand(b["id"], "author_books", sim))
        for score, b in series_neighbours(it, list(seen.values())):
            state.add(it.item_id, Cand(b["id"], "series_books", score))


def unfound_titles(state: FetchState, it: ItemQuery, titles: dict[int, tuple[str, str | None]]) -> list[str]:
    """The item's usable titles that no candidate has (close to). ABS metadata or tags of another book
    (a wrong earlier match) over a folder or file named for this one give a strong candidate for the
    wrong title: the folder's title is still unfound, and still worth an exact lookup."""
    have = [titles[c.book_id] for c in state.found.get(it.item_id, {}).values() if c.book_id in titles]
    # the head of another of the item's titles ('Glass' of 'Glass: Storm Glass') is that title's short
    # form, not another book
    heads = {normalise_title(p.title) for p in map(split_title, it.titles) if p.subtitle}
    return [
        t
        for t in usable_titles(it)
        if normalise_title(t) not in heads
        and not any(strong_title(list(title_variants(t)), *b) for b in have)
    ]


def title_asks(
    state: FetchState, items: list[ItemQuery], titles: dict[int, tuple[str, str | None]]
) -> list[tuple[ItemQuery, list[str]]]:
    """What the exact title lookup asks for each item: every usable title of an item without a strong
    candidate, and the unfound titles of one with a strong candidate for another of its titles, unless
    an identifier found it: a folder's short title ('Private' for 'Private Berlin') or another book's
    title in stale metadata then only brings in a rival for the book the identifier names."""
    asks = []
    for it in items:
        if needs_more(state, it, titles):
            wanted = usable_titles(it)
        elif any(c.strategy in ("asin", "isbn") for c in state.found.get(it.item_id, {}).values()):
            continue
        else:
            wanted = unfound_titles(state, it, titles)
        if wanted:
            asks.append((it, wanted))
    return asks


async def title_phase(
    state: FetchState, asks: list[tuple[ItemQuery, list[str]]], titles: dict[int, tuple[str, str | None]]
) -> None:
    """Books whose title is exactly one the item asks for (a few spellings of each), for many items in
    one request: what a title search would find first for most items that name no author the
    catalogue knows."""
    items_of: dict[str, list[str]] = defaultdict(list)
    for it, wanted in asks:
        for form in dict.fromkeys(f for title in wanted for f in title_forms(title)):
            items_of[form].append(it.item_id)
    found = await exact_lookup(
        state, "books_by_titles", "titles", items_of, book_title, TITLES_PER_FIELD, TITLE_PAGE, "title lookup"
    )
    for books in found.values():
        for b in books:
            titles[b["id"]] = (b.get("title") or "", b.get("subtitle"))
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for form, ids in items_of.items():
        for item_id in ids:
            by_item[item_id] += found.get(form, [])
    for it, _ in asks:
        for b in by_item.get(it.item_id, []):
            state.add(
                it.item_id,
                Cand(b["id"], "title", title_similarity(it.title_keys, b["title"] or "", b.get("subtitle"))),
            )


def rerank_hits(item: ItemQuery, hits: list[dict[str, Any]]) -> list[tuple[float, dict[str, Any]]]:
    """Local re-ranking of search hits by title, author, series and duration (Typesense only saw the title)."""
    keys = item.title_keys
    authors = item.author_keys
    series = {normalise_series(s) for s in item.series} - {""}
    ranked = []
    for h in hits:
        doc = h.get("document") or {}
        score = title_similarity(keys, doc.get("title") or "", doc.get("subtitle"))
        if authors and authors & {name_key(n) for n in doc.get("author_names") or []}:
            score += 30
        if series and series & {normalise_series(s) for s in doc.get("series_names") or []}:
            score += 10
        if item.duration and doc.get("audio_seconds"):
            ratio = doc["audio_seconds"] / item.duration
            score += 10 if 0.9 <= ratio <= 1.1 else 0
        ranked.append((score, doc))
    ranked.sort(key=lambda x: -x[0])
    return ranked


async def hydrate(
    state: FetchState, book_ids: list[int], item_ids_of: Callable[[list[int]], list[str]]
) -> None:
    todo = sorted({b for b in book_ids if b not in state.known})
    chunks = in_chunks(todo, HYDRATE_PER_FIELD)
    await packed(
        state,
        "books_by_ids",
        [{"ids": c} for c in chunks],
        lambda _, books: state.keep(books),
        lambda i: item_ids_of(chunks[i]),
        "hydration",
    )


async def search_one(state: FetchState, item: ItemQuery, title: str, strategy: str = "search") -> list[int]:
    """One title search for one item; the re-ranked top picks become candidates. Returns their ids.

    A long title that finds nothing is searched once more by its first words, when the budget leaves
    room for that search and a hydration after it."""
    hits = await search_hits(state, item, title)
    budget = state.client.budget
    room = budget.max_requests is None or budget.sent + 2 <= budget.max_requests
    if hits == [] and room and (shorter := shorter_search(title)):
        hits = await search_hits(state, item, shorter)
    picks = []
    for score, doc in rerank_hits(item, hits or [])[:SEARCH_KEEP]:
        book_id = int(doc["id"])
        state.add(item.item_id, Cand(book_id, strategy, score))
        picks.append(book_id)
    return picks


async def search_hits(
    state: FetchState, item: ItemQuery, text: str, operation: str = "search"
) -> list[dict[str, Any]] | None:
    """The hits of one search (counted under `operation`); None when it failed (recorded against the
    item). The search ignores case and spacing, so the query is sent in one spelling of them: "the
    Iron Meridian" heard after "The Iron Meridian" was searched is answered from the cache."""
    query = " ".join(text.lower().split())
    try:
        data = await state.client.query(
            "search_books", {"query": query, "per_page": SEARCH_PER_PAGE}, operation
        )
    except (BudgetExhausted, HardcoverAuthError):
        raise
    except HardcoverError as exc:
        state.fail([item.item_id], exc, f"search for {text!r}")
        return None
    state.ok()
    hits: list[dict[str, Any]] = ((data.get("search") or {}).get("results") or {}).get("hits") or []
    return hits


async def search_phase(
    state: FetchState, items: list[ItemQuery], on_group: Callable[[int], None] | None = None
) -> list[str]:
    """Searches in groups of SEARCH_BATCH_ITEMS, each group hydrated before the next; returns items done.

    `on_group(n)` is called as each group of n items is finished.
    """
    done: list[str] = []
    for group in in_chunks(items, SEARCH_BATCH_ITEMS):
        picks: dict[int, list[str]] = defaultdict(list)
        for it in group:
            title = search_title(it)
            if title is None:
                record_error(
                    state.con,
                    state.run_id,
                    FLOW,
                    it.item_id,
                    "no_usable_title",
                    f"no usable title (evidence has {it.titles[:3]!r}), so a title search would only spend a "
                    "Hardcover request; the listen flow can identify it from its audio, or fix the title in ABS",
                    {"titles": it.titles[:5]},
                )
                state.errors += 1
                continue
            for book_id in await search_one(state, it, title):
                picks[book_id].append(it.item_id)

        def item_ids_of(ids: list[int], picks: dict[int, list[str]] = picks) -> list[str]:
            return sorted({i for b in ids for i in picks[b]})

        await hydrate(state, list(picks), item_ids_of)
        done += [it.item_id for it in group]
        if on_group is not None:
            on_group(len(group))
    return done
