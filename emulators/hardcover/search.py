"""Hardcover's `search` over the emulated catalogue: the Book documents, and the query rules (fields,
weights, typos, sort, paging) with the errors Hardcover answers; the matching and text ranking are
Typesense's (`typesense.py`)."""

from __future__ import annotations

import re

from emulators.catalogue import Catalogue
from emulators.hardcover.tables import Db, norm_text
from emulators.hardcover.typesense import Collection, QueryBy, text_search

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
DEFAULT_SEARCH_TYPOS = (5, 0, 5, 5, 5)  # Hardcover asks for 5; Typesense allows at most 2 per token


def build_search_index(db: Db, cat: Catalogue) -> None:
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
    db.collection = Collection(db.docs, "users_count")
    for f in DEFAULT_SEARCH_FIELDS:  # indexed up front so the first search answers as fast as the rest
        db.collection.field(f)


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
    try:
        weight_list = tuple(int(w) for w in weights.split(",")) if weights else DEFAULT_SEARCH_WEIGHTS
        typo_list = tuple(int(t) for t in typos.split(",")) if typos else DEFAULT_SEARCH_TYPOS
    except ValueError:
        return _search_error(
            query, query_type, per_page, page, "`query_by_weights` and `num_typos` must be integers."
        )
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
    if len(typo_list) not in (1, len(field_list)):
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
    query_by = QueryBy(
        field_list,
        weight_list * len(field_list) if len(weight_list) == 1 else weight_list,
        typo_list * len(field_list) if len(typo_list) == 1 else typo_list,
    )
    scored = [(tm, db.docs[bid]) for tm, bid in text_search(db.collection, query, query_by)]
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
