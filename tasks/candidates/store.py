"""Books and candidates into the warehouse: `hc_*` rows from Hardcover's book objects, ranked candidates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from tasks.candidates.items import ItemQuery
from tasks.warehouse import load_sql, now


@dataclass
class Cand:
    book_id: int
    strategy: str
    score: float
    edition_id: int | None = None


STRATEGY_ORDER = {
    "asin": 0,
    "isbn": 1,
    "author_books": 2,
    "series_books": 3,
    "title": 4,
    "search": 5,
    "transcript_search": 6,
}


def book_rows(books: list[dict[str, Any]]) -> dict[str, pl.DataFrame]:
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
    schemas: dict[str, dict[str, pl.DataType | type[pl.DataType]]] = {
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


def store_books(con: duckdb.DuckDBPyConnection, books: list[dict[str, Any]]) -> None:
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
            cands.values(), key=lambda c: (STRATEGY_ORDER.get(c.strategy, 9), -c.score, c.book_id)
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


def settle_evidence(con: duckdb.DuckDBPyConnection, items: list[ItemQuery], run_id: str | None) -> None:
    """Mark `items` as fetched for their current evidence, keeping the candidates they have, without
    a lookup: listening identified one of those candidates, so what it heard (that book's own title
    and author, or its misheard spelling) can only bring the catalogue's rivals of that book."""
    if not items:
        return
    ts = now()
    frame = pl.DataFrame(
        [
            {"item_id": it.item_id, "evidence_hash": it.evidence_hash, "run_id": run_id, "fetched_at": ts}
            for it in items
        ],
        schema={"item_id": pl.Utf8, "evidence_hash": pl.Utf8, "run_id": pl.Utf8, "fetched_at": pl.Datetime},
        orient="row",
    )
    _transaction(con, {"new_status": frame}, ["candidates_settle"])
