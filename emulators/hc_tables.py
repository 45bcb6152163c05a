"""The emulated catalogue in the shape of shelfmatch's hc_* warehouse tables (tests and benchmarks
score against it without a Hardcover round trip)."""

from __future__ import annotations

import polars as pl

from emulators.catalogue import Catalogue, hc_table_rows, load_catalogue

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
