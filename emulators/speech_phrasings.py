"""The spoken credits of the speech corpus: how publishers open and close audiobooks, as templates
filled with a book's title, author, narrator, series and year.

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

from collections.abc import Callable
from dataclasses import dataclass

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


def _n(book: CorpusBook) -> str:
    return speech.number_words(book.position)


def _nth(book: CorpusBook) -> str:
    p = book.position or 1
    return _ORDINALS[p - 1] if 1 <= p <= len(_ORDINALS) else f"number {p}"


def _year(book: CorpusBook) -> str:
    return str(book.year or 2015)


@dataclass(frozen=True)
class Phrasing:
    name: str
    split: str  # dev | frozen
    placement: str  # start | after_heading | end
    say: Callable[[CorpusBook, str], str]  # (book, publisher) -> the spoken credits


PHRASINGS: tuple[Phrasing, ...] = (
    # --- dev ---
    Phrasing(
        "audible_written_by",
        "dev",
        "start",
        lambda b, p: f"This is Audible. {b.title}, written by {b.author}. Narrated by {b.narrator}.",
    ),
    Phrasing(
        "author_title_performed",
        "dev",
        "start",
        lambda b, p: f"{b.author}. {b.title}. Performed by {b.narrator}. Unabridged.",
    ),
    Phrasing(
        "publisher_presents",
        "dev",
        "start",
        lambda b, p: f"{p} presents. {b.title}. By {b.author}. Read by {b.narrator}.",
    ),
    Phrasing(
        "listening_to_outro",
        "dev",
        "end",
        lambda b, p: (
            f"You have been listening to {b.title}, by {b.author}. It was read by {b.narrator}. "
            f"Copyright {_year(b)} by {b.author}."
        ),
    ),
    Phrasing(
        "book_n_of_series",
        "dev",
        "start",
        lambda b, p: (
            f"{b.title}. "
            + (f"Book {_n(b)} of the {b.series}. " if b.series and b.position else "")
            + f"Written by {b.author}. Read for you by {b.narrator}."
        ),
    ),
    Phrasing(
        "heading_then_title",
        "dev",
        "after_heading",
        lambda b, p: f"{b.title}, by {b.author}. Narrated by {b.narrator}.",
    ),
    Phrasing(
        "possessive",
        "dev",
        "start",
        lambda b, p: f"{b.author}'s {b.title}. Narrated by {b.narrator}. An unabridged production of {p}.",
    ),
    # --- dev since their one frozen report showed a bug that was then fixed ---
    Phrasing(
        "concludes_outro",
        "dev",
        "end",
        lambda b, p: (
            f"This concludes {b.title}, written by {b.author}, and narrated by {b.narrator}. Produced by {p}."
        ),
    ),
    Phrasing(
        "a_novel_by",
        "dev",
        "start",
        lambda b, p: (
            f"{b.title}. A novel by {b.author}. Read by {b.narrator}. This is an unabridged recording."
        ),
    ),
    Phrasing(
        "the_end_of",
        "dev",
        "end",
        lambda b, p: f"The end of {b.title}, by {b.author}. Thank you for listening.",
    ),
    Phrasing(
        "studio_series_ordinal",
        "dev",
        "start",
        lambda b, p: (
            f"This is Audible. {p} presents {b.title}, "
            + (f"the {_nth(b)} book in the {b.series} series, " if b.series and b.position else "")
            + f"by {b.author}, narrated by {b.narrator}."
        ),
    ),
    Phrasing(
        "copyright_credits",
        "dev",
        "start",
        lambda b, p: (
            f"{b.title}. Copyright {_year(b)} by {b.author}. Narrated by {b.narrator}. "
            f"Production copyright {p}."
        ),
    ),
    Phrasing(
        "welcome_from_author",
        "dev",
        "after_heading",
        lambda b, p: (
            f"Welcome to {b.title}, from bestselling author {b.author}. Your narrator is {b.narrator}."
        ),
    ),
    Phrasing(
        "title_then_author",
        "dev",
        "start",
        lambda b, p: f"{b.title}. {b.author}. Narrated by {b.narrator}.",
    ),
    # --- frozen: written after the splits above were used, never used while developing ---
    Phrasing(
        "librivox_disclaimer",
        "frozen",
        "start",
        lambda b, p: (
            f"Chapter one of {b.title}. This is a LibriVox recording. All LibriVox recordings are in the "
            f"public domain. For more information, or to volunteer, please visit librivox dot org. "
            f"This reading by {b.narrator}. {b.title}, by {b.author}."
        ),
    ),
    Phrasing(
        "naxos_reading",
        "frozen",
        "start",
        lambda b, p: (
            f"This recording comes from Naxos AudioBooks. {b.title}, the work of {b.author}, "
            f"in a reading by {b.narrator}."
        ),
    ),
    Phrasing(
        "bbc_reader_after_heading",
        "frozen",
        "after_heading",
        lambda b, p: f"BBC Audiobooks. From the book by {b.author}: {b.title}. {b.narrator} reads.",
    ),
    Phrasing(
        "audible_original_cast",
        "frozen",
        "start",
        lambda b, p: (
            f"Audible Originals. {b.title}. An original story from {b.author}, starring {b.narrator} "
            f"and a full cast."
        ),
    ),
    Phrasing(
        "graphicaudio_movie",
        "frozen",
        "start",
        lambda b, p: (
            f"GraphicAudio. A movie in your mind. {b.title}, "
            + (f"part {_n(b)} of the {b.series} saga, " if b.series and b.position else "")
            + f"based on the book from {b.author}. Featuring {b.narrator}, with sound effects and "
            f"cinematic music."
        ),
    ),
    Phrasing(
        "recorded_books_listening",
        "frozen",
        "after_heading",
        lambda b, p: (
            f"You are listening to a Recorded Books production. {b.title}. The author is {b.author}, "
            f"and the narration is by {b.narrator}."
        ),
    ),
    Phrasing(
        "recorded_books_closing",
        "frozen",
        "end",
        lambda b, p: (
            f"This has been a Recorded Books production of {b.title}, from {b.author}. "
            f"Your reader was {b.narrator}."
        ),
    ),
    Phrasing(
        "closing_two_copyrights",
        "frozen",
        "end",
        lambda b, p: (
            f"{b.title} was written by {b.author}, copyright {_year(b)}. The recording, voiced by "
            f"{b.narrator}, is copyright {_year(b)} {p}. All rights reserved."
        ),
    ),
    Phrasing(
        "volume_of_cycle",
        "frozen",
        "start",
        lambda b, p: (
            (f"Volume {_n(b)} of the {b.series} cycle. " if b.series and b.position else "")
            + f"{b.title}. Authored by {b.author}. Narration by {b.narrator}. From {p}."
        ),
    ),
    Phrasing(
        "told_by_voiced_by",
        "frozen",
        "after_heading",
        lambda b, p: f"{b.author} tells the story of {b.title}, and {b.narrator} gives it voice.",
    ),
)


def phrasings(split: str) -> list[Phrasing]:
    if split not in ("dev", "frozen"):
        raise ValueError(f"unknown split {split!r} (dev, frozen)")
    return [p for p in PHRASINGS if p.split == split]
