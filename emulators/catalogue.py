"""The emulated Hardcover catalogue, built from goodbooks-10k (CC BY-SA 4.0, see data/goodbooks-10k/).

One source of truth shared by the Hardcover emulator (which serves it) and the corpus generator
(which builds ABS libraries whose items *are* these books, so every generated item has a known
answer). Goodbooks has title, authors, ISBN-10, year and "(Series, #N)"; what Hardcover has and
goodbooks lacks (audio editions with narrators, ASINs and durations; abridged and dramatised
editions; ebooks) is derived deterministically from the goodbooks id, so every run sees the same
catalogue.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
BOOKS_CSV = DATA_DIR / "goodbooks-10k" / "books.csv"

READING_FORMAT_PHYSICAL = 1
READING_FORMAT_AUDIO = 2
READING_FORMAT_EBOOK = 4

_FIRST = [
    "Ray",
    "Kate",
    "Michael",
    "Scott",
    "Simon",
    "Julia",
    "Stephen",
    "Rosamund",
    "Jim",
    "Barbara",
    "Frank",
    "George",
    "Davina",
    "Steven",
    "Tim",
    "Emily",
    "January",
    "Grover",
    "Cassandra",
    "Ellen",
    "Luke",
    "Wil",
    "Jayne",
    "Nathaniel",
    "Rebecca",
    "Edoardo",
    "Bahni",
    "Kristen",
    "Adjoa",
    "Dion",
    "Juliet",
    "Robin",
    "Peter",
    "Carolyn",
    "Jefferson",
    "Hillary",
    "Tavia",
    "Marisa",
    "Kirby",
    "Elizabeth",
    "Stefan",
    "Andrew",
    "Saskia",
    "Richard",
    "Joe",
    "Polly",
]
_LAST = [
    "Porter",
    "Reading",
    "Kramer",
    "Brick",
    "Prebble",
    "Whelan",
    "Fry",
    "Pike",
    "Dale",
    "Rosenblat",
    "Muller",
    "Guidall",
    "Porter",
    "Weber",
    "Gerard",
    "LaVoy",
    "Gardner",
    "Gower",
    "Campbell",
    "Archer",
    "Daniels",
    "Wheaton",
    "Ballerini",
    "Parker",
    "Lowman",
    "Turpin",
    "Cutting",
    "Andoh",
    "Graham",
    "Stevenson",
    "Miles",
    "Sklar",
    "McCaddon",
    "Mays",
    "Huber",
    "Gilbert",
    "Heyborne",
    "Sheehan",
    "Rudnicki",
    "Kellgren",
    "Maarleveld",
    "Thorne",
    "Ferrone",
    "Jackson",
    "Stone",
    "Harding",
    "Oliver",
]
_AUDIO_PUBLISHERS = (
    "Audible Studios",
    "Recorded Books",
    "Blackstone Audio",
    "Random House Audio",
    "Macmillan Audio",
    "HarperAudio",
    "Penguin Audio",
    "Tantor Audio",
    "Brilliance Audio",
    "Podium Audio",
    "Hachette Audio",
)
_PRINT_PUBLISHERS = (
    "Penguin Books",
    "Vintage",
    "Tor Books",
    "HarperCollins",
    "Scholastic",
    "Bantam",
    "Del Rey",
    "Simon & Schuster",
    "Orbit",
    "Little, Brown and Company",
    "Doubleday",
    "Ballantine Books",
)
_GENRES = (
    "Fantasy",
    "Science Fiction",
    "Mystery",
    "Thriller",
    "Romance",
    "Historical Fiction",
    "Classics",
    "Young Adult",
    "Nonfiction",
    "Biography",
    "Horror",
    "Humor",
    "Memoir",
    "Contemporary",
)
_LANGUAGES = {
    "eng": "English",
    "en-US": "English",
    "en-GB": "English",
    "en-CA": "English",
    "en": "English",
    "spa": "Spanish",
    "fre": "French",
    "ger": "German",
    "ita": "Italian",
    "jpn": "Japanese",
    "ara": "Arabic",
    "por": "Portuguese",
    "nl": "Dutch",
    "swe": "Swedish",
    "per": "Persian",
}

_SERIES_RE = re.compile(
    r"\s*\((?P<series>[^()]*?),?\s*#(?P<pos>\d+(?:\.\d+)?)(?:\s*-\s*(?P<end>\d+(?:\.\d+)?))?\)\s*$"
)


def _h(*parts: object) -> int:
    """A stable 64-bit hash (Python's hash() is salted per process)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def isbn10_to_13(isbn10: str) -> str | None:
    digits = re.sub(r"[^0-9Xx]", "", isbn10 or "")
    if len(digits) != 10:
        return None
    core = "978" + digits[:9]
    total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(core))
    return core + str((10 - total % 10) % 10)


def normalise_isbn10(raw: str) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    raw = raw.zfill(10).upper()
    if not re.fullmatch(r"\d{9}[\dX]", raw):
        return None
    return raw


def make_asin(*seed: object) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    n = _h("asin", *seed)
    chars = []
    for _ in range(8):
        n, r = divmod(n, 36)
        chars.append(alphabet[r])
    return "B0" + "".join(chars)


def person_name(*seed: object) -> str:
    n = _h("person", *seed)
    return f"{_FIRST[n % len(_FIRST)]} {_LAST[(n // 97) % len(_LAST)]}"


@dataclass(frozen=True)
class Edition:
    edition_id: int
    book_id: int
    reading_format_id: int
    kind: str  # physical, ebook, unabridged, abridged, dramatized
    title: str
    subtitle: str | None
    isbn_10: str | None
    isbn_13: str | None
    asin: str | None
    audio_seconds: int | None
    pages: int | None
    release_year: int | None
    publisher: str
    language: str
    edition_format: str
    narrators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Book:
    goodbooks_id: int
    book_id: int  # the emulated Hardcover id
    title: str
    subtitle: str | None
    slug: str
    authors: tuple[str, ...]  # primary author first; goodbooks lists translators/illustrators after
    series_name: str | None
    series_id: int | None
    position: float | None
    position_details: str | None  # "1-3" for an omnibus
    compilation: bool
    release_year: int | None
    language: str
    users_count: int
    rating: float
    genres: tuple[str, ...]
    description: str
    editions: tuple[Edition, ...] = field(default=())

    @property
    def audio_editions(self) -> tuple[Edition, ...]:
        return tuple(e for e in self.editions if e.reading_format_id == READING_FORMAT_AUDIO)

    @property
    def default_audio_edition(self) -> Edition | None:
        audio = self.audio_editions
        return next((e for e in audio if e.kind == "unabridged"), audio[0] if audio else None)

    @property
    def physical_edition(self) -> Edition | None:
        return next((e for e in self.editions if e.reading_format_id == READING_FORMAT_PHYSICAL), None)


@dataclass
class Catalogue:
    books: list[Book]
    by_id: dict[int, Book]
    by_goodbooks_id: dict[int, Book]
    author_ids: dict[str, int]
    series_ids: dict[str, int]
    editions: dict[int, Edition]

    def __len__(self) -> int:
        return len(self.books)


def hc_book_id(goodbooks_id: int) -> int:
    """A bijection onto ids that do not look like goodbooks ids (so no code can lean on them)."""
    return 100_000 + (goodbooks_id * 7919) % 1_000_003


def split_goodbooks_title(raw: str) -> tuple[str, str | None, str | None, float | None, str | None]:
    """'Allegiant (Divergent, #3)' -> ('Allegiant', None, 'Divergent', 3.0, '3'); subtitle after ': '."""
    raw = re.sub(r"\s+", " ", raw).strip()
    series = position = details = None
    m = _SERIES_RE.search(raw)
    if m:
        series = m.group("series").strip() or None
        position = float(m.group("pos"))
        details = m.group("pos") + (f"-{m.group('end')}" if m.group("end") else "")
        raw = raw[: m.start()].strip()
    title, subtitle = raw, None
    if ": " in raw:
        title, subtitle = (p.strip() for p in raw.split(": ", 1))
    return title, subtitle, series, position, details


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# An edition's kind: its slot in the book's edition ids (book_id * 10 + slot), reading format and format name.
_EDITION_KINDS = {
    "physical": (1, READING_FORMAT_PHYSICAL, "Paperback"),
    "ebook": (2, READING_FORMAT_EBOOK, "Kindle Edition"),
    "unabridged": (3, READING_FORMAT_AUDIO, "Audible Audio"),
    "abridged": (4, READING_FORMAT_AUDIO, "Audio CD"),
    "dramatized": (5, READING_FORMAT_AUDIO, "Audible Audio"),
}


def _editions(
    gid: int,
    book_id: int,
    title: str,
    subtitle: str | None,
    isbn10: str | None,
    year: int | None,
    language: str,
) -> tuple[Edition, ...]:
    n = _h("editions", gid)
    pages = 120 + n % 700
    print_publisher = _PRINT_PUBLISHERS[n % len(_PRINT_PUBLISHERS)]

    def edition(
        kind: str,
        publisher: str,
        asin: str | None,
        seconds: int | None = None,
        narrators: tuple[str, ...] = (),
    ) -> Edition:
        """One of the book's editions: the kind fixes its id slot and format, the rest is the book's."""
        slot, reading_format, edition_format = _EDITION_KINDS[kind]
        isbn = isbn10 if kind == "physical" else None
        return Edition(
            book_id * 10 + slot,
            book_id,
            reading_format,
            kind,
            title,
            subtitle,
            isbn,
            isbn10_to_13(isbn) if isbn else None,
            asin,
            seconds,
            None if reading_format == READING_FORMAT_AUDIO else pages,
            year,
            publisher,
            language,
            edition_format,
            narrators,
        )

    eds = [edition("physical", print_publisher, None)]
    if (n >> 8) % 10 < 6:
        eds.append(edition("ebook", print_publisher, make_asin("kindle", gid)))
    # About 85% of books have an unabridged audiobook (Hardcover has none for many older titles).
    if (n >> 16) % 100 < 85:
        seconds = int(pages * 95 * (0.8 + ((n >> 24) % 40) / 100))  # ~1.5 min per page
        narrators = (person_name("narr", gid, 0),)
        if (n >> 32) % 10 == 0:
            narrators += (person_name("narr", gid, 1),)
        audible = _AUDIO_PUBLISHERS[(n >> 40) % len(_AUDIO_PUBLISHERS)]
        eds.append(edition("unabridged", audible, make_asin("audio", gid), seconds, narrators))
        if (n >> 44) % 100 < 10:  # an abridged edition, shorter, other narrator
            publisher = _AUDIO_PUBLISHERS[(n >> 48) % len(_AUDIO_PUBLISHERS)]
            reader = (person_name("narr", gid, 2),)
            eds.append(
                edition("abridged", publisher, make_asin("abridged", gid), int(seconds * 0.38), reader)
            )
        if (n >> 52) % 100 < 5:  # a dramatised full-cast production
            cast = tuple(person_name("cast", gid, k) for k in range(4))
            eds.append(
                edition("dramatized", "Audible Studios", make_asin("drama", gid), int(seconds * 0.55), cast)
            )
    return tuple(eds)


@cache
def load_catalogue(path: Path = BOOKS_CSV) -> Catalogue:
    books: list[Book] = []
    author_ids: dict[str, int] = {}
    series_ids: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            gid = int(row["book_id"])
            book_id = hc_book_id(gid)
            title, subtitle, series, position, details = split_goodbooks_title(row["title"])
            authors = tuple(dict.fromkeys(a.strip() for a in row["authors"].split(",") if a.strip()))
            for a in authors:
                author_ids.setdefault(a, 50_000 + len(author_ids))
            series_id = None
            if series:
                series_id = series_ids.setdefault(series, 9_000 + len(series_ids))
            year_raw = row["original_publication_year"]
            year = int(float(year_raw)) if year_raw else None
            language = _LANGUAGES.get(row["language_code"] or "eng", "English")
            isbn10 = normalise_isbn10(row["isbn"])
            n = _h("book", gid)
            genres = (_GENRES[n % len(_GENRES)], _GENRES[(n >> 8) % len(_GENRES)])
            book = Book(
                goodbooks_id=gid,
                book_id=book_id,
                title=title,
                subtitle=subtitle,
                slug=_slug(title) + f"-{gid}",
                authors=authors,
                series_name=series,
                series_id=series_id,
                position=position,
                position_details=details,
                compilation=bool(details and "-" in details),
                release_year=year,
                language=language,
                users_count=int(row["ratings_count"] or 0) // 10,
                rating=float(row["average_rating"] or 0),
                genres=tuple(dict.fromkeys(genres)),
                description=f"{title} by {authors[0] if authors else 'Unknown'}.",
                editions=_editions(gid, book_id, title, subtitle, isbn10, year, language),
            )
            books.append(book)
    by_id = {b.book_id: b for b in books}
    editions = {e.edition_id: e for b in books for e in b.editions}
    return Catalogue(books, by_id, {b.goodbooks_id: b for b in books}, author_ids, series_ids, editions)


def cover_path(kind: str, ident: int) -> str | None:
    """Where the emulated image CDN serves the cover of a book or an edition (`kind` "books" or
    "editions"), or None when Hardcover has no image for it: one book in ten has none, and one audio
    edition in three has an image of its own."""
    if kind == "books":
        return None if _h("cover", kind, ident) % 10 == 0 else f"/covers/books/{ident}.png"
    return f"/covers/editions/{ident}.png" if _h("cover", kind, ident) % 3 == 0 else None


def cover_bytes(kind: str, ident: int) -> bytes | None:
    """The image served at cover_path(kind, ident)."""
    from emulators.cover_images import cover_png

    return cover_png(f"{kind}:{ident}") if cover_path(kind, ident) else None
