"""What a generated library is: its items, and per item the truth, the traits and the facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from emulators.catalogue import Book, Edition
from emulators.corpus.draws import fmt_pos


@dataclass(frozen=True, slots=True)
class Truth:
    """What an item really is. `book_id`/`edition_id` are emulated Hardcover ids; None = not in the catalogue."""

    goodbooks_id: int | None
    book_id: int | None
    edition_id: int | None
    kind: str  # matchable | no_audio_edition | distractor | same_title_trap


@dataclass
class GeneratedLibrary:
    library: dict
    items: list[dict]
    truth: dict[str, Truth]
    folder: str = "/audiobooks"
    audio_root: Path | None = None
    # Per item: which naming scheme, tag level, metadata quality and ids it got (for tests and reports).
    traits: dict[str, dict] = field(default_factory=dict)
    # Per item: the facts (title, authors, narrators, series...) its folder, tags and audio were made from.
    facts: dict[str, Facts] = field(default_factory=dict)

    @property
    def path_map(self) -> dict[str, str]:
        """The SHELFMATCH_PATH_MAP that makes the written audio files readable (empty without audio_root)."""
        return {self.folder: str(self.audio_root)} if self.audio_root else {}


@dataclass
class Naming:
    """A book as one source names it: title, credits, series place and year."""

    title: str
    subtitle: str | None
    authors: list[str]
    narrators: list[str]
    series: str | None
    position: str | None
    year: str | None


@dataclass
class Facts(Naming):
    """What an item really is, in the words its folder, tags and audio use (truth for distractors too)."""

    publisher: str | None
    genres: list[str]
    language: str | None
    seconds: float
    asin: str | None  # the audio edition's ASIN
    isbn: str | None  # a print ISBN-13 of the same book
    edition_kind: str | None
    book: Book | None
    title_note: str | None = None  # '(Abridged)' in the folder name of an abridged copy

    @classmethod
    def of_book(
        cls,
        book: Book,
        edition: Edition | None,
        *,
        authors: list[str],
        narrators: list[str],
        publisher: str | None,
        seconds: float,
    ) -> Facts:
        """A catalogue book's names, with the credits and length of the copy an item holds."""
        physical = book.physical_edition
        return cls(
            title=book.title,
            subtitle=book.subtitle,
            authors=authors,
            narrators=narrators,
            series=book.series_name,
            position=fmt_pos(book.position),
            year=str(book.release_year) if book.release_year and book.release_year > 0 else None,
            publisher=publisher,
            genres=list(book.genres),
            language=book.language,
            seconds=seconds,
            asin=edition.asin if edition else None,
            isbn=physical.isbn_13 if physical else None,
            edition_kind=edition.kind if edition else None,
            book=book,
        )
