"""Candidate books from Hardcover for each item, cheapest strategy first.

Requests per item is the measure (Hardcover bills each root field; 5,000 a day on the Free plan):
1. identifiers — every item's ASIN / ISBN-10 / ISBN-13 (both ISBN forms) in `_in` lists of ~100
   values per root field, five root fields per request; hits come back with the whole book;
2. author books — every book of ~100 exact author names per root field (name variants included),
   then titles matched locally; again whole books, so no hydration;
3. titles — every book whose title is exactly one of ~100 item titles (a couple of spellings each) per
   root field, for the items still without a strong candidate: whole books again;
4. search — one title-only `search` per item still without a strong candidate, re-ranked locally
   by title, author, series and duration;
5. hydration — the search picks not yet in `hc_books`, 100 ids per root field, five per request.

Items are finished together at the end of a run (candidates + `hc_item_status`), so a run stopped
by the daily cap rebuilds exactly the same batches next time and gets them all from the cache.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import duckdb
import polars as pl
from rapidfuzz import fuzz

from tasks.aio import run_async
from tasks.evidence import clean_release_name, is_container_folder
from tasks.hardcover.cache import HcCache
from tasks.hardcover.client import HardcoverClient
from tasks.hardcover.errors import BudgetExhausted, HardcoverAuthError, HardcoverError, HardcoverUnavailable
from tasks.identifiers import isbn_forms, normalise_asin
from tasks.normalise import (
    is_placeholder_title,
    name_key,
    normalise_name,
    normalise_series,
    parse_position,
    split_names,
    split_title,
    title_variants,
)
from tasks.settings import Settings
from tasks.warehouse import connect, fetch_dicts, load_sql, now, record_error

FLOW = "fetch_candidates"
IDS_PER_FIELD = 100
NAMES_PER_FIELD = 100
AUTHOR_PAGE = 500
HYDRATE_PER_FIELD = 100
TITLES_PER_FIELD = 100
TITLE_PAGE = 500
SEARCH_PER_PAGE = 10
SEARCH_KEEP = 5
SEARCH_BATCH_ITEMS = 100  # searched items finished (hydrated) together
STRONG_TITLE = 90.0  # an author-book match this close needs no search
WEAK_TITLE = 80.0
# A wrong earlier match (ABS metadata of a series neighbour) is the usual way the right book hides:
# the author's other books in the item's series come along (already fetched, so free), nearest first.
SERIES_NEIGHBOURS = 10
MAX_UNREACHABLE = 3  # requests in a row that found no server (each after its own retries) end the run
T = TypeVar("T")


# --- evidence in --------------------------------------------------------------------------------


@dataclass
class ItemQuery:
    item_id: str
    titles: list[str]
    authors: list[str]
    narrators: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    asins: list[str] = field(default_factory=list)
    isbns: list[str] = field(default_factory=list)
    duration: float | None = None
    evidence_hash: str = ""
    done: bool = False  # candidates already fetched for exactly this evidence
    positions: list[float] = field(default_factory=list)  # series positions the evidence names

    @property
    def title_keys(self) -> list[str]:
        return list(dict.fromkeys(v for t in self.titles for v in title_variants(t)))

    @property
    def author_keys(self) -> set[str]:
        return {name_key(n) for a in self.authors for n in split_names(a)} - {""}


def load_items(
    con: duckdb.DuckDBPyConnection, item_ids: list[str] | None = None, include_done: bool = False
) -> list[ItemQuery]:
    rows = fetch_dicts(con, load_sql("candidates_items"), {"item_ids": item_ids})
    return [
        ItemQuery(
            r["item_id"],
            _uniq(r["titles"]),
            _uniq(r["authors"]),
            _uniq(r["narrators"]),
            _uniq(r["series"]),
            _uniq(r["asins"]),
            _uniq(r["isbns"]),
            r["duration"],
            r["evidence_hash"],
            r["done"],
            [p for p in map(parse_position, _uniq(r["sequences"])) if p is not None],
        )
        for r in rows
        if include_done or not r["done"]
    ]


def _uniq(values: list[str] | None) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values or [] if v and v.strip()))


# --- names and titles -----------------------------------------------------------------------------


def name_variants(raw: str) -> list[str]:
    """Exact spellings worth asking for (Hasura `_in` is case- and punctuation-exact):
    "Tolkien, J. R. R." -> "J. R. R. Tolkien", "J.R.R. Tolkien", "JRR Tolkien"."""
    out: list[str] = []
    for name in split_names(raw) or [raw]:
        name = re.sub(r"\s+", " ", name).strip()
        if not name:
            continue
        if name == name.lower() or name == name.upper():
            name = " ".join(w[:1].upper() + w[1:].lower() for w in name.split())
        tight = re.sub(r"\b([A-Z])\.\s+(?=[A-Z]\.)", r"\1.", name)  # J. R. R. -> J.R.R.
        spaced = re.sub(r"\b([A-Z])\.(?=[A-Z])", r"\1. ", tight)  # J.R.R. -> J. R. R.
        out += [name, tight, spaced]
        if re.fullmatch(r"([A-Z]\.)+ .+", tight):
            out.append(re.sub(r"\.", "", tight.split(" ", 1)[0]) + " " + tight.split(" ", 1)[1])
    return list(dict.fromkeys(out))


def title_similarity(item_keys: list[str], book_title: str, book_subtitle: str | None = None) -> float:
    book_keys = set(title_variants(book_title))
    if book_subtitle:
        book_keys |= set(title_variants(f"{book_title}: {book_subtitle}"))
    best = 0.0
    for a in item_keys:
        for b in book_keys:
            best = max(
                best, fuzz.ratio(a, b), 0.95 * fuzz.token_set_ratio(a, b) if min(len(a), len(b)) > 3 else 0.0
            )
    return best


# Folder names ripped or dumped without care: "51515", "rip_67414", "book79832", "Part 1", "Track 03".
def search_title(item: ItemQuery) -> str | None:
    """The title to search for: the most trusted real title, without series brackets, edition notes,
    release tags or the author's name before or after it, in words ("John_Grisham_A_Time_to_Kill" ->
    "A Time to Kill" when the evidence names John Grisham; "The.Elves.Of.Cintra.by.Terry.Brooks.
    AUDIOBOOK.MP3-RAiN" -> "The Elves Of Cintra" when it names Terry Brooks)."""
    authors = item.author_keys
    for raw in item.titles:
        parts = split_title(clean_release_name(raw))
        title = parts.title.strip()
        if parts.subtitle and name_key(title) in authors:
            title = parts.subtitle.strip()  # an "Author - Title" folder name copied into the title
        else:
            title = _without_author_suffix(_without_author_prefix(title, item.authors), item.authors)
        if title and not is_placeholder_title(title) and not is_container_folder(title, title_slot=True):
            return title
    return None


def _without_author_prefix(title: str, authors: list[str]) -> str:
    """'John Grisham A Time to Kill' -> 'A Time to Kill' when John Grisham is one of `authors`; the
    longest such name wins ('Mary Higgins Clark' over a 'Mary Higgins' hypothesis)."""
    words = title.split()
    if len(words) < 2:
        return title
    targets = {normalise_name(n) for a in authors for n in split_names(a)} - {""}
    for k in range(min(len(words), 7) - 1, 0, -1):
        if normalise_name(" ".join(words[:k])) in targets:
            rest = " ".join(words[k:]).lstrip(" -\u2013\u2014:,")
            if rest:
                return rest
    return title


_BY_AUTHOR = re.compile(r"^(?P<title>.+)\s+by\s+(?P<name>[^-]+)$", re.I)


def _without_author_suffix(title: str, authors: list[str]) -> str:
    """'The Elves Of Cintra by Terry Brooks' -> 'The Elves Of Cintra' when Terry Brooks is one of
    `authors` ('Stand by Me' keeps its 'by')."""
    m = _BY_AUTHOR.match(title)
    if not m:
        return title
    targets = {normalise_name(n) for a in authors for n in split_names(a)} - {""}
    names = split_names(m.group("name"))
    if names and all(normalise_name(n) in targets for n in names):
        return m.group("title").strip()
    return title


# --- books out ----------------------------------------------------------------------------------


@dataclass
class Cand:
    book_id: int
    strategy: str
    score: float
    edition_id: int | None = None


_STRATEGY_ORDER = {
    "asin": 0,
    "isbn": 1,
    "author_books": 2,
    "series_books": 3,
    "title": 4,
    "search": 5,
    "transcript_search": 6,
}


def book_rows(books: list[dict]) -> dict[str, pl.DataFrame]:
    """hc_* rows from BookFields objects, deduplicated (one response may repeat a book)."""
    fetched = now()
    b_rows, e_rows, c_rows, s_rows = {}, {}, {}, {}
    for b in books:
        bid = b["id"]
        tags = b.get("cached_tags") or {}
        genres = (
            [t.get("tag") for t in tags.get("Genre", []) if isinstance(t, dict)]
            if isinstance(tags, dict)
            else []
        )
        b_rows[bid] = {
            "book_id": bid,
            "title": b.get("title"),
            "subtitle": b.get("subtitle"),
            "slug": b.get("slug"),
            "release_year": b.get("release_year"),
            "description": b.get("description"),
            "pages": b.get("pages"),
            "audio_seconds": b.get("audio_seconds"),
            "users_count": b.get("users_count"),
            "compilation": b.get("compilation"),
            "canonical_id": b.get("canonical_id"),
            "genres": genres,
            "image_url": (b.get("image") or {}).get("url"),
            "fetched_at": fetched,
        }
        for i, c in enumerate(b.get("contributions") or []):
            author = c.get("author") or {}
            if author.get("name"):
                c_rows[("Book", bid, author.get("id"), c.get("contribution"))] = {
                    "contributable_type": "Book",
                    "contributable_id": bid,
                    "author_id": author.get("id"),
                    "author_name": author["name"],
                    "contribution": c.get("contribution"),
                    "ordinal": i,
                }
        for bs in b.get("book_series") or []:
            series = bs.get("series") or {}
            if series.get("id") is not None:
                s_rows[(bid, series["id"])] = {
                    "book_id": bid,
                    "series_id": series["id"],
                    "series_name": series.get("name"),
                    "position": bs.get("position"),
                    "details": bs.get("details"),
                    "featured": bs.get("featured"),
                }
        for e in b.get("editions") or []:
            e_rows[e["id"]] = {
                "edition_id": e["id"],
                "book_id": bid,
                "title": e.get("title"),
                "subtitle": e.get("subtitle"),
                "isbn_10": e.get("isbn_10"),
                "isbn_13": e.get("isbn_13"),
                "asin": e.get("asin"),
                "reading_format_id": e.get("reading_format_id"),
                "edition_format": e.get("edition_format"),
                "audio_seconds": e.get("audio_seconds"),
                "pages": e.get("pages"),
                "release_year": e.get("release_year"),
                "publisher": (e.get("publisher") or {}).get("name"),
                "language": (e.get("language") or {}).get("language"),
                "image_url": (e.get("image") or {}).get("url"),
                "fetched_at": fetched,
            }
            for i, c in enumerate(e.get("contributions") or []):
                author = c.get("author") or {}
                if author.get("name"):
                    c_rows[("Edition", e["id"], author.get("id"), c.get("contribution"))] = {
                        "contributable_type": "Edition",
                        "contributable_id": e["id"],
                        "author_id": author.get("id"),
                        "author_name": author["name"],
                        "contribution": c.get("contribution"),
                        "ordinal": i,
                    }
    schemas = {
        "new_books": {
            "book_id": pl.Int64,
            "title": pl.Utf8,
            "subtitle": pl.Utf8,
            "slug": pl.Utf8,
            "release_year": pl.Int64,
            "description": pl.Utf8,
            "pages": pl.Int64,
            "audio_seconds": pl.Int64,
            "users_count": pl.Int64,
            "compilation": pl.Boolean,
            "canonical_id": pl.Int64,
            "genres": pl.List(pl.Utf8),
            "image_url": pl.Utf8,
            "fetched_at": pl.Datetime,
        },
        "new_editions": {
            "edition_id": pl.Int64,
            "book_id": pl.Int64,
            "title": pl.Utf8,
            "subtitle": pl.Utf8,
            "isbn_10": pl.Utf8,
            "isbn_13": pl.Utf8,
            "asin": pl.Utf8,
            "reading_format_id": pl.Int64,
            "edition_format": pl.Utf8,
            "audio_seconds": pl.Int64,
            "pages": pl.Int64,
            "release_year": pl.Int64,
            "publisher": pl.Utf8,
            "language": pl.Utf8,
            "image_url": pl.Utf8,
            "fetched_at": pl.Datetime,
        },
        "new_contributions": {
            "contributable_type": pl.Utf8,
            "contributable_id": pl.Int64,
            "author_id": pl.Int64,
            "author_name": pl.Utf8,
            "contribution": pl.Utf8,
            "ordinal": pl.Int64,
        },
        "new_series": {
            "book_id": pl.Int64,
            "series_id": pl.Int64,
            "series_name": pl.Utf8,
            "position": pl.Float64,
            "details": pl.Utf8,
            "featured": pl.Boolean,
        },
    }
    data = {"new_books": b_rows, "new_editions": e_rows, "new_contributions": c_rows, "new_series": s_rows}
    return {
        name: pl.DataFrame(list(data[name].values()), schema=schema, orient="row")
        if data[name]
        else pl.DataFrame(schema=schema)
        for name, schema in schemas.items()
    }


def _transaction(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame], sql_names: list[str]
) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        for name, frame in frames.items():
            con.register(name, frame)
        for sql_name in sql_names:
            con.execute(load_sql(sql_name))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in frames:
            con.unregister(name)


def store_books(con: duckdb.DuckDBPyConnection, books: list[dict]) -> None:
    if books:
        _transaction(con, book_rows(books), ["hc_upsert_books"])


def write_candidates(
    con: duckdb.DuckDBPyConnection,
    found: dict[str, dict[int, Cand]],
    run_id: str | None,
    status_for: list[ItemQuery] | None = None,
    mode: str = "replace",
) -> int:
    """Candidates of finished items (ranked: identifiers, then author books, then search), and their
    evidence hash, in one transaction. Returns the number of candidate rows."""
    ts = now()
    rows = []
    for item_id, cands in found.items():
        ordered = sorted(
            cands.values(), key=lambda c: (_STRATEGY_ORDER.get(c.strategy, 9), -c.score, c.book_id)
        )
        rows += [
            {
                "item_id": item_id,
                "book_id": c.book_id,
                "edition_id": c.edition_id,
                "strategy": c.strategy,
                "rank": i + 1,
                "run_id": run_id,
                "found_at": ts,
            }
            for i, c in enumerate(ordered)
        ]
    frames = {
        "new_candidates": pl.DataFrame(
            rows,
            schema={
                "item_id": pl.Utf8,
                "book_id": pl.Int64,
                "edition_id": pl.Int64,
                "strategy": pl.Utf8,
                "rank": pl.Int64,
                "run_id": pl.Utf8,
                "found_at": pl.Datetime,
            },
            orient="row",
        )
    }
    sqls = ["candidates_replace" if mode == "replace" else "candidates_add"]
    if status_for:
        frames["new_status"] = pl.DataFrame(
            [
                {
                    "item_id": it.item_id,
                    "evidence_hash": it.evidence_hash,
                    "n_candidates": len(found.get(it.item_id, {})),
                    "strategies": sorted({c.strategy for c in found.get(it.item_id, {}).values()}),
                    "run_id": run_id,
                    "fetched_at": ts,
                }
                for it in status_for
            ],
            schema={
                "item_id": pl.Utf8,
                "evidence_hash": pl.Utf8,
                "n_candidates": pl.Int64,
                "strategies": pl.List(pl.Utf8),
                "run_id": pl.Utf8,
                "fetched_at": pl.Datetime,
            },
            orient="row",
        )
        sqls.append("candidates_status_upsert")
    if not rows and not status_for:
        return 0
    _transaction(con, frames, sqls)
    return len(rows)


# --- the strategies -----------------------------------------------------------------------------


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

    def add(self, item_id: str, cand: Cand) -> None:
        old = self.found[item_id].get(cand.book_id)
        if old is None or (_STRATEGY_ORDER[cand.strategy], -cand.score) < (
            _STRATEGY_ORDER[old.strategy],
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
                    FLOW,
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

    def keep(self, books: list[dict]) -> None:
        fresh = [b for b in books if b.get("id") is not None]
        store_books(self.con, fresh)
        self.known.update(b["id"] for b in fresh)


def _chunks(values: list[T], n: int) -> list[list[T]]:
    return [values[i : i + n] for i in range(0, len(values), n)]


async def _packed(
    state: FetchState,
    name: str,
    per_field: list[dict],
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


async def identifier_phase(state: FetchState, items: list[ItemQuery]) -> None:
    asin_items: dict[str, list[str]] = defaultdict(list)
    isbn_items: dict[str, list[str]] = defaultdict(list)
    for it in items:
        for raw in it.asins:
            if a := normalise_asin(raw):
                asin_items[a].append(it.item_id)
        for raw in it.isbns:
            i13, i10 = isbn_forms(raw)
            for v in (i13, i10):
                if v:
                    isbn_items[v].append(it.item_id)
            if not (i13 or i10) and (a := normalise_asin(raw)):  # an ASIN filed as ISBN
                asin_items[a].append(it.item_id)
    values = [("asin", v) for v in sorted(asin_items)] + [("isbn", v) for v in sorted(isbn_items)]
    chunks = _chunks(values, IDS_PER_FIELD)
    per_field = [
        {
            "asins": [v for k, v in c if k == "asin"],
            "isbn13": [v for k, v in c if k == "isbn" and len(v) == 13],
            "isbn10": [v for k, v in c if k == "isbn" and len(v) == 10],
        }
        for c in chunks
    ]

    def items_of(i: int) -> list[str]:
        return sorted({x for k, v in chunks[i] for x in (asin_items if k == "asin" else isbn_items)[v]})

    def on_result(_: int, editions: list[dict]) -> None:
        state.keep([e["book"] for e in editions if e.get("book")])
        for e in editions:
            book = e.get("book") or {}
            if book.get("id") is None:
                continue
            for item_id in asin_items.get(e.get("asin") or "", []):
                state.add(item_id, Cand(book["id"], "asin", 100.0, e["id"]))
            for v in (e.get("isbn_13"), e.get("isbn_10")):
                for item_id in isbn_items.get(v or "", []):
                    state.add(item_id, Cand(book["id"], "isbn", 100.0, e["id"]))

    await _packed(state, "editions_by_identifiers", per_field, on_result, items_of, "identifier lookup")


def _needs_more(state: FetchState, it: ItemQuery, titles: dict[int, tuple[str, str | None]]) -> bool:
    """True unless a candidate already has (close to) the item's title."""
    keys = it.title_keys
    if not keys:
        return not state.found.get(it.item_id)
    return not any(
        strong_title(keys, *titles[c.book_id])
        for c in state.found.get(it.item_id, {}).values()
        if c.book_id in titles
    )


def strong_title(item_keys: list[str], book_title: str, book_subtitle: str | None = None) -> bool:
    """Close enough to skip the search — but not when the item's title is only part of the book's
    ("Lost" in "The Lost City of Faar", "Dune" in "Dune Messiah"): that is the subset trap, and
    the book actually called "Lost" may be by someone else."""
    book_keys = set(title_variants(book_title))
    if book_subtitle:
        book_keys |= set(title_variants(f"{book_title}: {book_subtitle}"))
    for a in item_keys:
        for b in book_keys:
            if fuzz.ratio(a, b) >= STRONG_TITLE:
                return True
            if (
                min(len(a), len(b)) > 3
                and 0.95 * fuzz.token_set_ratio(a, b) >= STRONG_TITLE
                and not set(a.split()) < set(b.split())
            ):
                return True
    return False


def series_neighbours(it: ItemQuery, books: list[dict]) -> list[tuple[float, dict]]:
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
    names = sorted(names_of)
    if not names:
        return
    chunks = _chunks(names, NAMES_PER_FIELD)
    books_by_key: dict[str, list[dict]] = defaultdict(list)
    queue = [(i, 0) for i in range(len(chunks))]  # (chunk, offset); full pages enqueue the next
    pos = 0
    while pos < len(queue):
        group = queue[pos : pos + 5]
        pos += len(group)
        per_field = [{"names": chunks[i], "limit": AUTHOR_PAGE, "offset": off} for i, off in group]

        def on_result(k: int, books: list[dict], group: list[tuple[int, int]] = group) -> None:
            state.keep(books)
            for b in books:
                titles[b["id"]] = (b.get("title") or "", b.get("subtitle"))
                for c in b.get("contributions") or []:
                    if c.get("contribution") in (None, "Author") and (c.get("author") or {}).get("name"):
                        books_by_key[name_key(c["author"]["name"])].append(b)
            if len(books) >= AUTHOR_PAGE:  # a full page: there may be more
                i, off = group[k]
                queue.append((i, off + AUTHOR_PAGE))

        await _packed(
            state,
            "books_by_authors",
            per_field,
            on_result,
            lambda k, group=group: sorted({x for n in chunks[group[k][0]] for x in names_of[n]}),
            "author books lookup",
        )
    for it in items:
        keys = it.title_keys
        seen: dict[int, dict] = {}
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


_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "on", "or", "the"]
    + ["to", "with"]
)


def title_forms(title: str) -> list[str]:
    """The spellings a catalogue may hold an item's title in, exactly: as the evidence gives it, and in
    title case ("the elves of cintra" -> "The Elves of Cintra"; words already in mixed or upper case
    keep their case)."""
    words = title.split()
    if not words:
        return []
    cased = [
        w
        if not w.islower()
        else (w if 0 < i < len(words) - 1 and w in _SMALL_WORDS else w[:1].upper() + w[1:])
        for i, w in enumerate(words)
    ]
    return list(dict.fromkeys([" ".join(words), " ".join(cased)]))


async def title_phase(
    state: FetchState, items: list[ItemQuery], titles: dict[int, tuple[str, str | None]]
) -> None:
    """Books whose title is exactly the item's (a few spellings of it), for many items in one request:
    what a title search would find first for most items that name no author the catalogue knows."""
    items_of: dict[str, list[str]] = defaultdict(list)
    for it in items:
        title = search_title(it)
        for form in title_forms(title) if title else []:
            items_of[form].append(it.item_id)
    values = sorted(items_of)
    if not values:
        return
    chunks = _chunks(values, TITLES_PER_FIELD)
    found: dict[str, list[dict]] = defaultdict(list)
    queue = [(i, 0) for i in range(len(chunks))]  # (chunk, offset); full pages enqueue the next
    pos = 0
    while pos < len(queue):
        group = queue[pos : pos + 5]
        pos += len(group)
        per_field = [{"titles": chunks[i], "limit": TITLE_PAGE, "offset": off} for i, off in group]

        def on_result(k: int, books: list[dict], group: list[tuple[int, int]] = group) -> None:
            state.keep(books)
            for b in books:
                titles[b["id"]] = (b.get("title") or "", b.get("subtitle"))
                found[b.get("title") or ""].append(b)
            if len(books) >= TITLE_PAGE:
                i, off = group[k]
                queue.append((i, off + TITLE_PAGE))

        await _packed(
            state,
            "books_by_titles",
            per_field,
            on_result,
            lambda k, group=group: sorted({x for t in chunks[group[k][0]] for x in items_of[t]}),
            "title lookup",
        )
    by_item: dict[str, list[dict]] = defaultdict(list)
    for form, ids in items_of.items():
        for item_id in ids:
            by_item[item_id] += found.get(form, [])
    for it in items:
        for b in by_item.get(it.item_id, []):
            state.add(
                it.item_id,
                Cand(b["id"], "title", title_similarity(it.title_keys, b["title"] or "", b.get("subtitle"))),
            )


def rerank_hits(item: ItemQuery, hits: list[dict]) -> list[tuple[float, dict]]:
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
    chunks = _chunks(todo, HYDRATE_PER_FIELD)
    await _packed(
        state,
        "books_by_ids",
        [{"ids": c} for c in chunks],
        lambda _, books: state.keep(books),
        lambda i: item_ids_of(chunks[i]),
        "hydration",
    )


async def search_one(state: FetchState, item: ItemQuery, title: str, strategy: str = "search") -> list[int]:
    """One title search for one item; the re-ranked top picks become candidates. Returns their ids."""
    try:
        data = await state.client.query(
            "search_books", {"query": title, "per_page": SEARCH_PER_PAGE}, "search"
        )
    except (BudgetExhausted, HardcoverAuthError):
        raise
    except HardcoverError as exc:
        state.fail([item.item_id], exc, f"search for {title!r}")
        return []
    state.ok()
    hits = ((data.get("search") or {}).get("results") or {}).get("hits") or []
    picks = []
    for score, doc in rerank_hits(item, hits)[:SEARCH_KEEP]:
        book_id = int(doc["id"])
        state.add(item.item_id, Cand(book_id, strategy, score))
        picks.append(book_id)
    return picks


async def search_phase(
    state: FetchState, items: list[ItemQuery], on_group: Callable[[int], None] | None = None
) -> list[str]:
    """Searches in groups of SEARCH_BATCH_ITEMS, each group hydrated before the next; returns items done.

    `on_group(n)` is called as each group of n items is finished.
    """
    done: list[str] = []
    for group in _chunks(items, SEARCH_BATCH_ITEMS):
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
        await hydrate(state, list(picks), lambda ids, picks=picks: sorted({i for b in ids for i in picks[b]}))
        done += [it.item_id for it in group]
        if on_group is not None:
            on_group(len(group))
    return done


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
        need_authors = [it for it in items if _needs_more(state, it, titles)]
        resolved(total - len(need_authors))
        await author_phase(state, need_authors, titles)
        need_titles = [it for it in need_authors if _needs_more(state, it, titles)]
        await title_phase(state, need_titles, titles)
        need_search = [it for it in need_titles if _needs_more(state, it, titles)]
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
    client_options: dict | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> FetchSummary:
    """The whole fetch for the items needing it (evidence changed or never fetched).

    `client_options` go to `HardcoverClient` (e.g. retries, backoff_base); `on_progress(done, total)`
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
