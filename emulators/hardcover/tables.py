"""The emulated Hardcover database: Hasura-style tables over `emulators.catalogue`, with the
relationships a query can follow (book → editions → contributions → author) and column indexes."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from anyascii import anyascii

from emulators.catalogue import Catalogue, cover_path

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
    collection: Any = None  # the search's Typesense collection (emulators.hardcover.typesense)

    def index(self, table: str, column: str) -> dict[Any, list[Rec]]:
        key = (table, column)
        if key not in self.idx:
            built: dict[Any, list[Rec]] = defaultdict(list)
            for rec in self.tables[table]:
                built[rec.d.get(column)].append(rec)
            self.idx[key] = built
        return self.idx[key]


def build_tables(cat: Catalogue) -> Db:
    """Every table for `cat`, with the relationships wired (the search index is built separately)."""
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
    return db


def _wire_relationships(db: Db) -> None:
    """(table, field) -> (target table, is_array, getter(row) -> Rec | list[Rec] | None)."""
    one = db.by_id
    edition_contribs = db.index("contributions", "contributable_id")

    def contribs(kind: str) -> Callable[[dict], list[Rec]]:
        return lambda d: [c for c in edition_contribs.get(d["id"], ()) if c.d["contributable_type"] == kind]

    def to_one(table: str, column: str) -> tuple[str, bool, Callable[[dict], Any]]:
        """The row of `table` whose id is this row's `column`."""
        return table, False, lambda d: one[table].get(d[column])

    def to_many(table: str, column: str) -> tuple[str, bool, Callable[[dict], Any]]:
        """The rows of `table` whose `column` is this row's id."""
        return table, True, lambda d: db.index(table, column).get(d["id"], [])

    image = ("images", False, lambda d: one.get("images", {}).get(d.get("image_id")))
    db.rels = {
        "books": {
            "editions": to_many("editions", "book_id"),
            "contributions": ("contributions", True, contribs("Book")),
            "book_series": to_many("book_series", "book_id"),
            "default_audio_edition": to_one("editions", "default_audio_edition_id"),
            "default_physical_edition": to_one("editions", "default_physical_edition_id"),
            "default_ebook_edition": to_one("editions", "default_ebook_edition_id"),
            "default_cover_edition": to_one("editions", "default_cover_edition_id"),
            "featured_book_series": to_one("book_series", "featured_book_series_id"),
            "canonical": ("books", False, lambda d: None),
            "image": image,
        },
        "editions": {
            "book": to_one("books", "book_id"),
            "contributions": ("contributions", True, contribs("Edition")),
            "reading_format": to_one("reading_formats", "reading_format_id"),
            "publisher": to_one("publishers", "publisher_id"),
            "language": to_one("languages", "language_id"),
            "image": image,
        },
        "contributions": {
            "author": to_one("authors", "author_id"),
            "book": to_one("books", "book_id"),
        },
        "authors": {"contributions": to_many("contributions", "author_id")},
        "series": {"book_series": to_many("book_series", "series_id")},
        "book_series": {
            "book": to_one("books", "book_id"),
            "series": to_one("series", "series_id"),
        },
        "publishers": {"editions": to_many("editions", "publisher_id")},
    }
