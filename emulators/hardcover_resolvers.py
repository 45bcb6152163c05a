"""The emulated Hardcover database: Hasura-style tables over `emulators.catalogue`, a `where`
evaluator, and a Typesense-like `search`.

graphql-core executes requests against the real schema; one `field_resolver` answers every field
from these tables, so a query may nest as deep as the real API lets it (book → editions →
contributions → author). Root lookups by id / ASIN / ISBN / exact author name go through indexes,
which keeps a 100-value `_in` query to a few milliseconds; anything else is a full scan with the
generic `where` evaluator, as slow as it would be honest.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from anyascii import anyascii
from graphql import GraphQLError, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType
from rapidfuzz import fuzz, process

from emulators.catalogue import Catalogue, cover_path, load_catalogue

DISABLED_OPERATORS = frozenset(
    {
        "_like",
        "_nlike",
        "_ilike",
        "_nilike",
        "_regex",
        "_iregex",
        "_nregex",
        "_niregex",
        "_similar",
        "_nsimilar",
    }
)
READING_FORMATS = {1: "Read", 2: "Listened", 3: "Both", 4: "Ebook"}
LANGUAGE_CODES = {
    "English": ("en", "eng"),
    "Spanish": ("es", "spa"),
    "French": ("fr", "fre"),
    "German": ("de", "ger"),
    "Italian": ("it", "ita"),
    "Japanese": ("ja", "jpn"),
    "Arabic": ("ar", "ara"),
    "Portuguese": ("pt", "por"),
    "Dutch": ("nl", "dut"),
    "Swedish": ("sv", "swe"),
    "Persian": ("fa", "per"),
}
SEARCH_SORT_FIELDS = frozenset(
    {
        "_text_match",
        "users_count",
        "users_read_count",
        "release_year",
        "release_date_i",
        "activities_count",
        "rating",
        "ratings_count",
        "lists_count",
        "reviews_count",
    }
)
SEARCH_FIELDS = frozenset(
    {
        "title",
        "isbns",
        "series_names",
        "author_names",
        "alternative_titles",
        "subtitle",
        "description",
        "slug",
    }
)
DEFAULT_SEARCH_FIELDS = ("title", "isbns", "series_names", "author_names", "alternative_titles")
DEFAULT_SEARCH_WEIGHTS = (5, 5, 3, 1, 1)
_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "and",
        "in",
        "on",
        "to",
        "for",
        "with",
        "at",
        "by",
        "from",
        "book",
        "novel",
        "part",
        "vol",
        "volume",
    ]
)


class Rec:
    """One row of one table; `t` names the table (the GraphQL type), `d` holds its columns."""

    __slots__ = ("t", "d")

    def __init__(self, table: str, data: dict):
        self.t = table
        self.d = data


def norm_text(s: str | None) -> str:
    s = anyascii(s or "").lower().replace("&", " and ")
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]+", " ", s)).strip()


@dataclass
class Db:
    tables: dict[str, list[Rec]]
    by_id: dict[str, dict[Any, Rec]]
    idx: dict[tuple[str, str], dict[Any, list[Rec]]]  # (table, column) -> value -> rows
    rels: dict[str, dict[str, tuple[str, bool, Callable[[dict], Any]]]] = field(default_factory=dict)
    docs: dict[int, dict] = field(default_factory=dict)  # search documents by book id
    token_index: dict[str, set[int]] = field(default_factory=dict)
    title_keys: list[str] = field(default_factory=list)
    title_ids: list[int] = field(default_factory=list)

    def index(self, table: str, column: str) -> dict[Any, list[Rec]]:
        key = (table, column)
        if key not in self.idx:
            built: dict[Any, list[Rec]] = defaultdict(list)
            for rec in self.tables[table]:
                built[rec.d.get(column)].append(rec)
            self.idx[key] = built
        return self.idx[key]


_DBS: dict[int, Db] = {}


def build_db(catalogue: Catalogue | None = None) -> Db:
    """The tables for a catalogue, built once per catalogue object (~1.5 s for 10k books)."""
    cat = catalogue or load_catalogue()
    if id(cat) not in _DBS:
        _DBS[id(cat)] = _build_db(cat)
    return _DBS[id(cat)]


def _build_db(cat: Catalogue) -> Db:
    t: dict[str, list[Rec]] = defaultdict(list)
    publishers: dict[str, int] = {}
    languages: dict[str, int] = {}
    author_recs: dict[str, Rec] = {}
    series_recs: dict[int, Rec] = {}
    contrib_id = 0

    def author(name: str) -> Rec:
        if name not in author_recs:
            aid = cat.author_ids.get(name) or 90_000 + len(author_recs)
            rec = Rec(
                "authors",
                {
                    "id": aid,
                    "name": name,
                    "slug": norm_text(name).replace(" ", "-"),
                    "state": "active",
                    "books_count": 0,
                    "canonical_id": None,
                    "name_personal": name,
                    "alternate_names": [],
                    "identifiers": [],
                    "cached_image": {},
                },
            )
            author_recs[name] = rec
            t["authors"].append(rec)
        return author_recs[name]

    def contribute(name: str, ctype: str, cid: int, role: str | None, book_id: int) -> dict:
        nonlocal contrib_id
        contrib_id += 1
        a = author(name)
        if ctype == "Book":
            a.d["books_count"] += 1
        t["contributions"].append(
            Rec(
                "contributions",
                {
                    "id": contrib_id,
                    "author_id": a.d["id"],
                    "contributable_type": ctype,
                    "contributable_id": cid,
                    "contribution": role,
                    "book_id": book_id,
                },
            )
        )
        return {"author": {"id": a.d["id"], "name": name, "slug": a.d["slug"]}, "contribution": role}

    for lang in ("English", *LANGUAGE_CODES):
        if lang not in languages:
            languages[lang] = len(languages) + 1
            code2, code3 = LANGUAGE_CODES.get(lang, ("en", "eng"))
            t["languages"].append(
                Rec("languages", {"id": languages[lang], "language": lang, "code2": code2, "code3": code3})
            )
    for fid, name in READING_FORMATS.items():
        t["reading_formats"].append(Rec("reading_formats", {"id": fid, "format": name}))

    def image(kind: str, ident: int, imageable: str) -> int | None:
        """An `images` row for the cover the catalogue has for this book or edition, if any."""
        path = cover_path(kind, ident)
        if path is None:
            return None
        image_id = len(t["images"]) + 1
        t["images"].append(
            Rec(
                "images",
                {"id": image_id, "path": path, "width": 6, "height": 9, "ratio": 1.5, "color": None,
                 "imageable_type": imageable, "imageable_id": ident},
            )
        )  # fmt: skip
        return image_id

    for book in cat.books:
        audio = book.default_audio_edition
        physical = book.physical_edition
        ebook = next((e for e in book.editions if e.reading_format_id == 4), None)
        cached = [contribute(a, "Book", book.book_id, None, book.book_id) for a in book.authors]
        bs_id = None
        if book.series_id is not None:
            if book.series_id not in series_recs:
                series_recs[book.series_id] = Rec(
                    "series",
                    {
                        "id": book.series_id,
                        "name": book.series_name,
                        "slug": norm_text(book.series_name).replace(" ", "-"),
                        "books_count": 0,
                        "primary_books_count": 0,
                        "canonical_id": None,
                        "state": "active",
                        "is_completed": None,
                        "identifiers": {},
                    },
                )
                t["series"].append(series_recs[book.series_id])
            series_recs[book.series_id].d["books_count"] += 1
            bs_id = book.book_id * 10 + 7
            t["book_series"].append(
                Rec(
                    "book_series",
                    {
                        "id": bs_id,
                        "book_id": book.book_id,
                        "series_id": book.series_id,
                        "position": book.position,
                        "details": book.position_details,
                        "featured": True,
                        "compilation": book.compilation,
                    },
                )
            )
        t["books"].append(
            Rec(
                "books",
                {
                    "id": book.book_id,
                    "title": book.title,
                    "subtitle": book.subtitle,
                    "slug": book.slug,
                    "release_year": book.release_year,
                    "release_date": f"{book.release_year}-01-01"
                    if book.release_year and book.release_year > 0
                    else None,
                    "description": book.description,
                    "pages": physical.pages if physical else None,
                    "audio_seconds": audio.audio_seconds if audio else None,
                    "users_count": book.users_count,
                    "users_read_count": book.users_count // 2,
                    "rating": book.rating,
                    "ratings_count": book.users_count // 3,
                    "compilation": book.compilation,
                    "canonical_id": None,
                    "book_status_id": 1,
                    "is_partial_book": False,
                    "state": "normalized",
                    "default_audio_edition_id": audio.edition_id if audio else None,
                    "default_physical_edition_id": physical.edition_id if physical else None,
                    "default_ebook_edition_id": ebook.edition_id if ebook else None,
                    "default_cover_edition_id": physical.edition_id if physical else None,
                    "featured_book_series_id": bs_id,
                    "editions_count": len(book.editions),
                    "cached_contributors": cached,
                    "alternative_titles": [],
                    "cached_tags": {
                        "Genre": [{"tag": g, "count": 100 - 10 * i} for i, g in enumerate(book.genres)]
                    },
                    "cached_image": {},
                    "image_id": image("books", book.book_id, "Book"),
                    "activities_count": book.users_count // 5,
                    "lists_count": 0,
                    "reviews_count": 0,
                },
            )
        )
        for e in book.editions:
            if e.publisher not in publishers:
                publishers[e.publisher] = len(publishers) + 1
                t["publishers"].append(
                    Rec(
                        "publishers",
                        {
                            "id": publishers[e.publisher],
                            "name": e.publisher,
                            "slug": norm_text(e.publisher).replace(" ", "-"),
                        },
                    )
                )
            ed_cached = [
                contribute(n, "Edition", e.edition_id, "Narrator", book.book_id) for n in e.narrators
            ]
            t["editions"].append(
                Rec(
                    "editions",
                    {
                        "id": e.edition_id,
                        "book_id": e.book_id,
                        "title": e.title,
                        "subtitle": e.subtitle,
                        "isbn_10": e.isbn_10,
                        "isbn_13": e.isbn_13,
                        "asin": e.asin,
                        "reading_format_id": e.reading_format_id,
                        "edition_format": e.edition_format,
                        "audio_seconds": e.audio_seconds,
                        "pages": e.pages,
                        "release_year": e.release_year,
                        "publisher_id": publishers[e.publisher],
                        "language_id": languages.get(e.language, 1),
                        "cached_contributors": cached + ed_cached,
                        "isbn_10_valid": e.isbn_10 is not None,
                        "isbn_13_valid": e.isbn_13 is not None,
                        "isbns_match": True,
                        "state": "normalized",
                        "canonical_id": None,
                        "compilation": book.compilation,
                        "image_id": image("editions", e.edition_id, "Edition"),
                    },
                )
            )

    by_id = {name: {r.d["id"]: r for r in rows} for name, rows in t.items()}
    db = Db(tables=dict(t), by_id=by_id, idx={})
    _wire_relationships(db)
    _build_search(db, cat)
    return db


def _wire_relationships(db: Db) -> None:
    """(table, field) -> (target table, is_array, getter(row) -> Rec | list[Rec] | None)."""
    one = db.by_id
    edition_contribs = db.index("contributions", "contributable_id")

    def contribs(kind: str) -> Callable[[dict], list[Rec]]:
        return lambda d: [c for c in edition_contribs.get(d["id"], ()) if c.d["contributable_type"] == kind]

    db.rels = {
        "books": {
            "editions": ("editions", True, lambda d: db.index("editions", "book_id").get(d["id"], [])),
            "contributions": ("contributions", True, contribs("Book")),
            "book_series": (
                "book_series",
                True,
                lambda d: db.index("book_series", "book_id").get(d["id"], []),
            ),
            "default_audio_edition": (
                "editions",
                False,
                lambda d: one["editions"].get(d["default_audio_edition_id"]),
            ),
            "default_physical_edition": (
                "editions",
                False,
                lambda d: one["editions"].get(d["default_physical_edition_id"]),
            ),
            "default_ebook_edition": (
                "editions",
                False,
                lambda d: one["editions"].get(d["default_ebook_edition_id"]),
            ),
            "default_cover_edition": (
                "editions",
                False,
                lambda d: one["editions"].get(d["default_cover_edition_id"]),
            ),
            "featured_book_series": (
                "book_series",
                False,
                lambda d: one["book_series"].get(d["featured_book_series_id"]),
            ),
            "canonical": ("books", False, lambda d: None),
            "image": ("images", False, lambda d: one.get("images", {}).get(d.get("image_id"))),
        },
        "editions": {
            "book": ("books", False, lambda d: one["books"].get(d["book_id"])),
            "contributions": ("contributions", True, contribs("Edition")),
            "reading_format": (
                "reading_formats",
                False,
                lambda d: one["reading_formats"].get(d["reading_format_id"]),
            ),
            "publisher": ("publishers", False, lambda d: one["publishers"].get(d["publisher_id"])),
            "language": ("languages", False, lambda d: one["languages"].get(d["language_id"])),
            "image": ("images", False, lambda d: one.get("images", {}).get(d.get("image_id"))),
        },
        "contributions": {
            "author": ("authors", False, lambda d: one["authors"].get(d["author_id"])),
            "book": ("books", False, lambda d: one["books"].get(d["book_id"])),
        },
        "authors": {
            "contributions": (
                "contributions",
                True,
                lambda d: db.index("contributions", "author_id").get(d["id"], []),
            ),
        },
        "series": {
            "book_series": (
                "book_series",
                True,
                lambda d: db.index("book_series", "series_id").get(d["id"], []),
            ),
        },
        "book_series": {
            "book": ("books", False, lambda d: one["books"].get(d["book_id"])),
            "series": ("series", False, lambda d: one["series"].get(d["series_id"])),
        },
        "publishers": {
            "editions": ("editions", True, lambda d: db.index("editions", "publisher_id").get(d["id"], [])),
        },
    }


# --- where / order_by / limit ------------------------------------------------------------------


def check_operators(where: Any) -> None:
    """Hardcover disables the pattern operators; reject them wherever they appear in a filter."""
    if isinstance(where, dict):
        for key, value in where.items():
            if key in DISABLED_OPERATORS:
                raise GraphQLError(
                    f"operator '{key}' is disabled on this API; use _eq/_in or the search query",
                    extensions={"code": "validation-failed"},
                )
            check_operators(value)
    elif isinstance(where, list):
        for value in where:
            check_operators(value)


def _compare(value: Any, cond: dict) -> bool:
    for op, arg in cond.items():
        if op == "_eq":
            ok = value == arg
        elif op == "_neq":
            ok = value != arg
        elif op == "_in":
            ok = value in arg
        elif op == "_nin":
            ok = value not in arg
        elif op == "_is_null":
            ok = (value is None) == arg
        elif op in ("_gt", "_gte", "_lt", "_lte"):
            if value is None:
                return False
            ok = {"_gt": value > arg, "_gte": value >= arg, "_lt": value < arg, "_lte": value <= arg}[op]
        else:
            raise GraphQLError(
                f"operator '{op}' is not supported by the emulator", extensions={"code": "validation-failed"}
            )
        if not ok:
            return False
    return True


def matches(db: Db, table: str, row: dict, where: dict | None) -> bool:
    if not where:
        return True
    rels = db.rels.get(table, {})
    for key, cond in where.items():
        if key == "_and":
            ok = all(matches(db, table, row, w) for w in cond)
        elif key == "_or":
            ok = any(matches(db, table, row, w) for w in cond)
        elif key == "_not":
            ok = not matches(db, table, row, cond)
        elif key in rels:
            target, is_array, get = rels[key]
            related = get(row)
            if is_array:
                ok = any(matches(db, target, r.d, cond) for r in related)
            else:
                ok = related is not None and matches(db, target, related.d, cond)
        else:
            ok = _compare(row.get(key), cond)
        if not ok:
            return False
    return True


def _indexed(db: Db, table: str, where: dict | None) -> set[int] | None:
    """Row ids that may match, from indexes, or None when a full scan is needed."""
    if not where:
        return None
    found: list[set[int]] = []
    for key, cond in where.items():
        got: set[int] | None = None
        if key == "_and":
            parts = [p for p in (_indexed(db, table, w) for w in cond) if p is not None]
            got = set.intersection(*parts) if parts else None
        elif key == "_or":
            parts = [_indexed(db, table, w) for w in cond]
            got = set().union(*parts) if parts and all(p is not None for p in parts) else None
        elif (
            isinstance(cond, dict) and ("_eq" in cond or "_in" in cond) and key not in db.rels.get(table, {})
        ):
            values = cond["_in"] if "_in" in cond else [cond["_eq"]]
            index = db.index(table, key)
            got = {r.d["id"] for v in values if v is not None for r in index.get(v, ())}
        elif (
            table == "books"
            and key in ("editions", "contributions", "book_series")
            and isinstance(cond, dict)
        ):
            target = db.rels["books"][key][0]
            inner = _indexed(db, target, cond)
            if key == "contributions" and inner is None and "author" in cond:
                authors = _indexed(db, "authors", cond["author"])
                if authors is not None:
                    by_author = db.index("contributions", "author_id")
                    inner = {c.d["id"] for a in authors for c in by_author.get(a, ())}
            if inner is not None:
                rows = db.by_id[target]
                got = {rows[i].d.get("book_id") for i in inner if i in rows}
        if got is not None:
            found.append(got)
    return set.intersection(*found) if found else None


def _sort_key(db: Db, table: str, order: dict) -> list[tuple[Callable[[dict], Any], bool, bool]]:
    keys = []
    for col, direction in order.items():
        if isinstance(direction, dict):  # order by an object relationship's column
            target, _, get = db.rels[table][col]
            for inner_get, desc, nulls_first in _sort_key(db, target, direction):
                keys.append(
                    (
                        (lambda g, ig: lambda d: ig(g(d).d) if g(d) is not None else None)(get, inner_get),
                        desc,
                        nulls_first,
                    )
                )
            continue
        desc = direction.startswith("desc")
        nulls_first = direction.endswith("nulls_first") or (desc and not direction.endswith("nulls_last"))
        keys.append(((lambda c: lambda d: d.get(c))(col), desc, nulls_first))
    return keys


def select(db: Db, table: str, rows: Iterable[Rec] | None, args: dict) -> list[Rec]:
    """Hasura's select: where → distinct_on → order_by → offset/limit."""
    where = args.get("where")
    check_operators(where)
    if rows is None:
        ids = _indexed(db, table, where)
        rows = (
            db.tables.get(table, [])
            if ids is None
            else [db.by_id[table][i] for i in sorted(ids) if i in db.by_id[table]]
        )
    out = [r for r in rows if matches(db, table, r.d, where)]
    order = args.get("order_by")
    if order:
        specs = [s for o in (order if isinstance(order, list) else [order]) for s in _sort_key(db, table, o)]
        for get, desc, nulls_first in reversed(specs):
            present = [r for r in out if get(r.d) is not None]
            missing = [r for r in out if get(r.d) is None]
            present.sort(key=lambda r, g=get: g(r.d), reverse=desc)
            out = missing + present if nulls_first else present + missing
    distinct = args.get("distinct_on")
    if distinct:
        seen, unique = set(), []
        for r in out:
            key = tuple(r.d.get(c) for c in distinct)
            if key not in seen:
                seen.add(key)
                unique.append(r)
        out = unique
    offset = args.get("offset") or 0
    limit = args.get("limit")
    return out[offset : offset + limit if limit is not None else None]


# --- field resolution ---------------------------------------------------------------------------


def _default_for(return_type: Any) -> Any:
    """A value for columns the emulator does not model, so non-null fields still serialise."""
    if not isinstance(return_type, GraphQLNonNull):
        return None
    inner = return_type.of_type
    if isinstance(inner, GraphQLList):
        return []
    if isinstance(inner, GraphQLScalarType):
        return {
            "Int": 0,
            "Float": 0.0,
            "Boolean": False,
            "String": "",
            "bigint": 0,
            "smallint": 0,
            "numeric": 0,
            "float8": 0.0,
            "json": [],
            "jsonb": {},
        }.get(inner.name, "")
    return None


def make_field_resolver(db: Db) -> Callable[..., Any]:
    def resolve(source: Any, info: Any, **args: Any) -> Any:
        name = info.field_name
        if isinstance(source, Rec):
            rel = db.rels.get(source.t, {}).get(name)
            if rel is not None:
                target, is_array, get = rel
                related = get(source.d)
                return select(db, target, related, args) if is_array else related
            if source.t == "images" and name == "url":  # on the emulator's own address, like a CDN URL
                return (info.context or {}).get("asset_base", "") + source.d["path"]
            value = source.d.get(name)
            return _default_for(info.return_type) if value is None else value
        if isinstance(source, dict):
            return source.get(name)
        return resolve_root(db, info, name, args)

    return resolve


def resolve_root(db: Db, info: Any, name: str, args: dict) -> Any:
    if name == "search":
        return search(db, **args)
    if name.endswith("_by_pk"):
        return db.by_id.get(name[: -len("_by_pk")], {}).get(args.get("id"))
    if name in db.tables:
        return select(db, name, None, args)
    rt = info.return_type
    if isinstance(rt, GraphQLNonNull) and isinstance(rt.of_type, GraphQLList):
        return []  # a table the emulator does not hold: empty, like a catalogue without that data
    if isinstance(rt, GraphQLObjectType | GraphQLNonNull):
        raise GraphQLError(f"field '{name}' is not served by the Hardcover emulator")
    return None


# --- search -------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return norm_text(text).split()


def _build_search(db: Db, cat: Catalogue) -> None:
    tokens: dict[str, set[int]] = defaultdict(set)
    for book in cat.books:
        audio = book.default_audio_edition
        narrators = [n for e in book.audio_editions[:1] for n in e.narrators]
        isbns = [v for e in book.editions for v in (e.isbn_10, e.isbn_13) if v]
        fs: dict = {}
        if book.series_id is not None:
            fs = {
                "id": book.book_id * 10 + 7,
                "position": book.position,
                "unreleased": False,
                "series": {
                    "id": book.series_id,
                    "name": book.series_name,
                    "slug": norm_text(book.series_name).replace(" ", "-"),
                },
            }
        doc = {
            "id": str(book.book_id),
            "title": book.title,
            "subtitle": book.subtitle,
            "slug": book.slug,
            "alternative_titles": [],
            "author_names": [*book.authors, *narrators],
            "contribution_types": ["Author"] * len(book.authors) + ["Narrator"] * len(narrators),
            "contributions": [
                {
                    "author": {
                        "id": cat.author_ids.get(a),
                        "name": a,
                        "slug": norm_text(a).replace(" ", "-"),
                    },
                    "contribution": None,
                }
                for a in book.authors
            ]
            + [
                {"author": {"name": n, "slug": norm_text(n).replace(" ", "-")}, "contribution": "Narrator"}
                for n in narrators
            ],
            "series_names": [book.series_name] if book.series_name else [],
            "featured_series": fs,
            "featured_series_position": book.position,
            "isbns": isbns,
            "release_year": book.release_year,
            "audio_seconds": audio.audio_seconds if audio else None,
            "has_audiobook": audio is not None,
            "has_ebook": any(e.reading_format_id == 4 for e in book.editions),
            "pages": book.physical_edition.pages if book.physical_edition else None,
            "users_count": book.users_count,
            "users_read_count": book.users_count // 2,
            "rating": book.rating,
            "ratings_count": book.users_count // 3,
            "activities_count": book.users_count // 5,
            "compilation": book.compilation,
            "genres": list(book.genres),
            "image": {},
        }
        db.docs[book.book_id] = doc
        for text in (book.title, book.subtitle or "", book.series_name or "", *book.authors):
            for tok in _tokens(text):
                tokens[tok].add(book.book_id)
        for v in isbns:
            tokens[v.lower()].add(book.book_id)
        db.title_keys.append(norm_text(book.title))
        db.title_ids.append(book.book_id)
    db.token_index = dict(tokens)


def _search_error(query: str, query_type: str | None, per_page: int, page: int, message: str) -> dict:
    return {
        "error": message,
        "ids": [],
        "page": page,
        "per_page": per_page,
        "query": query,
        "query_type": query_type or "Book",
        "results": None,
    }


def search(
    db: Db,
    query: str,
    query_type: str | None = None,
    per_page: int | None = None,
    page: int | None = None,
    sort: str | None = None,
    fields: str | None = None,
    weights: str | None = None,
    typos: str | None = None,
    filter_by: str | None = None,
) -> dict:
    per_page = 25 if per_page is None else per_page
    page = 1 if page is None else page
    qt = (query_type or "book").strip().lower()
    if qt not in ("book", "books"):
        return _search_error(
            query, query_type, per_page, page, f"query_type '{query_type}' is not served by the emulator"
        )
    field_list = tuple(f.strip() for f in fields.split(",")) if fields else DEFAULT_SEARCH_FIELDS
    weight_list = tuple(int(w) for w in weights.split(",")) if weights else DEFAULT_SEARCH_WEIGHTS
    typo_count = len(typos.split(",")) if typos else len(DEFAULT_SEARCH_FIELDS)
    if any(f not in SEARCH_FIELDS for f in field_list):
        bad = next(f for f in field_list if f not in SEARCH_FIELDS)
        return _search_error(
            query, query_type, per_page, page, f"Could not find a field named `{bad}` in the schema."
        )
    if len(weight_list) not in (1, len(field_list)):
        return _search_error(
            query,
            query_type,
            per_page,
            page,
            "Number of weights in `query_by_weights` does not match number of `query_by` fields.",
        )
    if typo_count not in (1, len(field_list)):
        return _search_error(
            query,
            query_type,
            per_page,
            page,
            "Number of values in `num_typos` does not match number of `query_by` fields.",
        )
    sort_keys: list[tuple[str, bool]] = []
    if sort:
        parts = [p.strip() for p in sort.split(",")]
        for p in parts:
            m = re.fullmatch(r"(\w+):(asc|desc)", p)
            if len(parts) > 3 or not m or m.group(1) not in SEARCH_SORT_FIELDS:
                return _search_error(query, query_type, per_page, page, "Parameter `sort_by` is malformed.")
            sort_keys.append((m.group(1), m.group(2) == "desc"))
    else:
        sort_keys = [("_text_match", True), ("users_count", True)]
    weight_of = dict(
        zip(field_list, weight_list * len(field_list) if len(weight_list) == 1 else weight_list, strict=False)
    )

    q = norm_text(query)
    q_tokens = q.split()
    content = [t for t in q_tokens if t not in _STOPWORDS] or q_tokens
    candidates: set[int] = set()
    for tok in content:
        candidates |= db.token_index.get(tok, set())
    # Typos: titles close to the whole query, as Typesense's typo tolerance would find them.
    for _, _, i in process.extract(q, db.title_keys, scorer=fuzz.ratio, limit=20, score_cutoff=60):
        candidates.add(db.title_ids[i])
    scored = []
    for bid in candidates:
        doc = db.docs[bid]
        best = 0.0
        for f in field_list:
            w = weight_of.get(f, 1)
            value = doc.get(f)
            texts = value if isinstance(value, list) else [value] if value else []
            for text in texts:
                t = norm_text(str(text))
                if not t:
                    continue
                sim = 0.6 * fuzz.ratio(q, t) + 0.4 * fuzz.token_set_ratio(q, t)
                best = max(best, sim * (0.5 + w / 10))
        if best >= 30:
            scored.append((int(best * 1000), doc))
    for key, desc in reversed(sort_keys):
        if key == "_text_match":
            scored.sort(key=lambda s: s[0], reverse=desc)
        else:
            scored.sort(key=lambda s, k=key: (s[1].get(k) is not None, s[1].get(k) or 0), reverse=desc)
    start = (page - 1) * per_page
    hits = [
        {"document": doc, "text_match": tm, "highlights": []} for tm, doc in scored[start : start + per_page]
    ]
    return {
        "error": None,
        "ids": [int(h["document"]["id"]) for h in hits],
        "page": page,
        "per_page": per_page,
        "query": query,
        "query_type": query_type or "Book",
        "results": {
            "facet_counts": [],
            "found": len(scored),
            "out_of": len(db.docs),
            "page": page,
            "search_cutoff": False,
            "search_time_ms": 1,
            "request_params": {"collection_name": "Book_emulated", "per_page": per_page, "q": query},
            "hits": hits,
        },
    }
