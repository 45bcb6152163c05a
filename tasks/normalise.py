"""Normalisation of titles and names, so that strings from ABS, folder names, tags, transcripts and
Hardcover can be compared.

Two kinds of function:
- `split_*` functions *capture* structure (series, position, subtitle, co-authors, narrators) so that
  scoring can compare it as its own feature instead of throwing it away;
- `normalise_*` / `name_key` produce comparison keys: ASCII, lower case, no punctuation, articles and
  noise ("[Unabridged]", "CD 1", "64kbps") removed, numerals as digits.

All functions are pure and cheap; the scoring pipeline calls them once per *unique* string.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from anyascii import anyascii

# --- numerals ------------------------------------------------------------------------------------------

# The one table of number words (evidence parsing, spoken credits and the speech emulator use it too).
CARDINAL_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
)  # fmt: skip
ORDINAL_WORDS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth",
)  # fmt: skip
_WORD_NUMBERS = {
    **{w: i for i, w in enumerate(CARDINAL_WORDS)},
    "thirty": 30, "forty": 40, "fifty": 50,
    **{w: i + 1 for i, w in enumerate(ORDINAL_WORDS)},
}  # fmt: skip
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
# Roman numerals up to 89; as a bare token only from two letters on ("I", "X", "V" are words/names).
_ROMAN_RE = re.compile(r"^(?=[ivxl])(l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_WORDS = {"mix", "mid", "dim", "lid", "civil", "vivid", "xl", "li", "di", "mi"}  # never numerals


def roman_to_int(token: str) -> int | None:
    t = token.lower()
    if not t or not _ROMAN_RE.match(t):
        return None
    total, prev = 0, 0
    for ch in reversed(t):
        v = _ROMAN_VALUES[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total or None


def _number_token(token: str, allow_single_roman: bool = False) -> int | None:
    t = token.lower()
    if t in _WORD_NUMBERS:
        return _WORD_NUMBERS[t]
    if t in _ROMAN_WORDS:
        return None
    if len(t) >= 2 or allow_single_roman:
        # Roman numerals are made of i, v, x, l only (see _ROMAN_RE): most words are out at once.
        return None if t.strip("ivxl") else roman_to_int(t)
    return None


_POSITION_RE = re.compile(
    r"^\s*(?:(?:book|bk|volume|vol|part|pt|no|number|episode|ep|tome|#)\.?\s*#?\s*)*"
    r"(?P<num>\d+(?:\.\d+)?|[a-z]+)\b(?:\s*(?:of|/)\s*\w+)?\s*$",
    re.I,
)


def parse_position(s: str | float | int | None) -> float | None:
    """A series position from "3", "#3", "1.5", "Book Two", "III", "Vol. 2", "Book 3 of 5"; else None."""
    if s is None:
        return None
    if isinstance(s, int | float):
        return float(s)
    text = anyascii(str(s)).strip()
    if not text:
        return None
    m = _POSITION_RE.match(text)
    if not m:
        return None
    num = m.group("num")
    if num[0].isdigit():
        return float(num)
    value = _number_token(num, allow_single_roman=True)
    return float(value) if value is not None else None


# --- separators and release tags ---------------------------------------------------------------------

# Libation and Windows tools write a colon as one of these look-alikes (a colon is illegal in a file name).
_COLON_LOOKALIKES = str.maketrans({"\ua789": ":", "\u2236": ":", "\uff1a": ":"})
# A dot is a word separator unless it sits inside a number ("11.22.63", "1.5"; not "MP3.64kbps"):
# the word before it all digits, a digit after it.
_SEP_DOT_RE = re.compile(r"(?<![0-9A-Za-z])\d+\.(?=\d)|\.")
_DASH_PIECES_RE = re.compile(r"\s+-\s+|[._]+-[._]+")
_GLUED_HYPHEN_RE = re.compile(r"(?<=[^\s\-._])-(?=[^\s\-._])")
# 'frances-mayes-bella-tuscany-abr-abook': hyphens for spaces, a run of two or more for the dash.
_HYPHEN_DASH_RE = re.compile(r"-{2,}")
_HAS_LETTER_RE = re.compile(r"[^\W\d_]")
# What release names put after the title: formats, bitrates, edition notes. `strong` tokens mark a
# tail as release tags; `weak` ones (years, "Web", "Retail") only count next to a strong one, so
# "Charlotte's Web" and "Blade Runner 2049" keep their last word.
_STRONG_RELEASE = (
    r"un-?abridged|abridged|unabr|abr|mp3|m4b|m4a|aac|flac|ogg|opus|wma|\d{2,3}\s?k(?:bps)?|\d{2,3}kbit|"
    r"audio\s?books?|audiobook|\d{1,2}\s?cds?"
)
_WEAK_RELEASE = r"(?:19|20)\d{2}|retail|web|webrip|proper|repack|internal|audible|mono|stereo|cbr|vbr|\d{2}(?:\.\d)?\s?khz"
_RELEASE_TOKEN = rf"(?:{_STRONG_RELEASE}|{_WEAK_RELEASE})"
_RELEASE_TAIL_RE = re.compile(rf"(?:[\s._\-]+{_RELEASE_TOKEN}(?![a-z0-9]))+(?:-[A-Za-z0-9]+)?\s*$", re.I)
_RELEASE_TOKEN_RE = re.compile(rf"(?<![a-z0-9]){_RELEASE_TOKEN}(?![a-z0-9])", re.I)
_STRONG_RELEASE_RE = re.compile(rf"^(?:{_STRONG_RELEASE})$", re.I)
_RELEASE_WINDOW = 160
# The group after the tags, then perhaps a file's track number ('…MP3-RAiN_03'), which stays.
_SCENE_GROUP_RE = re.compile(
    rf"(?<![a-z0-9]){_RELEASE_TOKEN}-(?P<group>[A-Za-z0-9]+?)(?P<track>[._]\d{{1,4}})?$", re.I
)


def uses_separators(text: str) -> bool:
    """True for names written with '_' or '.' between words ('John_Grisham_A_Time_to_Kill',
    'Brandon.Sanderson - The.Final.Empire'): separators outnumber the spaces inside the dash pieces.
    Also true for names with hyphens between words and no space at all ('max-frisch-homo-faber',
    see `_hyphen_separated`)."""
    seps = text.count("_") + sum(m.group(0) == "." for m in _SEP_DOT_RE.finditer(text))
    if not seps:
        return _hyphen_separated(text)
    inner_spaces = sum(p.count(" ") for p in _DASH_PIECES_RE.split(text))
    return seps > 2 * inner_spaces


def _hyphen_separated(text: str) -> bool:
    """'max-frisch-homo-faber', 'kiera-cass-the-one-abr-mp3profi': no space, two hyphens or more, and
    at least two of the pieces are words. One hyphen is a compound ('Spider-Man', 'Catch-22') and
    '11-22-63' is a number."""
    if text.count("-") < 2 or any(c.isspace() for c in text):
        return False
    return sum(1 for p in text.split("-") if _HAS_LETTER_RE.search(p)) >= 2


def _respace_hyphens(text: str) -> str:
    """'frances-mayes-bella-tuscany-abr-abook' -> 'frances mayes bella tuscany abr': hyphens become
    spaces, a run of them the dash; the last piece goes when it follows a format or edition tag
    (the release group: 'abook', 'kawa', 'mp3profi')."""
    parts = []
    for chunk in _HYPHEN_DASH_RE.split(text):
        pieces = [p for p in chunk.split("-") if p]
        parts.append(pieces)
    last = parts[-1]
    # A file's track number can follow the group ('…-2cd-kawa-01'): the group goes, the number stays.
    track = last.pop() if len(last) >= 4 and last[-1].isdigit() else None
    if len(last) >= 3 and _STRONG_RELEASE_RE.match(last[-2]) and not _RELEASE_TOKEN_RE.fullmatch(last[-1]):
        last.pop()
    if track is not None:
        last.append(track)
    return " - ".join(" ".join(p) for p in parts if p)


def respace(text: str) -> str:
    """Words glued with '_' or '.' back to spaces, the way release and download tools write names.

    'John_Grisham_A_Time_to_Kill' -> 'John Grisham A Time to Kill';
    'Stephen.King-The.Stand.Unabridged.2011.MP3.64kbps-GROUP' -> 'Stephen King - The Stand Unabridged 2011 MP3 64kbps'
    (a release group after the tags is dropped; a glued hyphen is the author/title dash when the name
    has no other dash); 'Brandon.Sanderson.-.Mistborn.01' -> 'Brandon Sanderson - Mistborn 01'.
    A name with hyphens for spaces loses its release group too:
    'kiera-cass-the-one-abr-mp3profi' -> 'kiera cass the one abr'.
    Colon look-alikes become ':'. A name written with spaces comes back unchanged.
    """
    if not text:
        return text or ""
    text = text.translate(_COLON_LOOKALIKES)
    if not uses_separators(text):
        return text
    if _hyphen_separated(text) and "_" not in text and "." not in text:
        return _respace_hyphens(text)
    m = _SCENE_GROUP_RE.search(text)
    if m and not _RELEASE_TOKEN_RE.fullmatch(m.group("group")):
        text = text[: m.start("group") - 1] + (m.group("track") or "")
    if _DASH_PIECES_RE.search(text):
        text = _DASH_PIECES_RE.sub(" - ", text)
    else:
        text = _GLUED_HYPHEN_RE.sub(" - ", text)
    text = _SEP_DOT_RE.sub(lambda m: m.group(0) if m.group(0) != "." else " ", text.replace("_", " "))
    return _SPACES_RE.sub(" ", text).strip(" -")


def strip_release_tags(text: str) -> tuple[str, list[str]]:
    """('Title', tags) from 'Title Unabridged 2011 MP3 64kbps-GROUP': the trailing run of release tags
    (formats, bitrates, edition notes, years) goes when it holds at least one format, bitrate or
    edition note. Tags come back in order, as written."""
    if not text:
        return text or "", []
    # Release tails are short: looking at the end only keeps a pathological name linear.
    offset = max(0, len(text) - _RELEASE_WINDOW)
    m = _RELEASE_TAIL_RE.search(text, offset)
    if not m or m.start() == 0:
        return text, []
    tags = _RELEASE_TOKEN_RE.findall(m.group(0))
    if not any(_STRONG_RELEASE_RE.match(t) for t in tags):
        return text, []
    head = text[: m.start()].rstrip(" -_.,:;")
    return (head, tags) if head else (text, [])


# --- titles --------------------------------------------------------------------------------------------

_ARTICLES = ("the", "a", "an")
_EDITION_FLAGS = {
    "unabridged": "unabridged",
    "abridged": "abridged",
    "dramatized": "dramatized",
    "dramatised": "dramatized",
    "full cast": "dramatized",
    "full-cast": "dramatized",
    "radio drama": "dramatized",
}
_NUM = r"(?:\d+(?:\.\d+)?|[ivxlIVXL]+|[A-Za-z]+)"
# Bracketed noise that says nothing about which book it is (only about the edition or the rip).
_BRACKET_NOISE_RE = re.compile(
    r"\s*[\(\[\{]\s*(?P<noise>(?:un)?abridged|dramati[sz]ed(?: adaptation)?|full[- ]cast(?: edition)?|"
    r"radio drama|audio ?book|audible(?: audio)?|retail|a novel|novel|\d{2,3}\s*k(?:bps)?|m4b|mp3|"
    r"(?:19|20)\d\d|unknown|narrated by [^\)\]\}]*|read by [^\)\]\}]*)\s*[\)\]\}]",
    re.I,
)
# "(Series, #3)", "(Series #3)", "(Series Book 3)", "(Series, Book Three)", "(Series Vol. 2)", "[Series 3]"
_BRACKET_SERIES_RE = re.compile(
    r"\s*[\(\[]\s*(?P<series>[^\(\)\[\]#]*?)[,;:]?\s*(?:#\s*|\b(?:book|bk|vol(?:ume)?|part|no|number)\.?\s*#?\s*)"
    r"(?P<pos>\d+(?:\.\d+)?(?:\s*-\s*\d+(?:\.\d+)?)?|[A-Za-z]+)\s*[\)\]]\s*$",
    re.I,
)
_BRACKET_SERIES_NUM_RE = re.compile(
    r"\s*[\(\[]\s*(?P<series>[^\(\)\[\]#]*?[A-Za-z][^\(\)\[\]#]*?),?\s+(?P<pos>\d+(?:\.\d+)?)\s*[\)\]]\s*$"
)
# Trailing media/rip noise outside brackets: "CD 1", "Disc 2", "64kbps", "m4b", "- Unabridged".
_TRAILING_NOISE_RE = re.compile(
    r"(?:[\s,\-_:;.]+(?:(?:cd|disc|disk)\s*\d+|\d{2,3}\s*kbps|\d{2,3}k|m4b|mp3|m4a|aac|flac|"
    r"(?:un)?abridged|audiobook|audio ?book|retail|a novel))+\s*$",
    re.I,
)
_LEADING_NOISE_RE = re.compile(r"^\s*(?:(?:cd|disc|disk)\s*\d+)\s*[-_:.]\s*", re.I)
# "Title, Book 3" / "Title Book Three" / "Title, Vol. 2" / "Title - Part III" at the end (no series name).
_TRAILING_POSITION_RE = re.compile(
    r"[\s,:;\-]+(?:book|bk|vol(?:ume)?|part|pt)\.?\s*#?\s*(?P<pos>\d+(?:\.\d+)?|[ivxlIVXL]+|[A-Za-z]+)\s*$",
    re.I,
)
# "Series, Book 3: Title" / "Series Book 3 - Title" / "Series #3 - Title" at the start.
_LEADING_SERIES_RE = re.compile(
    r"^\s*(?P<series>[^:#]+?)[,\s]+(?:#\s*|(?:book|bk|vol(?:ume)?)\.?\s*#?\s*)(?P<pos>\d+(?:\.\d+)?|[A-Za-z]+)\s*[:\-–—]\s*(?P<title>.+)$",
    re.I,
)
_POSITION_WORD_RE = re.compile(r"^(?:book|bk|vol(?:ume)?|part|pt)\b", re.I)
_SUBTITLE_SPLIT_RE = re.compile(r"\s*(?::|\s[-–—]\s)\s*")
_INVERTED_ARTICLE_RE = re.compile(r"^(?P<rest>.+?),\s*(?P<art>the|a|an)(?P<tail>\s*(?:[:(\[].*)?)$", re.I)


_FLAG_RE = re.compile(r"\b(?:unabridged|abridged|dramati[sz]ed|full[ -]cast|radio drama)\b")
# Anything split_title might act on; a title without any of these is returned as it is.
_NEEDS_PARSING_RE = re.compile(
    r"[\(\[\{:,;#\-–—]|\d|\b(?:cd|disc|disk|kbps|m4b|mp3|m4a|aac|flac|abridged|unabridged|audio ?book|"
    r"retail|novel|book|bk|vol|volume|part|pt)\b",
    re.I,
)


class TitleParts(NamedTuple):
    title: str
    subtitle: str | None = None
    series: str | None = None
    position: float | None = None
    flags: tuple[str, ...] = ()  # edition notes captured from the title: unabridged, abridged, dramatized


_SPACES_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"[a-z0-9]+")
_DIGIT_RE = re.compile(r"\d")
# How a title must end (lower case, besides a digit) for _TRAILING_NOISE_RE to match: checking first
# skips a regex search that tries every position of every title.
_TRAILING_NOISE_ENDS = (
    "k",
    "kbps",
    "m4b",
    "mp3",
    "m4a",
    "aac",
    "flac",
    "abridged",
    "book",
    "retail",
    "novel",
)


def _clean_spaces(s: str) -> str:
    return _SPACES_RE.sub(" ", s).strip(" \t,;:-_.")


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
    text = _SPACES_RE.sub(" ", str(s).replace("_", " ")).strip()
    if not _NEEDS_PARSING_RE.search(text):  # most titles: nothing to split or strip
        return TitleParts(text.strip(" \t,;:-_."))
    flags: list[str] = []
    series = None
    position = None

    def note_flags(fragment: str) -> None:
        for m in _FLAG_RE.finditer(fragment.lower()):
            flag = _EDITION_FLAGS[m.group(0).replace("  ", " ")]
            if flag not in flags:
                flags.append(flag)

    # The noise/series patterns below need a bracket, a digit or a noise word; most titles have none
    # of some, and skipping a search that cannot match changes nothing but the time.
    if _DIGIT_RE.search(text):
        text = _LEADING_NOISE_RE.sub("", text)
    # Peel trailing noise and series brackets in any order until nothing changes.
    for _ in range(6):
        before = text
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
    return _WORD_RE.findall(s)


@lru_cache(maxsize=400_000)
def normalise_text(s: str | None) -> str:
    """ASCII, lower case, '&'->'and', punctuation removed, numerals as digits (no article stripping)."""
    if not s:
        return ""
    words = []
    for w in _ascii_words(s):
        n = _number_token(w)
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


# --- names ---------------------------------------------------------------------------------------------

_NAME_NOISE_RE = re.compile(
    r"\b(?:et\.? al\.?|and others|& others|ph\.?d\.?|m\.?d\.?|dr\.|prof\.|sir)(?=\W|$)", re.I
)
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_NARRATOR_SPLIT_RE = re.compile(
    r"(?:[,;(\[]\s*|\s+-\s+|\s+)\b(?:narrated|read|performed|voiced)\s+by\b\s*:?\s*"
    r"|(?:[,;(\[]\s*|\s+)\b(?:narrator|reader)s?\s*:\s*",
    re.I,
)
_COAUTHOR_SPLIT_RE = re.compile(r"\s*(?:;|&|\band\b|\bwith\b|\+|/|\|)\s*", re.I)


def split_credits(s: str | None) -> tuple[list[str], list[str]]:
    """Authors and narrators from one credits string: "A. Author, narrated by N. Reader" -> (["A. Author"], ["N. Reader"])."""
    if not s:
        return [], []
    text = str(s)
    m = _NARRATOR_SPLIT_RE.search(text)
    if m:
        authors_part, narr_part = text[: m.start()], text[m.end() :]
        narr_part = narr_part.strip(" )]")
        return split_names(authors_part), split_names(narr_part)
    return split_names(text), []


def _is_single_token(part: str) -> bool:
    return len(part.split()) == 1


def _looks_given(part: str) -> bool:
    """A given-name part after a comma: 'J.K.', 'Frank', 'Mary Ann', 'J. R. R.'."""
    tokens = part.replace(".", ". ").split()
    return 0 < len(tokens) <= 3 and all(t[0].isalpha() for t in tokens)


@lru_cache(maxsize=200_000)
def _split_names_cached(text: str) -> tuple[str, ...]:
    text = _NAME_NOISE_RE.sub("", text)
    names: list[str] = []
    for chunk in _COAUTHOR_SPLIT_RE.split(text):
        chunk = chunk.strip(" ,")
        if not chunk:
            continue
        parts = [p.strip() for p in chunk.split(",") if p.strip()]
        # Attach suffixes ("Martin Luther King, Jr.") to the name before them.
        merged: list[str] = []
        for p in parts:
            if merged and p.lower().strip(".") in _SUFFIXES:
                merged[-1] = f"{merged[-1]} {p}"
            else:
                merged.append(p)
        parts = merged
        if len(parts) == 2 and _is_single_token(parts[0]) and _looks_given(parts[1]):
            names.append(f"{parts[1]} {parts[0]}")  # "Rowling, J.K." -> "J.K. Rowling"
        elif (
            len(parts) >= 4
            and len(parts) % 2 == 0
            and all(
                _is_single_token(parts[i]) and _looks_given(parts[i + 1]) for i in range(0, len(parts), 2)
            )
            and all(_is_single_token(parts[i + 1]) for i in range(0, len(parts), 2))
        ):
            names.extend(f"{parts[i + 1]} {parts[i]}" for i in range(0, len(parts), 2))
        else:
            names.extend(parts)
    return tuple(dict.fromkeys(n for n in (_SPACES_RE.sub(" ", n).strip() for n in names) if n))


def split_names(s: str | None) -> list[str]:
    """Co-author lists split on ',' ';' '&' 'and'; "Last, First" flipped; "et al." dropped."""
    if not s:
        return []
    return list(_split_names_cached(str(s)))


@lru_cache(maxsize=400_000)
def normalise_name(s: str | None) -> str:
    """Comparison form of one person's name: "Rowling, J.K." == "J. K. Rowling" == "JK Rowling" -> "jk rowling"."""
    if not s:
        return ""
    text = anyascii(str(s)).strip()
    text = _NAME_NOISE_RE.sub("", text).strip(" ,")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) == 2 and parts[1].lower().strip(".") not in _SUFFIXES and _is_single_token(parts[0]):
        text = f"{parts[1]} {parts[0]}"
    else:
        text = " ".join(parts)
    tokens: list[str] = []
    for raw in _SPACES_RE.split(text.replace(".", ". ").replace("-", " - ")):
        tok = raw.strip(".'\u2019")
        if not tok or tok == "-":
            continue
        # An all-capitals token of 2-3 letters in a mixed-case name is glued initials: "JK", "JRR".
        if 2 <= len(tok) <= 3 and tok.isalpha() and tok.isupper() and not text.isupper():
            tokens.extend(tok.lower())
        else:
            tokens.extend(_WORD_RE.findall(tok.lower().replace("'", "")))
    tokens = [t for t in tokens if t not in _SUFFIXES]
    # Glue runs of single-letter initials: "j k rowling" -> "jk rowling".
    out: list[str] = []
    run = ""
    for t in tokens:
        if len(t) == 1 and t.isalpha():
            run += t
            continue
        if run:
            out.append(run)
            run = ""
        out.append(t)
    if run:
        out.append(run)
    return " ".join(out)


@lru_cache(maxsize=400_000)
def name_key(s: str | None) -> str:
    """Surname + first initial: "Joanne Rowling", "J.K. Rowling", "Rowling, J." -> "rowling j"."""
    norm = normalise_name(s)
    if not norm:
        return ""
    tokens = norm.split()
    if len(tokens) == 1:
        return tokens[0]
    return f"{tokens[-1]} {tokens[0][0]}"


_SERIES_WORD_RE = re.compile(r"\s+(?:series|trilogy|saga|sequence|cycle|chronicles?|quartet|duology)$")


def normalise_series(s: str | None) -> str:
    """Comparison form of a series name: 'The Hunger Games Trilogy' -> 'hunger games'."""
    norm = strip_article(normalise_text(s))
    norm = _SERIES_WORD_RE.sub("", norm)
    return norm


# "Unknown 0003", "Untitled 2", "Unknown Album": what rippers and taggers write when they know nothing.
_PLACEHOLDER_TITLE = re.compile(
    r"^(?:\d{5,}|(?:rip|book|track|cd|disc|disk|part|chapter|audiobook|audio|file)\s*\d+"
    r"|(?:unknown|untitled)(?:\s+(?:title|album|book|audiobook))?\s*\d+"
    r"|(?:unknown|untitled)\s+(?:title|album|book|audiobook))$"
)


def is_placeholder_title(title: str) -> bool:
    """A title that names no book (a number, "Part 1", "Unknown 0003"): searching it would only spend a
    request, and as evidence it would contradict every right answer.
    Short numbers stay searchable: "1984" and "11/22/63" are real titles."""
    text = re.sub(r"[\s_\-.]+", " ", title.strip().lower()).strip()
    return bool(_PLACEHOLDER_TITLE.match(text))
