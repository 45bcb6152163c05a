"""Titles: what a title string holds (series, position, subtitle, edition flags) and its comparison keys."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from anyascii import anyascii

from tasks.normalise.discs import split_disc
from tasks.normalise.numbers import number_token, parse_position
from tasks.normalise.vocabulary import (
    AUDIO_FORMATS,
    AUDIOBOOK,
    BITRATE,
    DISC_WORDS,
    NARRATOR_VERBS,
    RECORDING_YEAR,
    VOLUME_MARK,
    VOLUME_WORDS,
    alternation,
)

_ARTICLES = ("the", "a", "an")
# Edition flag -> the spellings a title carries it in.
_EDITION_SPELLINGS = {
    "unabridged": ("unabridged",),
    "abridged": ("abridged",),
    "dramatized": ("dramatized", "dramatised", "full cast", "full-cast", "radio drama"),
}
_EDITION_FLAGS = {spelling: flag for flag, spellings in _EDITION_SPELLINGS.items() for spelling in spellings}
_FORMATS = alternation(AUDIO_FORMATS)
# Bracketed noise that says nothing about which book it is (only about the edition or the rip), with
# the catalogue notes of CD sets: a library edition (Recorded Books, Chivers, W F Howes sell these to
# libraries) and the BBC's imprint. A dramatisation's note stays: a catalogue files it as a book of its own.
_BRACKET_NOISE_RE = re.compile(
    r"\s*[\(\[\{]\s*(?P<noise>(?:un)?abridged|dramati[sz]ed(?: adaptation)?|full[- ]cast(?: edition)?|"
    r"library edition|bbc radio collection|"
    rf"radio drama|{AUDIOBOOK}|audible(?: audio)?|retail|a novel|novel|{BITRATE}|{_FORMATS}|{RECORDING_YEAR}|"
    rf"unknown|(?:{alternation(NARRATOR_VERBS)}) by [^\)\]\}}]*)\s*[\)\]\}}]",
    re.I,
)
# "(Series, #3)", "(Series #3)", "(Series Book 3)", "(Series, Book Three)", "(Series Vol. 2)", "[Series 3]"
_BRACKET_SERIES_RE = re.compile(
    rf"\s*[\(\[]\s*(?P<series>[^\(\)\[\]#]*?)[,;:]?\s*(?:{VOLUME_MARK}|\b(?:part|no|number)\.?\s*#?\s*)"
    r"(?P<pos>\d+(?:\.\d+)?(?:\s*-\s*\d+(?:\.\d+)?)?|[A-Za-z]+)\s*[\)\]]\s*$",
    re.I,
)
_BRACKET_SERIES_NUM_RE = re.compile(
    r"\s*[\(\[]\s*(?P<series>[^\(\)\[\]#]*?[A-Za-z][^\(\)\[\]#]*?),?\s+(?P<pos>\d+(?:\.\d+)?)\s*[\)\]]\s*$"
)
# "(Series, #5, Part 1)": one part of a volume that is published split, the part staying in the title (the
# catalogue files each part as a book of its own, under the volume's title with the part).
_BRACKET_SERIES_PART_RE = re.compile(
    r"\s*\(\s*(?P<series>[^\(\)\[\]#]*?[A-Za-z][^\(\)\[\]#]*?),?\s*#\s*(?P<pos>\d+(?:\.\d+)?)\s*,\s*"
    r"(?P<part>(?:part|pt)\.?\s*(?:\d+|[A-Za-z]+))\s*\)\s*$",
    re.I,
)
_DISC = rf"(?:{alternation(DISC_WORDS)})\s*\d+"  # 'CD 1', 'Disc 2'
# A position as written: a number ('3', '2.5') or a word parse_position reads ('Three', 'III').
_POSITION = r"\d+(?:\.\d+)?|[A-Za-z]+"
# The words that put a position after a title: 'Book 3', 'Vol. 2', 'Part III'.
_POSITION_WORD = rf"(?:{alternation((*VOLUME_WORDS, 'part', 'pt'))})"
# Trailing media/rip noise outside brackets: "CD 1", "Disc 2", "64kbps", "m4b", "- Unabridged".
_TRAILING_NOISE_RE = re.compile(
    rf"(?:[\s,\-_:;.]+(?:{_DISC}|{BITRATE}|{_FORMATS}|(?:un)?abridged|{AUDIOBOOK}|retail|a novel))+\s*$",
    re.I,
)
_LEADING_NOISE_RE = re.compile(rf"^\s*(?:{_DISC})\s*[-_:.]\s*", re.I)
# "Title, Book 3" / "Title Book Three" / "Title, Vol. 2" / "Title - Part III" at the end (no series name).
_TRAILING_POSITION_RE = re.compile(rf"[\s,:;\-]+{_POSITION_WORD}\.?\s*#?\s*(?P<pos>{_POSITION})\s*$", re.I)
# "Series, Book 3: Title" / "Series Book 3 - Title" / "Series #3 - Title" at the start.
_LEADING_SERIES_RE = re.compile(
    rf"^\s*(?P<series>[^:#]+?)[,\s]+(?:{VOLUME_MARK})(?P<pos>{_POSITION})\s*[:\-–—]\s*(?P<title>.+)$",
    re.I,
)
_POSITION_WORD_RE = re.compile(rf"^{_POSITION_WORD}\b", re.I)
_SUBTITLE_SPLIT_RE = re.compile(r"\s*(?::|\s[-–—]\s)\s*")
_INVERTED_ARTICLE_RE = re.compile(r"^(?P<rest>.+?),\s*(?P<art>the|a|an)(?P<tail>\s*(?:[:(\[].*)?)$", re.I)


_FLAG_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, _EDITION_FLAGS)) + r")\b")
# Anything split_title might act on; a title without any of these is returned as it is.
_NEEDS_PARSING_RE = re.compile(
    rf"[\(\[\{{:,;#\-–—]|\d|\b(?:{_FORMATS}|{alternation(DISC_WORDS)}|abridged|unabridged|{AUDIOBOOK}|"
    rf"retail|novel|{alternation(VOLUME_WORDS)}|part|pt)\b",
    re.I,
)


class TitleParts(NamedTuple):
    title: str
    subtitle: str | None = None
    series: str | None = None
    position: float | None = None
    flags: tuple[str, ...] = ()  # edition notes captured from the title: unabridged, abridged, dramatized


SPACES_RE = re.compile(r"\s+")
WORD_RE = re.compile(r"[a-z0-9]+")
_DIGIT_RE = re.compile(r"\d")
# How a title must end (lower case, besides a digit) for _TRAILING_NOISE_RE to match: checking first
# skips a regex search that tries every position of every title.
_TRAILING_NOISE_ENDS = (
    "k",
    "kbps",
    "kbit",
    "kbits",
    "kbit/s",
    *AUDIO_FORMATS,
    "abridged",
    "book",
    "books",
    "retail",
    "novel",
)


def _clean_spaces(s: str) -> str:
    return SPACES_RE.sub(" ", s).strip(" \t,;:-_.")


def _position_value(raw: str) -> float | None:
    raw = raw.strip()
    if "-" in raw and raw[0].isdigit():  # omnibus "1-3": the first volume is the position
        raw = raw.split("-", 1)[0]
    return parse_position(raw)


def _uninvert(s: str) -> str:
    """'Hunger Games, The' -> 'The Hunger Games' (also before a bracketed tail)."""
    m = _INVERTED_ARTICLE_RE.match(s)
    if m and "," not in m.group("rest"):
        return f"{m.group('art')} {m.group('rest')}{m.group('tail')}"
    return s


@lru_cache(maxsize=200_000)
def split_title(s: str | None) -> TitleParts:
    """Split a raw title into title, subtitle, series and position, capturing edition notes.

    "Allegiant (Divergent, #3)" -> TitleParts("Allegiant", None, "Divergent", 3.0);
    "Dune [Unabridged]" -> TitleParts("Dune", flags=("unabridged",));
    "Hunger Games, The" -> TitleParts("The Hunger Games").
    """
    if not s:
        return TitleParts("")
    text = SPACES_RE.sub(" ", str(s).replace("_", " ")).strip()
    if not _NEEDS_PARSING_RE.search(text):  # most titles: nothing to split or strip
        return TitleParts(text.strip(" \t,;:-_."))
    flags: list[str] = []
    series = None
    position = None

    def note_flags(fragment: str) -> None:
        for m in _FLAG_RE.finditer(fragment.lower()):
            flag = _EDITION_FLAGS[m.group(0)]
            if flag not in flags:
                flags.append(flag)

    # The noise/series patterns below need a bracket, a digit or a noise word; most titles have none
    # of some, and skipping a search that cannot match changes nothing but the time.
    if _DIGIT_RE.search(text):
        text = _LEADING_NOISE_RE.sub("", text)
    # Peel trailing noise, disc markers and series brackets in any order until nothing changes.
    for _ in range(6):
        before = text
        disc = split_disc(text)
        if disc is not None and disc.rest:  # "Title (Disc 3 of 12)": one disc of the book, not a volume
            text = disc.rest
        brackets = "(" in text or "[" in text
        m = _BRACKET_NOISE_RE.search(text) if brackets or "{" in text else None
        while m:
            note_flags(m.group("noise"))
            text = (text[: m.start()] + " " + text[m.end() :]).strip()
            m = _BRACKET_NOISE_RE.search(text)
        # Both patterns below are anchored at the end: a match needs the title to end in a digit or
        # noise word (trailing noise) or in a closing bracket (series brackets).
        tail = text.rstrip().lower()
        maybe_noise = tail[-1:].isdigit() or tail.endswith(_TRAILING_NOISE_ENDS)
        m = _TRAILING_NOISE_RE.search(text) if maybe_noise else None
        if m and m.start() > 0:
            note_flags(m.group(0))
            text = text[: m.start()].strip()
        if series is None and position is None and text.rstrip().endswith(")"):
            m = _BRACKET_SERIES_PART_RE.search(text)
            if m and m.start() > 0:
                series, position = _clean_spaces(m.group("series")), float(m.group("pos"))
                text = f"{text[: m.start()].strip()} {m.group('part')}"
        if series is None and position is None and text.rstrip().endswith((")", "]")):
            m = _BRACKET_SERIES_RE.search(text) or _BRACKET_SERIES_NUM_RE.search(text)
            if m and m.start() > 0:
                pos = _position_value(m.group("pos"))
                if pos is not None:
                    series = _clean_spaces(m.group("series")) or None
                    position = pos
                    text = text[: m.start()].strip()
        if text == before:
            break
    text = _uninvert(text)
    if series is None and position is None:
        m = _LEADING_SERIES_RE.match(text)
        if m and parse_position(m.group("pos")) is not None:
            series, position, text = (
                _clean_spaces(m.group("series")),
                parse_position(m.group("pos")),
                m.group("title"),
            )
    parts = _SUBTITLE_SPLIT_RE.split(text, maxsplit=1)
    title = _clean_spaces(parts[0])
    subtitle = _clean_spaces(parts[1]) if len(parts) > 1 else None
    if position is None:
        # "Foundation, Part III" / "The Green Mile, Part 2: The Mouse on the Mile"
        m = _TRAILING_POSITION_RE.search(title)
        if m and m.start() > 0:
            pos = parse_position(m.group("pos"))
            if pos is not None:
                position = pos
                title = _clean_spaces(title[: m.start()])
    if position is None and subtitle and _POSITION_WORD_RE.match(subtitle):
        pos = parse_position(subtitle)  # "Title - Part III", "Title: Book Two"
        if pos is not None:
            position, subtitle = pos, None
    if subtitle and subtitle.lower() in ("a novel", "a novella", "novel"):
        subtitle = None
    if not title and subtitle:
        title, subtitle = subtitle, None
    return TitleParts(title, subtitle or None, series, position, tuple(flags))


def _ascii_words(s: str) -> list[str]:
    s = (
        (s if s.isascii() else anyascii(s))
        .lower()
        .replace("&", " and ")
        .replace("'", "")
        .replace("\u2019", "")
    )
    return WORD_RE.findall(s)


@lru_cache(maxsize=400_000)
def normalise_text(s: str | None) -> str:
    """ASCII, lower case, '&'->'and', punctuation removed, numerals as digits (no article stripping)."""
    if not s:
        return ""
    words = []
    for w in _ascii_words(s):
        n = number_token(w)
        words.append(str(n) if n is not None else w)
    return " ".join(words)


@lru_cache(maxsize=400_000)
def normalise_title(s: str | None) -> str:
    """Comparison key for a title: noise, series brackets and subtitle-free, article-free, ASCII.

    "The Hunger Games" == "Hunger Games, The" == "Hunger Games (The Hunger Games, #1) [Unabridged]".
    The subtitle is kept (use `split_title` for the bare title); a leading article is dropped.
    """
    if not s:
        return ""
    parts = split_title(s)
    text = parts.title if not parts.subtitle else f"{parts.title} {parts.subtitle}"
    norm = normalise_text(text)
    return strip_article(norm)


def strip_article(norm: str) -> str:
    head, _, rest = norm.partition(" ")
    return rest if head in _ARTICLES and rest else norm


@lru_cache(maxsize=400_000)
def title_variants(s: str | None) -> tuple[str, ...]:
    """Normalised variants to compare: full (title + subtitle), bare title, subtitle-as-title."""
    if not s:
        return ()
    parts = split_title(s)
    out = [normalise_title(s), strip_article(normalise_text(parts.title))]
    return tuple(dict.fromkeys(v for v in out if v))


_SERIES_WORD_RE = re.compile(r"\s+(?:series|trilogy|saga|sequence|cycle|chronicles?|quartet|duology)$")


def normalise_series(s: str | None) -> str:
    """Comparison form of a series name: 'The Hunger Games Trilogy' -> 'hunger games'."""
    norm = strip_article(normalise_text(s))
    norm = _SERIES_WORD_RE.sub("", norm)
    return norm


# "Unknown 0003", "Untitled 2", "Unknown Album": what rippers and taggers write when they know nothing;
# "New Recording 12" (a phone's voice recorder), "New folder (2)" and "untitled folder 3" (file
# managers), "tmp 42" and "download 7" (scratch folders), "Audiobooks" over a "CD 3" folder, and the
# bare "book" or "untitled" a file is left with once its number is read as a track number.
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:\d{5,}|(?:rip|book|track|cd|disc|disk|part|chapter|audiobook|audio|file|tmp|temp|download"
    r"|recording|new recording|voice memo)\s*\d+"
    r"|(?:unknown|untitled)(?:\s+(?:title|album|book|audiobook))?\s*\d+"
    r"|(?:unknown|untitled)\s+(?:title|album|book|audiobook)"
    r"|(?:new|untitled) folder(?:\s*\(\d+\))?(?:\s*\d+)?"
    r"|book|audio|audiobooks?|track|file|recording|new recording|untitled|downloads)$"
)


def is_placeholder_title(title: str) -> bool:
    """A title that names no book (a number, "Part 1", "Unknown 0003"): searching it would only spend a
    request, and as evidence it would contradict every right answer.
    Short numbers stay searchable: "1984" and "11/22/63" are real titles."""
    text = re.sub(r"[\s_\-.]+", " ", title.strip().lower()).strip()
    disc = split_disc(title)
    return bool(_PLACEHOLDER_TITLE.match(text)) or (disc is not None and not disc.rest)
