"""What every generator family shares: catalogue releases with real-world noise, invented books,
audio-only items, and the assembly of expanded ABS 2.36 items from a family's folder/file/tag layout.

A family only decides how a *release* of a book is laid out on disk and tagged (`Layout`); this
module turns that into the item a freshly scanned ABS 2.36 library shows, through the port of ABS's
scanner (emulators.abs_scanner), and records the truth, the traits and the facts the audio speaks.

Noise on the item side, drawn per release (traits["noise"] names what was applied):
- `duration`: the item is another release than the catalogue's audio edition — 1-9 % longer or
  shorter (abridged copies 5-20 %);
- `audio_year`: the year is the audio edition's release year, not first publication (store listings
  give the release date of the recording); `no_year`;
- `no_narrator`: the source lists no narrator;
- `typo_title` / `typo_author`: one letter wrong (swapped, dropped, doubled or replaced);
- `subtitle_in_title`: "Title: Subtitle" as one title string;
- `book_n`: the series and "Book N" folded into the title or subtitle, as store listings do
  ("The Final Empire: Mistborn, Book 1");
- `all_authors`: every credited name (illustrators, translators) as authors, not just the first.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulators.abs_scanner import LibraryScanState, meta_tags_from_probe, scan_book_metadata
from emulators.catalogue import Book, Edition, load_catalogue, make_asin
from emulators.corpus import Facts, GeneratedLibrary, Truth
from emulators.corpus.assembly import (
    ItemDraft,
    SeededIds,
    audio_file,
    expanded_item,
    no_cyclic_gc,
    seeded_uuid,
)
from emulators.corpus.draws import fmt_pos
from emulators.corpus.library import Naming
from emulators.corpus.shelf import Shelf

_BASE_MS = 1_796_000_000_000


@dataclass
class Release(Naming):
    """A book as one real-world source (a store listing, a release) names it — noise included."""

    date: str | None  # YYYY-MM-DD of the audio release
    publisher: str | None
    asin: str | None
    isbn: str | None
    genres: list[str]
    language: str | None
    seconds: float
    abridged: bool = False
    noise: list[str] = field(default_factory=list)


@dataclass
class Layout:
    """How a family put one release on disk: item path, audio files with the raw tags the tool wrote
    (ffprobe format-tag names), other files in the folder, and what ABS shows if it was matched."""

    rel_path: str
    is_file: bool
    files: list[tuple[str, dict[str, str]]]
    traits: dict
    text_files: dict[str, str] = field(default_factory=dict)  # name -> content (desc.txt, reader.txt)
    matched: dict | None = None  # Quick Match result: scan-shaped metadata that replaces the scan


@dataclass
class Item:
    """One item to lay out: its kind, the true facts and the release the files were made from."""

    kind: str  # matchable | no_audio_edition | distractor | same_title_trap | audio_only
    release: Release
    facts: Facts
    truth: Truth
    borrowed: Book | None = None


def numbered(n: int) -> list[tuple[int, str]]:
    """1..n, each with its number zero-padded to the width of n, as tools number a release's part files."""
    width = len(str(n))
    return [(k, f"{k:0{width}d}") for k in range(1, n + 1)]


def typo(rng: random.Random, text: str) -> str:
    """One letter wrong in one word of four letters or more."""
    words = text.split(" ")
    spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not spots:
        return text
    i = rng.choice(spots)
    w = words[i]
    k = rng.randrange(1, len(w) - 1)
    how = rng.randrange(4)
    if how == 0:
        w = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    elif how == 1:
        w = w[:k] + w[k + 1 :]
    elif how == 2:
        w = w[:k] + w[k] + w[k:]
    else:
        w = w[:k] + rng.choice([c for c in string.ascii_lowercase if c != w[k].lower()]) + w[k + 1 :]
    words[i] = w
    return " ".join(words)


_INV_FIRST = ["Maren", "Idris", "Solveig", "Ewan", "Talia", "Bastian", "Noor", "Casimir", "Odile", "Rafferty",
              "Wren", "Ignatius", "Liora", "Fenwick", "Saoirse", "Dashiell"]  # fmt: skip
_INV_LAST = ["Okonkwo-Hale", "Verhoeven", "Lindqvist", "Castellane", "Mbeki-Ross", "Farquhar", "Ystrad", "Delacroix-Moon",
             "Haverford", "Quennell", "Ardashir", "Tolliver"]  # fmt: skip
_INV_A = ["Brass", "Sunken", "Ninth", "Ashen", "Velvet", "Unquiet", "Copper", "Borrowed", "Tidal", "Marrow",
          "Sleepless", "Hollowed"]  # fmt: skip
_INV_B = ["Cartwright", "Semaphore", "Undertow", "Orrery", "Causeway", "Palimpsest", "Menagerie", "Lodestar",
          "Estuary", "Bellfounder", "Weir", "Almoner"]  # fmt: skip


class Context(SeededIds):
    """Seeded state for one generated library."""

    def __init__(self, seed: int, family: str, folder: str, library_id: str | None):
        self.rng = random.Random(f"{family}:{seed}")
        self.family = family
        self.cat = load_catalogue()
        self.folder = folder.rstrip("/") or "/"
        self.library_id = library_id or seeded_uuid(f"{family}:ids:{seed}")
        self.folder_id = seeded_uuid(f"folder:{self.library_id}")
        self.ino = 2_000_000 + self.rng.randrange(1_000_000)
        self.state = LibraryScanState(new_id=self.uuid)
        self.rel_paths: set[str] = set()
        self.titles = {b.title.lower() for b in self.cat.books}
        self.by_title: dict[str, list[Book]] = {}
        for b in self.cat.books:
            self.by_title.setdefault(b.title.lower(), []).append(b)

    def unique(self, rel: str, is_file: bool) -> str:
        while rel in self.rel_paths:
            if is_file:
                stem, ext = rel.rsplit(".", 1)
                rel = f"{stem} ({self.rng.randrange(2, 100)}).{ext}"
            else:
                rel = f"{rel} ({self.rng.randrange(2, 100)})"
        self.rel_paths.add(rel)
        return rel

    def person(self) -> str:
        return f"{self.rng.choice(_INV_FIRST)} {self.rng.choice(_INV_LAST)}"

    # --- releases ---------------------------------------------------------------------------------------
    def release(self, book: Book, edition: Edition | None) -> Release:
        rng = self.rng
        noise: list[str] = []
        first_year = book.release_year if book.release_year and book.release_year > 0 else None
        audio_year = max(first_year or 1990, rng.randint(1996, 2024)) if rng.random() < 0.85 else first_year
        if audio_year and audio_year > 2025:
            audio_year = 2025
        date = f"{audio_year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if audio_year else None
        r = rng.random()
        if r < 0.55 and audio_year:
            year = str(audio_year)
            if audio_year != first_year:
                noise.append("audio_year")
        elif r < 0.9:
            year = str(first_year) if first_year else None
        else:
            year = None
            noise.append("no_year")
        if edition is not None and edition.audio_seconds:
            seconds = float(edition.audio_seconds)
            narrators = list(edition.narrators)
            publisher = edition.publisher
            asin = edition.asin
            abridged = edition.kind == "abridged"
        else:
            pages = (
                book.physical_edition.pages if book.physical_edition and book.physical_edition.pages else 300
            )
            seconds = pages * 95 * rng.uniform(0.85, 1.15)
            narrators = [self.person()]
            publisher = "Independent Audio"
            asin = make_asin("unlisted", book.book_id)
            abridged = False
        if rng.random() < 0.35:
            spread = rng.uniform(0.05, 0.2) if abridged else rng.uniform(0.01, 0.09)
            seconds *= 1 + spread * rng.choice((-1, 1))
            noise.append("duration")
        else:
            seconds *= 1 + rng.uniform(-0.004, 0.004)
        if narrators and rng.random() < 0.15:
            narrators = []
            noise.append("no_narrator")
        authors = list(book.authors[:1]) or ["Anonymous"]
        if len(book.authors) > 1 and rng.random() < 0.25:
            authors = list(book.authors)
            noise.append("all_authors")
        title, subtitle = book.title, book.subtitle
        position = fmt_pos(book.position)
        if subtitle and rng.random() < 0.5:
            title, subtitle = f"{title}: {subtitle}", None
            noise.append("subtitle_in_title")
        elif book.series_name and position and not subtitle and rng.random() < 0.3:
            subtitle = f"{book.series_name}, Book {position}"
            noise.append("book_n")
        if rng.random() < 0.06:
            title = typo(rng, title)
            noise.append("typo_title")
        if rng.random() < 0.03:
            authors = [typo(rng, authors[0]), *authors[1:]]
            noise.append("typo_author")
        physical = book.physical_edition
        return Release(
            title=title,
            subtitle=subtitle,
            authors=authors,
            narrators=narrators,
            series=book.series_name,
            position=position,
            year=year,
            date=date,
            publisher=publisher,
            asin=asin,
            isbn=physical.isbn_13 if physical else None,
            genres=list(book.genres),
            language=book.language,
            seconds=seconds,
            abridged=abridged,
            noise=noise,
        )

    def invented_title(self) -> str:
        rng = self.rng
        for _ in range(50):
            shape = rng.randrange(4)
            a, b = rng.choice(_INV_A), rng.choice(_INV_B)
            if shape == 0:
                t = f"The {a} {b}"
            elif shape == 1:
                t = f"{b} of the {a} {rng.choice(_INV_B)}"
            elif shape == 2:
                t = f"A {b} for {rng.choice(_INV_FIRST)}"
            else:
                t = f"{a} {b}s"
            if t.lower() not in self.titles:
                return t
        raise RuntimeError("could not invent a title the catalogue does not have")

    def invented(self, same_title_as: Book | None) -> Release:
        rng = self.rng
        series = position = None
        if same_title_as is None and rng.random() < 0.3:
            series, position = f"The {rng.choice(_INV_B)} Sequence", str(rng.randint(1, 7))
        year = rng.randint(1985, 2024)
        return Release(
            title=same_title_as.title if same_title_as else self.invented_title(),
            subtitle=None,
            authors=[self.person()],
            narrators=[self.person()] if rng.random() < 0.8 else [],
            series=series,
            position=position,
            year=str(year),
            date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            publisher=rng.choice(["Self-published", "Podium Audio", "Independent Audio", None]),
            asin=make_asin("invented", rng.random()),
            isbn=None,
            genres=["Fiction"],
            language="English",
            seconds=rng.uniform(2.5, 22) * 3600,
        )


def facts_for(release: Release, book: Book | None, edition: Edition | None) -> Facts:
    """What the audio speaks: the true book's names (a distractor's invented ones)."""
    if book is None:
        return Facts(release.title, None, list(release.authors), list(release.narrators), release.series,
                     release.position, release.year, release.publisher, list(release.genres), release.language,
                     release.seconds, release.asin, None, "unabridged", None)  # fmt: skip
    return Facts.of_book(
        book,
        edition,
        authors=list(book.authors[:1]),
        narrators=list(edition.narrators) if edition else list(release.narrators),
        publisher=edition.publisher if edition else release.publisher,
        seconds=release.seconds,
    )


# Folder and file names that say nothing about the book (rips, downloads, renamed-away copies).
_BLIND_DIRS = ["New Folder", "New folder (2)", "untitled folder", "rip", "audio", "CD", "disc", "book",
               "Unknown", "tmp", "download", "part"]  # fmt: skip
_BLIND_FILES = ["Track {n:02d}", "track{n:02d}", "{n:02d}", "Audio Track {n}", "part{n}", "AUDIO_{n:03d}",
                "file{n}"]  # fmt: skip


def blind_layout(ctx: Context, kind: str) -> Layout:
    """An item whose only evidence is the audio: a meaningless name and no tags but the encoder."""
    rng = ctx.rng
    ext = rng.choice([".mp3", ".mp3", ".m4a", ".m4b"])
    enc = {"encoder": rng.choice(["Lavf58.76.100", "LAME3.100", "Lavf60.16.100"])}
    if rng.random() < 0.3:
        name = rng.choice(["audiobook", "book", "untitled", "Audio", "recording", "New Recording"])
        rel = ctx.unique(f"{name} {rng.randrange(1, 999)}{ext}", True)
        return Layout(rel, True, [(rel, dict(enc))], {"scheme": "blind_root_file", "tags": "none"})
    folder = f"{rng.choice(_BLIND_DIRS)} {rng.randrange(1, 400)}"
    if rng.random() < 0.4:
        folder = f"{rng.choice(['Downloads', 'incoming', 'Audiobooks', 'old'])}/{folder}"
    rel = ctx.unique(folder, False)
    n = 1 if rng.random() < 0.5 else rng.randint(2, 5)
    pattern = rng.choice(_BLIND_FILES)
    files = [(pattern.format(n=k) + ext, dict(enc)) for k in range(1, n + 1)]
    return Layout(rel, False, files, {"scheme": "blind_folder", "tags": "none"})


# --- assembly --------------------------------------------------------------------------------------------------

_TXT = {".txt": "text", ".jpg": "image", ".png": "image", ".nfo": "text", ".opf": "metadata"}


def _first_number(name: str) -> int | None:
    m = re.search(r"\d{1,4}", name.rsplit(".", 1)[0])
    return int(m.group(0)) if m else None


def build_item(ctx: Context, it: Item, lay: Layout) -> dict:
    rng = ctx.rng
    item = ItemDraft.start(ctx, ctx.folder, lay.rel_path, lay.is_file, _BASE_MS)
    n = len(lay.files)
    weights = [rng.uniform(0.7, 1.3) for _ in range(n)]
    total = sum(weights)
    for i, (frel, raw) in enumerate(lay.files):
        tags = meta_tags_from_probe(raw)
        disc_m = re.match(r"(?i)(?:cd|dis[ck])\s*(\d{1,3})/", frel)
        disc = int(disc_m.group(1)) if disc_m else None
        seconds = it.release.seconds * weights[i] / total
        af = audio_file(ctx, item.file_path(frel), frel, i + 1, seconds, tags, item.ts, disc, None)
        af["trackNumFromFilename"] = _first_number(frel.rsplit("/", 1)[-1]) if n > 1 else None
        item.audio_files.append(af)
    first_tags = item.audio_files[0]["metaTags"]
    scanned = scan_book_metadata(
        lay.rel_path,
        lay.is_file,
        first_tags,
        reader_txt=lay.text_files.get("reader.txt"),
        desc_txt=lay.text_files.get("desc.txt"),
    )
    md = lay.matched if lay.matched is not None else scanned
    metadata = ctx.state.expanded_metadata(md)

    extra = dict(lay.text_files)
    if not lay.is_file and rng.random() < 0.35:
        extra["cover.jpg"] = ""
    for name, content in extra.items():
        kind = _TXT.get("." + name.rsplit(".", 1)[-1].lower(), "unknown")
        item.add_side_file(ctx, name, len(content.encode()) if content else 24_576, kind)

    touched = rng.randrange(1000, 86_400_000) if lay.matched is not None else 0
    return expanded_item(
        ctx,
        item,
        updated=item.ts + 9500 + touched,
        metadata=metadata,
        last_scan=item.ts + 9400,
        chapter_every=2400,
    )


@dataclass(frozen=True)
class Mix:
    """How a family's items divide: invented books, same-title traps, audio-only copies of real books."""

    distractor: float = 0.10
    same_title_trap: float = 0.03
    audio_only: float = 0.05
    alt_edition: float = 0.12


def _favour(
    rng: random.Random, order: list[int], books: list[Book], favour: tuple[Callable[[Book], bool], float]
):
    """The shuffled book order with favoured books drawn at `share` of the slots while they last (a library
    whose owner leans to some kind of book, as a lending library's public-domain shelf does)."""
    wanted, share = favour
    first = [i for i in order if wanted(books[i])]
    rest = [i for i in order if not wanted(books[i])]
    out: list[int] = []
    while first or rest:
        source = first if first and (not rest or rng.random() < share) else rest
        out.append(source.pop())
    return out


def generate_family(
    family: str,
    layout: Callable[[Context, Item], Layout],
    n_items: int,
    seed: int,
    mix: Mix = Mix(),
    favour: tuple[Callable[[Book], bool], float] | None = None,
    **shelf: Any,
) -> GeneratedLibrary:
    """A library of `n_items` items laid out by `layout`, with the same contract as
    emulators.corpus.generate_library (items, truth, traits, facts; `shelf` as there)."""
    where = Shelf(**shelf)
    if n_items < 0:
        raise ValueError("n_items must be >= 0")
    ctx = Context(seed, family, where.folder, where.library_id)
    books = ctx.cat.books
    order = list(range(len(books)))
    ctx.rng.shuffle(order)
    if favour is not None:
        order = _favour(ctx.rng, order, books, favour)
    lib = where.empty_library(ctx.library_id, ctx.folder_id)
    items, truth, traits, facts = lib.items, lib.truth, lib.traits, lib.facts
    with no_cyclic_gc():
        used = 0
        for _ in range(n_items):
            rng = ctx.rng
            r = rng.random()
            if r < mix.distractor + mix.same_title_trap:
                trap = r >= mix.distractor
                borrowed = books[rng.randrange(len(books))] if trap else None
                rel = ctx.invented(borrowed)
                kind = "same_title_trap" if trap else "distractor"
                it = Item(kind, rel, facts_for(rel, None, None), Truth(None, None, None, kind), borrowed)
            else:
                book = books[order[used % len(order)]]
                used += 1
                edition = book.default_audio_edition
                alts = [e for e in book.audio_editions if e.kind != "unabridged"]
                if alts and rng.random() < mix.alt_edition:
                    edition = rng.choice(alts)
                rel = ctx.release(book, edition)
                kind = "matchable" if edition else "no_audio_edition"
                t = Truth(book.goodbooks_id, book.book_id, edition.edition_id if edition else None, kind)
                it = Item(kind, rel, facts_for(rel, book, edition), t)
                if rng.random() < mix.audio_only:
                    it.kind = "audio_only"
            lay = blind_layout(ctx, it.kind) if it.kind == "audio_only" else layout(ctx, it)
            item = build_item(ctx, it, lay)
            items.append(item)
            truth[item["id"]] = it.truth
            tr = {"family": family, "kind": it.kind, "noise": list(it.release.noise), **lay.traits}
            if it.borrowed is not None:
                tr["borrowed_book_id"] = it.borrowed.book_id
            traits[item["id"]] = tr
            facts[item["id"]] = it.facts
    return where.with_audio(lib)
