"""Test data for the review/writeback/rollback tests (helpers only, no tests here).

Fills the Hardcover tables straight from the emulated catalogue (the shared ground truth) and the
`matches` table with chosen tiers — test data setup for the parts this suite does not test,
so the tests of review and writeback do not depend on the scoring being right.
"""

from __future__ import annotations

import asyncio
import json

import duckdb
import pytest

from emulators.abs import TRUE_TITLES
from emulators.catalogue import Book, load_catalogue
from emulators.hc_tables import load_hc_tables
from tasks.review import decide
from tasks.warehouse import connect, now


def catalogue_books(n: int, start: int = 0, with_series: bool | None = None) -> list[Book]:
    """n catalogue books that have an audio edition (and a series, when asked)."""
    books = []
    for b in load_catalogue().books[start:]:
        if b.default_audio_edition is None or not b.authors:
            continue
        if with_series is not None and (b.series_name is not None) != with_series:
            continue
        books.append(b)
        if len(books) == n:
            break
    return books


def load_books(con: duckdb.DuckDBPyConnection, books: list[Book]) -> None:
    """hc_books, hc_editions, hc_contributions, hc_series rows for these catalogue books."""
    load_hc_tables(con, books)


def set_match(
    con: duckdb.DuckDBPyConnection,
    item_id: str,
    book: Book | None,
    tier: str,
    confidence: float,
    runner_ups: list[tuple[Book, float]] = (),
    evidence_hash: str = "h1",
    run_id: str = "score-1",
) -> None:
    """One `matches` row (+ its `match_scores`), as the score flow would leave it."""
    edition = book.default_audio_edition if book else None
    explanation = [
        {"feature": "title", "level": "exact", "weight": 0.4},
        {"feature": "author", "level": "close", "weight": 0.2},
        {"feature": "series_position", "level": "differs", "weight": -0.3},
    ]
    con.execute("DELETE FROM matches WHERE item_id = ?", [item_id])
    con.execute(
        "INSERT INTO matches (item_id, run_id, book_id, edition_id, confidence, tier, explanation, evidence_hash, scored_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            item_id,
            run_id,
            book.book_id if book else None,
            edition.edition_id if edition else None,
            confidence,
            tier,
            json.dumps(explanation),
            evidence_hash,
            now(),
        ],
    )
    for b, c in [(book, confidence), *runner_ups]:
        if b is None:
            continue
        e = b.default_audio_edition
        con.execute(
            "INSERT INTO match_scores (run_id, item_id, book_id, edition_id, confidence, explanation, scored_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, item_id, b.book_id, e.edition_id if e else None, c, json.dumps(explanation), now()],
        )


def insert_abs_item(con: duckdb.DuckDBPyConnection, item_id: str, **fields) -> None:
    """An `abs_items` row (for tests that need no ABS server, like the review prompt)."""
    cols = {
        "item_id": item_id,
        "library_id": "lib",
        "rel_path": f"Somebody/{item_id}",
        "extracted_at": now(),
        **fields,
    }
    con.execute(
        f"INSERT INTO abs_items ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
        list(cols.values()),
    )


# --- the recorded ABS library, matched and partly decided (e2e and fault tests) ---------------------------

# title -> (tier, a person's decision)
PLAN = {
    "incoming": ("pending", "approve"),
    "Hunger Games, The": ("auto", None),
    "The Hitchhiker's Guide to the Galaxy": ("auto", None),
    "Project Hail Mary": ("reject", None),
    "The Colour of Magic": ("auto", None),
    "The Final Empire": ("auto", "reject"),  # a person's reject beats the auto tier
    "Dune - Frank Herbert (Unabridged)": ("pending", "approve"),
    "Part 1": ("pending", "approve"),
    "Good Omens": ("pending", "reject"),
    "Throne of Jade": ("pending", None),  # not decided: not written
}
APPROVED_TITLES = {
    "incoming",
    "Hunger Games, The",
    "The Hitchhiker's Guide to the Galaxy",
    "The Colour of Magic",
    "Dune - Frank Herbert (Unabridged)",
    "Part 1",
}
# Derived by ABS from the fields above; compared through them.
WRITE_REQUESTS = ("/api/items/batch/update",)


async def extract(db_path) -> None:
    """The real extract_abs flow (sync; it runs its own event loop, so off this test's loop)."""
    from flows.extract import extract_abs

    await asyncio.to_thread(extract_abs, db_path=str(db_path))


def metadata_json(emu) -> dict[str, str]:
    """Each item's raw media.metadata as ABS serves it, byte for byte."""
    return {i: json.dumps(it["media"]["metadata"], sort_keys=True) for i, it in emu.items.items()}


def writes(emu) -> list[dict]:
    return [r for r in emu.request_log if r["method"] == "PATCH" or r["path"].startswith(WRITE_REQUESTS)]


def delivered_writes(emu) -> list[str]:
    """Item ids of every write ABS accepted (200), one entry per item per request, from the request bodies."""
    ids = []
    for r in writes(emu):
        if r.get("status") != 200:
            continue
        if r["method"] == "PATCH":
            ids.append(r["path"].split("/")[-2])
        else:
            ids += [u["id"] for u in json.loads(r["body"])]
    return ids


def book_for(title: str, spare):
    wanted = TRUE_TITLES.get(title)
    for b in load_catalogue().books:
        if wanted and b.title == wanted and b.default_audio_edition is not None:
            return b
    return next(spare)


@pytest.fixture(name="library")
def library_fixture(abs_server, abs_settings, db_path):
    """The recorded ABS library behind the emulator, extracted, matched and partly decided."""
    emu = abs_server(record_bodies=True)
    abs_settings(emu)
    spare = iter(catalogue_books(5, start=200))
    by_title = {it["media"]["metadata"]["title"]: it["id"] for it in emu.items.values()}
    books = {title: book_for(title, spare) for title in PLAN}
    with connect(db_path) as con:
        load_books(con, list({b.book_id: b for b in books.values()}.values()))
        for title, (tier, _) in PLAN.items():
            set_match(
                con, by_title[title], books[title], tier, {"auto": 0.97, "pending": 0.85, "reject": 0.5}[tier]
            )
        for decision in ("approve", "reject"):
            ids = [by_title[t] for t, (_, d) in PLAN.items() if d == decision]
            decide(con, decision, ids, by="tester")
    return emu, by_title, books
