"""The spoken credits of the speech corpus: how publishers open and close audiobooks, as templates
(`emulators/data/speech_phrasings.toml`) filled with a book's title, author, narrator, series and year.

Each phrasing is written from public examples, independently of the product's parser (this module
imports nothing from `tasks/`). Splits:

- `dev`: used while developing listening — the first seven ("This is Audible", "<Publisher>
  presents", "<Author>. <Title>. Performed by …", "You have been listening to …", "Book N of the
  <Series>", a title after the chapter heading, "<Author>'s <Title>") and seven more that were the
  frozen split until its one report showed a bug that was then fixed ("This concludes …", "A novel
  by …", "The end of …", "the Nth book in the … series", copyright credits, "Welcome to …", title
  then author);
- `frozen`: written after that, never used while developing, only reported (`bench/listen.py
  --split frozen`). Sources: LibriVox's per-section disclaimer ("Chapter one of <Title>. This is a
  LibriVox recording. All LibriVox recordings are in the public domain. For more information, or to
  volunteer, please visit librivox.org. This reading by …", as quoted on the LibriVox forum);
  Naxos AudioBooks' "<Title>, by <Author>, read by …" catalogue style; BBC Audiobooks' readings;
  Audible Originals' full-cast productions; GraphicAudio's tagline "A Movie in Your Mind" and its
  "full cast of actors, sound effects and cinematic music"; Recorded Books' opening and closing
  production lines; closing credits with the book's and the recording's copyrights ("Copyright
  <year>, all rights reserved", as audiobook credit guides give them); a series as a volume of a
  cycle. None shares a sentence with a dev phrasing beyond a bare title, name or "<Title>, by <Author>"
  (tests/test_speech_phrasings.py checks it).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from emulators import speech

_ORDINALS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth",
)  # fmt: skip


@dataclass(frozen=True)
class CorpusBook:
    title: str
    author: str
    narrator: str
    series: str | None = None
    position: int | None = None
    year: int | None = None


@dataclass(frozen=True)
class Phrasing:
    """Spoken credits as a template: {title}, {author}, {narrator}, {publisher}, {year}, and {series},
    which is `series_text` (with {n}, {nth} and {name}) for a book in a series and empty otherwise."""

    name: str
    split: str  # dev | frozen
    placement: str  # start | after_heading | end
    text: str
    series_text: str = ""

    def say(self, book: CorpusBook, publisher: str) -> str:
        p = book.position or 1
        nth = _ORDINALS[p - 1] if 1 <= p <= len(_ORDINALS) else f"number {p}"
        series = ""
        if book.series and book.position:
            series = self.series_text.format(n=speech.number_words(book.position), nth=nth, name=book.series)
        return self.text.format(
            title=book.title, author=book.author, narrator=book.narrator, publisher=publisher,
            year=book.year or 2015, series=series,
        )  # fmt: skip


def _load() -> tuple[Phrasing, ...]:
    with (Path(__file__).parent / "data" / "speech_phrasings.toml").open("rb") as f:
        return tuple(Phrasing(**entry) for entry in tomllib.load(f)["phrasing"])


PHRASINGS: tuple[Phrasing, ...] = _load()


def phrasings(split: str) -> list[Phrasing]:
    if split not in ("dev", "frozen"):
        raise ValueError(f"unknown split {split!r} (dev, frozen)")
    return [p for p in PHRASINGS if p.split == split]
