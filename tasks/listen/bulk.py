"""Looking up the spoken books of many heard items together.

Each item follows the plan of tasks/listen/search.py — its spoken names, then its spoken titles, then
a title search — but the two exact lookups are made for all the items at once: every name and title
form once however many items speak it, a hundred to a root field, five root fields to a request, each
value's answer (or "nothing found") remembered in the Hardcover cache. An item identified by what they
found stops there; only the items still unidentified search on their own, and the books their searches
pick are hydrated together.

An item is charged one request of its per-item cap for each exact lookup and hydration it takes part
in (what each would cost it alone), so the searches left to it are the ones it always had; the run's cap
bounds what is really sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.listen.credits import Credits
from tasks.listen.phrases import phrase_containment, tokens
from tasks.listen.search import (
    _AUTHOR_BOOK_TITLE,
    SearchOutcome,
    _name_forms,
    _title_forms,
    keep_contained,
)
from tasks.listen.spans import credible, search_spans, with_generic_spans
from tasks.listen.verdict import IDENTIFIED

if TYPE_CHECKING:
    import duckdb

    from tasks.candidates.items import ItemQuery
    from tasks.candidates.state import FetchState
    from tasks.listen.item import ListenResult
    from tasks.listen.verdict import Expected
    from tasks.settings import Settings


# How alike (rapidfuzz ratio) a span and a title already asked for are when searching the span would
# only find again what the title found.
_NEAR_TITLE = 88
# How much of a found book's author (or narrator) name a searched spoken name must hold to be theirs.
_NAME_ALIKE, _NAME_SPELT_ALIKE = 0.5, 60
# How much of each other (phonetic containment, both ways) a span and a title asked for hold when
# the span is that title misheard.
_SOUNDS_LIKE = 0.8


@dataclass
class Lookup:
    """One item's part in a run's lookups: what it heard, what it may still cost, what came back."""

    result: ListenResult
    credits: Credits
    cap: int  # requests of the per-item cap left to the item
    candidates: list[Expected] | None = None  # after a lookup added candidates, else None
    outcome: SearchOutcome = field(default_factory=SearchOutcome)
    error: str | None = None
    # Titles (normalised) the catalogue was asked for already: every book of such a title is known.
    looked_up: set[str] = field(default_factory=set)
    named: bool = False  # the exact name lookup found books of a spoken name that the transcript holds
    # The item's own (text) authors that the audio credits as its author: their books are all asked
    # for with the spoken names, so a title search can only bring another author's books.
    text_authors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Stage:
    strategy: str
    query: str
    key: str
    forms: Callable[[Credits], list[str]]
    matched_by: Callable[[dict[str, Any]], Iterable[str]]
    floor: float  # how much of a found book's title the transcript must hold
    per_field: int
    page: int


def wants_lookup(result: ListenResult, credits: Credits) -> bool:
    """No candidate is identified, and credits were heard or the transcript holds spans that may be
    a title or a name: the spoken book is worth asking for."""
    return _worth_asking(result, with_generic_spans(credits, result.transcript))


def _worth_asking(result: ListenResult, credits: Credits) -> bool:
    """`wants_lookup` for credits that already hold the transcript's generic spans."""
    if result.error_kind or result.verdict == IDENTIFIED:
        return False
    return bool(credits.title or credits.authors or credits.name_spans or credits.title_spans)


def _stages() -> list[_Stage]:
    from tasks.candidates.exact import author_names, book_title
    from tasks.candidates.strategies import AUTHOR_PAGE, NAMES_PER_FIELD, TITLE_PAGE, TITLES_PER_FIELD

    return [
        _Stage(
            "spoken_names",
            "books_by_authors",
            "names",
            _name_forms,
            author_names,
            _AUTHOR_BOOK_TITLE,
            NAMES_PER_FIELD,
            AUTHOR_PAGE,
        ),
        _Stage(
            "spoken_titles",
            "books_by_titles",
            "titles",
            _title_forms,
            book_title,
            0.0,
            TITLES_PER_FIELD,
            TITLE_PAGE,
        ),
    ]


def _failure(lk: Lookup, exc: BaseException) -> str:
    return (
        f"item {lk.result.item_id}: Hardcover lookup of the spoken book {lk.credits.title!r} failed: "
        f"{type(exc).__name__}: {exc}"
    )


def _judge(lk: Lookup, candidates: list[Expected]) -> None:
    from tasks.listen.item import evaluate, finish_verdict

    lk.candidates = candidates
    if candidates:
        evaluate(lk.result, candidates)
        finish_verdict(lk.result)


async def _exact_stages(
    con: duckdb.DuckDBPyConnection, state: FetchState, run_id: str, todo: list[Lookup]
) -> None:
    from tasks.candidates.exact import exact_lookup
    from tasks.normalise.titles import title_variants

    for stage in _stages():
        forms = {
            lk.result.item_id: stage.forms(lk.credits)
            + (_name_forms(Credits(authors=lk.text_authors)) if stage.key == "names" else [])
            for lk in todo
            if lk.cap >= 1 and lk.result.verdict != IDENTIFIED and lk.error is None
        }
        active = [lk for lk in todo if forms.get(lk.result.item_id)]
        if not active:
            continue
        items_of: dict[str, list[str]] = {}
        for lk in active:
            lk.cap -= 1
            lk.outcome.strategies += (stage.strategy,)
            for form in forms[lk.result.item_id]:
                items_of.setdefault(form, []).append(lk.result.item_id)
        answers = await exact_lookup(
            state,
            stage.query,
            stage.key,
            items_of,
            stage.matched_by,
            stage.per_field,
            stage.page,
            stage.strategy,
        )
        found = []
        for lk in active:
            item_id = lk.result.item_id
            if item_id in state.failed:  # the failed request is recorded against the item
                lk.error = f"item {item_id}: the {stage.strategy} lookup failed (see the run's errors)"
                continue
            books = {b["id"]: b for form in forms[item_id] for b in answers.get(form, [])}
            if stage.key == "titles":
                lk.looked_up.update(v for b in books.values() for v in title_variants(b.get("title")))
            if keep_contained(state, item_id, lk.result.transcript, list(books.values()), stage.floor):
                found.append(lk)
                lk.named |= stage.key == "names"
        _add_found(con, state, run_id, found)


def _text_evidence(
    con: duckdb.DuckDBPyConnection, todo: list[Lookup]
) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    """Each item's text-path titles (as normalised variants) and authors."""
    from tasks.normalise.titles import title_variants
    from tasks.warehouse import fetch_dicts, load_sql

    titles: dict[str, set[str]] = {}
    authors: dict[str, list[str]] = {}
    rows = fetch_dicts(con, load_sql("listen_text_titles"), {"item_ids": [lk.result.item_id for lk in todo]})
    for row in rows:
        if row["field"] == "title":
            titles.setdefault(row["item_id"], set()).update(title_variants(row["value"]))
        else:
            authors.setdefault(row["item_id"], []).append(row["value"])
    return titles, authors


def credited(names: list[str], credits: Credits) -> list[str]:
    """The `names` the audio credits as the book's author (heard whole, phonetically)."""
    from tasks.listen.item import NAME_HEARD

    return [
        n
        for n in dict.fromkeys(names)
        if any(phrase_containment(n, a, phonetic=True) >= NAME_HEARD for a in credits.authors)
    ]


def asked_already(span: str, known: set[str]) -> bool:
    """Is `span` one of the `known` titles (normalised), or so near one ("the Antichrist", "The
    Anti-Christ") that a typo-tolerant search for it would find what that title found? A span that
    sounds like one word for word ("sleek house" for Bleak House) and holds nothing more is that title
    misheard: its search finds nothing the title's did not."""
    from rapidfuzz import fuzz

    from tasks.normalise.titles import title_variants

    return any(fuzz.ratio(v, k) >= _NEAR_TITLE for v in title_variants(span) for k in known) or any(
        min(phrase_containment(k, span, phonetic=True), phrase_containment(span, k, phonetic=True))
        >= _SOUNDS_LIKE
        for k in known
    )


async def _search_stage(
    state: FetchState, todo: list[Lookup], run_left: int, searched_before: dict[str, set[str]]
) -> list[Lookup]:
    """Each still unidentified item's searches (a spoken name, then its best title span, while its cap
    leaves room for the hydration after), then one hydration of every item's picks together.
    Returns the items that searched. An item whose best span is a title already asked for is not
    searched by title: one of its text-path titles (`searched_before`: the candidates step looked it
    up), one of its candidates', or one the exact title lookup found books of (it finds every book of
    that title). An item whose spoken title is such a title searches neither its name nor its spans."""
    from tasks.candidates.items import ItemQuery
    from tasks.candidates.strategies import HYDRATE_PER_FIELD, SEARCH_KEEP, hydrate, search_one
    from tasks.hardcover.queries import MAX_ROOT_FIELDS
    from tasks.normalise.titles import title_variants

    per_request = HYDRATE_PER_FIELD * MAX_ROOT_FIELDS
    picks: dict[int, list[str]] = {}
    searched = []
    for lk in todo:
        if lk.error is not None or lk.result.verdict == IDENTIFIED:
            continue
        credits = lk.credits
        known = lk.looked_up | searched_before.get(lk.result.item_id, set())
        known.update(v for c in lk.result.expected for v in title_variants(c.title))
        if lk.text_authors:
            # The audio credits the item's own author, all of whose books the spoken names asked for:
            # a search finds nothing new.
            continue
        if credits.title and asked_already(credits.title, known):
            # A title said that was asked for already: every book of that title was looked at, so a
            # search of its spans finds nothing new, nor does one of a name heard with it (the book
            # it would find is one whose title the transcript holds).
            continue
        queries = [(True, q) for q in name_queries(lk)]
        queries += [(False, s) for s in search_spans(credits, lk.result.transcript)]
        for by_name, text in queries:
            if not by_name and asked_already(text, known):
                break  # its best span was looked up already; a lesser one is not worth a request
            hydration = -(-(len(picks) + SEARCH_KEEP) // per_request)  # requests the shared hydration needs
            if lk.cap < (1 if lk in searched else 2) or state.client.budget.sent + 1 + hydration > run_left:
                break  # a search needs a hydration after it (one for all of the item's searches)
            if lk not in searched:
                searched.append(lk)
                lk.cap -= 1  # the item's share of the hydration, as it would cost alone
            lk.cap -= 1
            query = ItemQuery(lk.result.item_id, [text], credits.authors[:1])
            if by_name:
                lk.outcome.strategies += ("name_search",)
                found = await _name_search(state, query, lk.result.transcript)
            else:
                lk.outcome.strategies += ("search",)
                found = await search_one(state, query, text, "transcript_search")
            for book_id in found:
                picks.setdefault(book_id, []).append(lk.result.item_id)
            if not by_name:
                break  # one title search, for its best span: a lesser span rarely names the book
    await hydrate(state, list(picks), lambda ids: sorted({i for b in ids for i in picks[b]}))
    return searched


def name_queries(lk: Lookup) -> list[str]:
    """The spoken name to search for, when the exact name lookup found none of the item's books (and
    the spoken title is not one asked for already, which `_search_stage` checks first): the
    search forgives the letters a small model gets wrong in a name ("Richard Bachmann", "Jose
    Caremago"), which an exact lookup cannot. The credited author first, then the narrator (the
    search finds a book by its narrators too), then the other name-like spans."""
    if lk.named:
        return []
    names = lk.credits.authors[:1] + lk.credits.narrators[:1] + lk.credits.name_spans
    return [n for n in dict.fromkeys(names) if credible(n)][:1]


async def _name_search(state: FetchState, query: ItemQuery, transcript: str) -> list[int]:
    """One search for a spoken name; its books by someone of that name (the search also matches
    titles and series: "Volume Zero One" finds "Zero to One") whose title the transcript holds, as an
    exact name lookup's would, become candidates. Returns their ids."""
    from tasks.candidates.strategies import search_hits

    name = query.titles[0]
    books = [
        {**doc, "id": int(doc["id"])}
        for h in await search_hits(state, query, name, "name_search") or []
        if (doc := h.get("document") or {}).get("id") is not None
        and any(_same_person(name, person) for person in doc.get("author_names") or [])
    ]
    keep_contained(state, query.item_id, transcript, books, _AUTHOR_BOOK_TITLE)
    return [b["id"] for b in books if b["id"] in state.found.get(query.item_id, {})]


def _same_person(heard: str, person: str) -> bool:
    """Could the heard name be this person's, misheard? Its words sound or spell alike, or the whole
    name spells much alike ("Cheton Bargot" for Chetan Bhagat)."""
    from rapidfuzz import fuzz

    return (
        phrase_containment(person, heard, phonetic=True) >= _NAME_ALIKE
        or fuzz.ratio(" ".join(tokens(heard)), " ".join(tokens(person))) >= _NAME_SPELT_ALIKE
    )


def _add_found(con: duckdb.DuckDBPyConnection, state: FetchState, run_id: str, found: list[Lookup]) -> None:
    """The items' new candidates written (added to what they had), and each item judged again."""
    from tasks.candidates.store import write_candidates
    from tasks.listen.store import candidates_for

    if not found:
        return
    write_candidates(
        con, {lk.result.item_id: state.found[lk.result.item_id] for lk in found}, run_id, mode="add"
    )
    candidates = candidates_for(con, [lk.result.item_id for lk in found])
    for lk in found:
        lk.outcome.searched = True
        _judge(lk, candidates.get(lk.result.item_id, []))


def follow_up_all(
    db_path: Path | str,
    run_id: str,
    lookups: list[Lookup],
    run_left: int,
    settings: Settings,
    by_operation: Counter[str] | None = None,
) -> tuple[int, bool]:
    """Look up the spoken books of `lookups` (bulk exact lookups, then each unidentified item's own
    search) within each item's cap and `run_left` requests for all of them, judging each item again
    against what came back. Sets every lookup's candidates, outcome (what it took part in) and error;
    returns the requests sent and whether the daily budget ran out, and adds the requests sent per
    operation to `by_operation`."""
    from tasks.aio import run_async
    from tasks.candidates.state import FetchState
    from tasks.hardcover.cache import HcCache
    from tasks.hardcover.client import HardcoverClient
    from tasks.hardcover.errors import BudgetExhausted
    from tasks.warehouse import connect, load_sql, now

    for lk in lookups:  # the transcript's generic spans ride along with the cue reading's
        lk.credits = with_generic_spans(lk.credits, lk.result.transcript)
    todo = [lk for lk in lookups if lk.cap > 0 and _worth_asking(lk.result, lk.credits)]
    if not todo or run_left <= 0:
        return 0, False
    sent = 0
    with connect(db_path) as con:

        async def go() -> None:
            nonlocal sent
            cache = HcCache(con, settings.hardcover_cache_ttl_days, run_id)
            async with HardcoverClient.from_settings(settings, cache=cache, max_requests=run_left) as client:
                cutoff = now() - timedelta(days=settings.hardcover_cache_ttl_days)
                known = {r[0] for r in con.execute(load_sql("hc_known_books"), [cutoff]).fetchall()}
                state = FetchState(con, client, run_id, known=known, flow="listen")
                try:
                    titles, authors = _text_evidence(con, todo)
                    for lk in todo:
                        lk.text_authors = credited(authors.get(lk.result.item_id, []), lk.credits)
                    await _exact_stages(con, state, run_id, todo)
                    searched = await _search_stage(state, todo, run_left, titles)
                    _add_found(
                        con, state, run_id, [lk for lk in searched if state.found.get(lk.result.item_id)]
                    )
                finally:
                    sent = client.budget.sent
                    if by_operation is not None:
                        by_operation.update(client.stats.root_fields)

        try:
            run_async(go())
        except BudgetExhausted as exc:
            if exc.reason == "run":  # at the run's cap the rest is simply not looked up
                return sent, False
            for lk in todo:
                if lk.result.verdict != IDENTIFIED:
                    lk.error = lk.error or _failure(lk, exc)
            return sent, True
        except Exception as exc:  # the listen results stand; the lookup's failure is recorded per item
            for lk in todo:
                if lk.result.verdict != IDENTIFIED:
                    lk.error = lk.error or _failure(lk, exc)
    return sent, False
