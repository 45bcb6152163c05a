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


class _Refused(ValueError):
    """A query Hardcover answers with an error message in place of results."""


def _answer(
    query: str,
    query_type: str | None,
    per_page: int,
    page: int,
    error: str | None,
    ids: list[int] | None = None,
    results: dict | None = None,
) -> dict:
    """The `search` envelope Hardcover answers with, a refusal (`error`, no results) or a page of hits."""
    return {
        "error": error,
        "ids": ids or [],
        "page": page,
        "per_page": per_page,
        "query": query,
        "query_type": query_type or "Book",
        "results": results,
    }


def _ints(given: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in given.split(",")) if given else default
    except ValueError:
        raise _Refused("`query_by_weights` and `num_typos` must be integers.") from None


def _per_field(values: tuple[int, ...], n_fields: int, what: str) -> tuple[int, ...]:
    """One value for every field, or one for each; `what` names the values in the error."""
    if len(values) not in (1, n_fields):
        raise _Refused(f"Number of {what} does not match number of `query_by` fields.")
    return values * n_fields if len(values) == 1 else values


def _query_by(fields: str | None, weights: str | None, typos: str | None) -> QueryBy:
    """The searched fields with their weights and typos, checked in the order Hardcover checks them."""
    field_list = tuple(f.strip() for f in fields.split(",")) if fields else DEFAULT_SEARCH_FIELDS
    weight_list = _ints(weights, DEFAULT_SEARCH_WEIGHTS)
    typo_list = _ints(typos, DEFAULT_SEARCH_TYPOS)
    bad = [f for f in field_list if f not in SEARCH_FIELDS]
    if bad:
        raise _Refused(f"Could not find a field named `{bad[0]}` in the schema.")
    n = len(field_list)
    return QueryBy(
        field_list,
        _per_field(weight_list, n, "weights in `query_by_weights`"),
        _per_field(typo_list, n, "values in `num_typos`"),
    )


def _sort_keys(sort: str | None) -> list[tuple[str, bool]]:
    """`sort_by` as (field, descending) pairs, at most three."""
    if not sort:
        return [("_text_match", True), ("users_count", True)]
    keys: list[tuple[str, bool]] = []
    parts = [p.strip() for p in sort.split(",")]
    for p in parts:
        m = re.fullmatch(r"(\w+):(asc|desc)", p)
        if len(parts) > 3 or not m or m.group(1) not in SEARCH_SORT_FIELDS:
            raise _Refused("Parameter `sort_by` is malformed.")
        keys.append((m.group(1), m.group(2) == "desc"))
    return keys


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
    try:
        if (query_type or "book").strip().lower() not in ("book", "books"):
            raise _Refused(f"query_type '{query_type}' is not served by the emulator")
        query_by = _query_by(fields, weights, typos)
        sort_keys = _sort_keys(sort)
    except _Refused as refused:
        return _answer(query, query_type, per_page, page, str(refused))
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
    return _answer(
        query,
        query_type,
        per_page,
        page,
        None,
        ids=[int(h["document"]["id"]) for h in hits],
        results={
            "facet_counts": [],
            "found": len(scored),
            "out_of": len(db.docs),
            "page": page,
            "search_cutoff": False,
            "search_time_ms": 1,
            "request_params": {"collection_name": "Book_emulated", "per_page": per_page, "q": query},
            "hits": hits,
        },
    )
