"""Shared pytest fixtures (registered in tests/conftest.py)."""

# --- Hardcover: emulator fixtures and a small library of items with known answers ---------
from __future__ import annotations

import pytest

HC_TOKEN = "test-token"


def fast_limits(**overrides):
    """The Free plan's shape with a fast refill, so pacing is exercised without minutes of waiting."""
    from emulators.hardcover import Limits

    return Limits(**{"per_minute": 1200, "burst": 10, **overrides})


@pytest.fixture
async def hc_emulator():
    """A Hardcover emulator on a random port in the test's event loop (for async client tests)."""
    from emulators.hardcover import HardcoverEmulator

    emu = HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())
    await emu.start()
    yield emu
    await emu.stop()


@pytest.fixture
def hc_server(monkeypatch):
    """A Hardcover emulator in a background thread, with settings pointing at it (for flows)."""
    from emulators.hardcover import HardcoverEmulator, run_hardcover_emulator

    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        monkeypatch.setenv("SHELFMATCH_HARDCOVER_URL", emu.url)
        monkeypatch.setenv("SHELFMATCH_HARDCOVER_TOKEN", HC_TOKEN)
        yield emu


def catalogue_items(n: int, start: int = 0) -> list[dict]:
    """Items that *are* catalogue books, with evidence of varied quality; `truth` is the book id.

    Every 4th has the audio ASIN, every 4th+1 the print ISBN-13, the rest only title + author
    ("Last, First" for some), and every 7th a typo in the title.
    """
    from emulators.catalogue import load_catalogue

    cat = load_catalogue()
    items = []
    for k, book in enumerate(cat.books[start : start + n]):
        title = book.title
        if k % 7 == 6 and len(title) > 6:
            title = title[:3] + title[4:]  # a dropped letter
        author = book.authors[0]
        if k % 5 == 4 and " " in author:
            first, last = author.rsplit(" ", 1)
            author = f"{last}, {first}"
        audio = book.default_audio_edition
        phys = book.physical_edition
        item = {
            "item_id": f"li_{book.goodbooks_id}",
            "title": title,
            "authors": [author],
            "truth": book.book_id,
            "duration": float(audio.audio_seconds) if audio else None,
        }
        if k % 4 == 0 and audio:
            item["asin"] = audio.asin
        if k % 4 == 1 and phys and phys.isbn_13:
            item["isbn"] = phys.isbn_13
        items.append(item)
    return items


def searching_items(n: int, start: int = 0) -> list[dict]:
    """Catalogue items with only a title, one letter dropped from it: neither the identifier, the author nor
    the exact-title lookup can find them, so each one needs a title search of its own."""
    items = []
    for it in catalogue_items(n, start):
        title = it["title"]
        longest = max(title.split(), key=len)
        at = title.index(longest) + len(longest) // 2  # a letter from the middle of its longest word
        items.append(dict(it, title=title[:at] + title[at + 1 :], authors=[], asin=None, isbn=None))
    return items


def seed_items(db_path, items: list[dict]) -> None:
    """abs_items + item_evidence rows for `items` (as `catalogue_items` makes them)."""
    from tasks.warehouse import connect, now

    with connect(db_path) as con:
        for it in items:
            con.execute(
                "INSERT OR REPLACE INTO abs_items(item_id, library_id, title, authors, asin, isbn, duration, extracted_at)"
                " VALUES (?, 'lib', ?, ?, ?, ?, ?, ?)",
                [
                    it["item_id"],
                    it["title"],
                    it["authors"],
                    it.get("asin"),
                    it.get("isbn"),
                    it.get("duration"),
                    now(),
                ],
            )
            con.execute("DELETE FROM item_evidence WHERE item_id = ?", [it["item_id"]])
            rows = [("title", it["title"], 0)] + [("author", a, i) for i, a in enumerate(it["authors"])]
            rows += [(f, it[f], 0) for f in ("asin", "isbn") if it.get(f)]
            for fld, value, ordinal in rows:
                con.execute(
                    "INSERT INTO item_evidence(item_id, source, field, value, ordinal, rule) VALUES (?, 'abs', ?, ?, ?, 'test')",
                    [it["item_id"], fld, value, ordinal],
                )
