"""The spoken credits of the speech corpus: how publishers open and close audiobooks, as templates
(`emulators/data/speech_phrasings.toml`) filled with a book's title, author, narrator, series and year.

Each phrasing is written from public examples, independently of the product's parser (this module
imports nothing from `tasks/`). Splits:

- `dev`: used while developing listening — the first seven ("This is Audible", "<Publisher>
  presents", "<Author>. <Title>. Performed by …", "You have been listening to …", "Book N of the
  <Series>", a title after the chapter heading, "<Author>'s <Title>"), seven that were the first
  frozen split until its one report showed a bug that was then fixed ("This concludes …", "A novel
  by …", "The end of …", "the Nth book in the … series", copyright credits, "Welcome to …", title
  then author), ten that were the second frozen split, reported once at 7736f6f and spent
  (LibriVox's disclaimer, Naxos AudioBooks, BBC Audiobooks, Audible Originals, GraphicAudio, Recorded
  Books' opening and closing, two copyrights, a volume of a cycle, "… tells the story …"), twelve
  that were the third frozen split, reported once at 0b44263 and spent (Books on Tape, a CD set's
  disc announcements, Random House Audio, Blackstone, Hachette, Podium, BBC Radio 4 episodes, "a
  production of …", a dedication, a translation, Macmillan's "Part one. Chapter one."), and twelve that
  were the fourth frozen split, reported once at 5557684 and spent (Brilliance Audio, Penguin Audio,
  Clipper Audio's library edition, full-cast roles, Bolinda, "Book three in the … series", an epigraph,
  "From the author of …", LibriVox's end of book, director and producer credits, Simon & Schuster Audio,
  HarperAudio);
- `frozen`: written after all of those, never used while developing, only reported (`bench/listen.py
  --split frozen`; reported once at 0cf751d — identified 0.39, in auto 0.33, 0 wrong — and spent: new
  phrasings replace it before the next frozen report). Sources, each a public convention of spoken credits (cited beside each phrasing in
  the data file): Audible's closing crew, copyrights, music and brand outro; BBC Radio 4's Book of the
  Week credits (abridger, reader, producer, production company); a BBC radio drama's closing cast list;
  Naxos AudioBooks' music and a translator credited beside the reader; LibriVox's dated "Read for
  LibriVox.org by …"; an introduction and a foreword with their own readers; two authors joined by
  "and", with the series as a subtitle; a numbered volume of a "sequence"; ISIS's copyright and phonogram
  ("P") lines; a full-cast adaptation with its director and score; "the <nth> <Series> novel"; a CD
  library edition's "Disc one of thirteen". Four have a music gap (`MUSIC_GAP`: music with no voice
  inside the credits); numbers said as words and foreign names are spread among them. None shares a
  sentence with a dev phrasing beyond a bare title, name or "<Title>, by <Author>"
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


MUSIC_GAP = "[music]"  # in a template: a stretch of music alone between two spoken parts of the credits


@dataclass(frozen=True)
class Phrasing:
    """Spoken credits as a template: {title}, {author}, {narrator}, {publisher}, {year}, and {series},
    which is `series_text` (with {n}, {nth} and {name}) for a book in a series and empty otherwise.
    A `MUSIC_GAP` in the text splits the credits where a production plays music with no voice."""

    name: str
    split: str  # dev | frozen
    placement: str  # start | after_heading | end
    text: str
    series_text: str = ""

    def parts(self, book: CorpusBook, publisher: str) -> list[str]:
        """The credits' spoken parts, in order; music alone comes between consecutive parts."""
        p = book.position or 1
        nth = _ORDINALS[p - 1] if 1 <= p <= len(_ORDINALS) else f"number {p}"
        series = ""
        if book.series and book.position:
            series = self.series_text.format(n=speech.number_words(book.position), nth=nth, name=book.series)
        filled = self.text.format(
            title=book.title, author=book.author, narrator=book.narrator, publisher=publisher,
            year=book.year or 2015, series=series,
        )  # fmt: skip
        return [part.strip() for part in filled.split(MUSIC_GAP) if part.strip()]

    def say(self, book: CorpusBook, publisher: str) -> str:
        """Everything the credits say, without the music between the parts."""
        return " ".join(self.parts(book, publisher))


def _load() -> tuple[Phrasing, ...]:
    with (Path(__file__).parent / "data" / "speech_phrasings.toml").open("rb") as f:
        return tuple(Phrasing(**entry) for entry in tomllib.load(f)["phrasing"])


PHRASINGS: tuple[Phrasing, ...] = _load()


def phrasings(split: str) -> list[Phrasing]:
    if split not in ("dev", "frozen"):
        raise ValueError(f"unknown split {split!r} (dev, frozen)")
    return [p for p in PHRASINGS if p.split == split]
