"""The emulated catalogue in the shape of shelfmatch's hc_* warehouse tables, as rows, as Polars frames
or inserted into a warehouse (tests and benchmarks score against it without a Hardcover round trip)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from emulators.catalogue import Book, Catalogue, cover_path, load_catalogue

_SCHEMAS = {
    "hc_books": {
        "book_id": pl.Int64,
        "title": pl.String,
        "subtitle": pl.String,
        "release_year": pl.Int32,
        "compilation": pl.Boolean,
    },
    "hc_editions": {
        "edition_id": pl.Int64,
        "book_id": pl.Int64,
        "reading_format_id": pl.Int32,
        "asin": pl.String,
        "isbn_10": pl.String,
        "isbn_13": pl.String,
        "audio_seconds": pl.Int64,
    },
    "hc_contributions": {
        "contributable_type": pl.String,
        "contributable_id": pl.Int64,
        "author_name": pl.String,
        "contribution": pl.String,
        "ordinal": pl.Int32,
    },
    "hc_series": {
        "book_id": pl.Int64,
        "series_id": pl.Int64,
        "series_name": pl.String,
        "position": pl.Float64,
        "featured": pl.Boolean,
    },
}


def catalogue_tables(
    book_ids: list[int] | None = None, cat: Catalogue | None = None
) -> dict[str, pl.DataFrame]:
    """The emulated catalogue (or the listed books of it) in the shape of the hc_* tables."""
    cat = cat or load_catalogue()
    rows = hc_table_rows(cat.books if book_ids is None else [cat.by_id[i] for i in book_ids])
    return {name: pl.DataFrame(rows[name], schema=schema) for name, schema in _SCHEMAS.items()}


def hc_table_rows(books: Iterable[Book], image_base: str | None = None) -> dict[str, list[dict]]:
    """These books as rows of the warehouse's hc_* tables, as fetch_candidates would leave them
    (authors as book contributions with a NULL role, narrators on their audio editions); image URLs
    on `image_base` (the Hardcover emulator's address) when given."""

    def image(kind: str, ident: int) -> str | None:
        path = cover_path(kind, ident)
        return f"{image_base.rstrip('/')}{path}" if image_base and path else None

    rows: dict[str, list[dict]] = {"hc_books": [], "hc_editions": [], "hc_contributions": [], "hc_series": []}
    for b in books:
        rows["hc_books"].append(
            {"book_id": b.book_id, "title": b.title, "subtitle": b.subtitle, "slug": b.slug,
             "release_year": b.release_year, "description": b.description, "genres": list(b.genres),
             "compilation": b.compilation, "image_url": image("books", b.book_id)}
        )  # fmt: skip
        rows["hc_contributions"] += [
            {"contributable_type": "Book", "contributable_id": b.book_id, "author_id": None,
             "author_name": a, "contribution": None, "ordinal": i}
            for i, a in enumerate(b.authors)
        ]  # fmt: skip
        if b.series_name:
            rows["hc_series"].append(
                {"book_id": b.book_id, "series_id": b.series_id, "series_name": b.series_name,
                 "position": b.position, "details": b.position_details, "featured": True}
            )  # fmt: skip
        for e in b.editions:
            rows["hc_editions"].append(
                {"edition_id": e.edition_id, "book_id": e.book_id, "title": e.title, "subtitle": e.subtitle,
                 "isbn_10": e.isbn_10, "isbn_13": e.isbn_13, "asin": e.asin,
                 "reading_format_id": e.reading_format_id, "edition_format": e.edition_format,
                 "audio_seconds": e.audio_seconds, "pages": e.pages, "release_year": e.release_year,
                 "publisher": e.publisher, "language": e.language,
                 "image_url": image("editions", e.edition_id)}
            )  # fmt: skip
            rows["hc_contributions"] += [
                {"contributable_type": "Edition", "contributable_id": e.edition_id, "author_id": None,
                 "author_name": n, "contribution": "Narrator", "ordinal": i}
                for i, n in enumerate(e.narrators)
            ]  # fmt: skip
    return rows


def load_hc_tables(con, books: Iterable[Book], image_base: str | None = None) -> None:
    """Insert these books into a warehouse's hc_* tables in bulk (Arrow), as fetch_candidates would.

    For tests and benchmarks that need a Hardcover slice without running fetch_candidates; cover
    image URLs point at `image_base` (a running Hardcover emulator) when given."""
    import pyarrow as pa

    from tasks.warehouse import now

    stamp = now()
    for name, rows in hc_table_rows(books, image_base).items():
        if not rows:
            continue
        if name in ("hc_books", "hc_editions"):
            rows = [{**r, "fetched_at": stamp} for r in rows]
        table = pa.Table.from_pylist(rows)
        cols = ", ".join(table.column_names)  # identifiers from the fixed dicts above, never user input
        verb = "INSERT OR REPLACE" if name in ("hc_books", "hc_editions") else "INSERT"
        con.register("incoming_hc_rows", table)
        try:
            con.execute(f"{verb} INTO {name} ({cols}) SELECT {cols} FROM incoming_hc_rows")
        finally:
            con.unregister("incoming_hc_rows")
