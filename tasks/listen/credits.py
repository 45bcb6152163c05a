"""What the narrator says about the book, read from a transcript with rules rather than a template.

`extract_credits(text)` reads the Audible-style opening `[This is Audible.] [<Publisher> presents] <Title>[, <Series>
book N], [written] by <Author> [, narrated|read|performed by <Narrator>]`, the closing `This has been <Title>,
written by ...`, and the cue words of other phrasings (`tasks.listen.cues`). It seeds a targeted catalogue
search when no candidate was heard.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from tasks.listen.cues import Reading, read_spans
from tasks.listen.phrases import BOOK_WORD_RE, POSITION_HOMOPHONES, number_value
from tasks.normalise.vocabulary import DIVISION_WORDS, HEADINGS, alternation

# A name word: a capitalised word, an initial ("J."), or a particle. A full word never takes the
# following full stop, so "by Andy Weir. Narrated by" ends the author at "Weir".
_NAME_WORD = r"(?:St\.|[A-Z][\w'\-]+|[A-Z]\.?|de|da|di|del|van|von|der|le|la|du)"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}}"
_NAMES = rf"(?P<names>{_NAME}(?:\s*,?\s+(?:and|&)\s+{_NAME})*)"
# "raided"/"raded"/"rated": how tiny.en hears a synthetic "narrated".
_NARRATOR_RE = re.compile(
    rf"\b(?:(?:[Nn]arrated|[Nn]arration|[Rr]ai?[dt]ed|[Rr]eads?|[Pp]erformed|[Vv]oiced)\s+(?:[Bb]y|[Mm]y)"
    rf"|[Nn]arration\s+from)\s+{_NAMES}"
)
# "my" is how tiny Whisper models often hear a quick "by"; the name must still be capitalised.
# (A "by" inside a narrator phrase is skipped in extract_credits.)
# "Rittenby": tiny.en's run-together "written by". After "written by" a lower-cased name is accepted
# too (Whisper often lower-cases initials: "written by an m martin"); after a bare "by" it is not.
_AUTHOR_RE = re.compile(
    rf"\b(?:(?P<written>(?:[Ww]r|[Rr])itten\s*by)\s+(?:{_NAMES.replace('<names>', '<wnames>')}"
    rf"|(?P<lower>[a-z][\w'\-]*(?:\s+[A-Za-z][\w'\-]*){{1,3}}))|(?:[Bb]y|[Mm]y)\s+{_NAMES})"
)
# "ordinal", "organizational": how tiny.en hears a synthetic "Audible".
_AUDIBLE_WORD = r"(?:audible|ordinal|organizational|adorable)"
_AUDIBLE_RE = re.compile(rf"\bthis is {_AUDIBLE_WORD}\b[\s.,!'\"]*", re.I)
_THIS_IS_RE = re.compile(rf"(?:^|(?<=[.!?]\s))['\"]?this is\s+(?!{_AUDIBLE_WORD})", re.I)
_PRESENTS_RE = re.compile(r"(?P<pub>[^.!?]{2,80}?)\s+(?:presents?|presence)\b[\s:,'\"]*", re.I)
_CLOSING_RE = re.compile(
    r"\b(?:this has been|you(?:'ve|\s+have)\s+(?:just\s+)?been\s+listening\s+to|this concludes|"
    r"thank you for listening to)\s+",
    re.I,
)
# A chapter or part heading read before the credits is not part of the title.
_HEADING_RE = re.compile(
    rf"^(?:{alternation(DIVISION_WORDS)})\s+(?:\d+|[a-z]+)$|^(?:{alternation(HEADINGS)})$", re.I
)
_PRODUCTION_RE = re.compile(
    r"^\s*(?:a|an)\s+(?:[\w\-]+\s+){0,3}(?:production|recording|audiobook|presentation)(?:\s+of)?\b", re.I
)
_SERIES_BOOK_RE = re.compile(r"^(?P<series>.+?)\s*,?\s+book\s+(?P<n>\w+)$", re.I)
_BOOK_OF_RE = re.compile(r"^book\s+(?P<n>\w+)\s+(?:of|in)\s+(?:the\s+)?(?P<series>.+?)(?:\s+series)?$", re.I)
_BOOK_N_RE = re.compile(r"^book\s+(?P<n>\w+)$", re.I)
_MAX_TITLE_WORDS = 14
_CLOSER = "audible hopes you have enjoyed this program"


@dataclass
class Credits:
    """What the transcript claims. `heard` = at least a title or an author was recognised."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    narrators: list[str] = field(default_factory=list)
    series: str | None = None
    position: float | None = None
    publisher: str | None = None
    audible_intro: bool = False
    audible_outro: bool = False
    rules: dict[str, str] = field(default_factory=dict)
    # Other readings of the same words (cue spans): what the targeted search may also try.
    title_spans: list[str] = field(default_factory=list)
    name_spans: list[str] = field(default_factory=list)

    @property
    def heard(self) -> bool:
        return bool(self.title or self.authors)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def merge(self, other: Credits) -> Credits:
        """Fill what this one lacks from `other` (earlier windows win)."""
        for name in ("title", "series", "position", "publisher"):
            if getattr(self, name) is None and getattr(other, name) is not None:
                setattr(self, name, getattr(other, name))
                if name in other.rules:
                    self.rules[name] = other.rules[name]
        for name in ("authors", "narrators"):
            if not getattr(self, name) and getattr(other, name):
                setattr(self, name, list(getattr(other, name)))
                self.rules[name] = other.rules.get(name, "")
        self.audible_intro |= other.audible_intro
        self.audible_outro |= other.audible_outro
        self.title_spans = list(dict.fromkeys(self.title_spans + other.title_spans))
        self.name_spans = list(dict.fromkeys(self.name_spans + other.name_spans))
        return self

    def evidence(self) -> list[tuple[str, str, int, str]]:
        """(field, value, ordinal, rule) rows for `item_evidence` with source 'transcript'."""
        rows: list[tuple[str, str, int, str]] = []
        if self.title:
            rows.append(("title", self.title, 0, self.rules.get("title", "transcript.title")))
        rows += [
            ("author", a, i, self.rules.get("authors", "transcript.by")) for i, a in enumerate(self.authors)
        ]
        rows += [
            ("narrator", n, i, self.rules.get("narrators", "transcript.narrated_by"))
            for i, n in enumerate(self.narrators)
        ]
        if self.series:
            rows.append(("series", self.series, 0, self.rules.get("series", "transcript.series_book")))
        if self.position is not None:
            rows.append(
                ("sequence", f"{self.position:g}", 0, self.rules.get("series", "transcript.series_book"))
            )
        if self.publisher:
            rows.append(("publisher", self.publisher, 0, self.rules.get("publisher", "transcript.presents")))
        return rows


def _split_names(raw: str) -> list[str]:
    parts = re.split(r"\s*,?\s+(?:and|&)\s+", raw)
    return [p.strip(" .") for p in parts if p.strip(" .") and len(p.strip(" .")) > 1]


def _clean(chunk: str) -> str:
    return chunk.strip(" \t\n,.;:'\"-")


def _parse_position(word: str) -> float | None:
    value = number_value(word) or POSITION_HOMOPHONES.get(word.lower())
    return float(value) if value is not None else None


def _parse_title_chunk(chunk: str, credits: Credits, rule_prefix: str) -> None:
    """'<Title>, <Series> book N' / '<Title>, book N of the <Series>' -> title, series, position."""
    chunk = _PRODUCTION_RE.sub("", chunk)
    chunk = BOOK_WORD_RE.sub(lambda m: f"book {m.group('n')}", chunk)
    parts = [_clean(p) for p in re.split(r"[,.;:]\s+|\.\s*$", chunk) if _clean(p)]
    parts = [p for p in parts if not _PRODUCTION_RE.match(p + " ") and not _HEADING_RE.match(p)]
    if not parts:
        return
    title_parts: list[str] = []
    for i, part in enumerate(parts):
        if i == 0:
            title_parts.append(part)
            continue
        m = _BOOK_OF_RE.match(part) or _SERIES_BOOK_RE.match(part)
        pos = _parse_position(m.group("n")) if m else None
        if m and pos is not None:
            credits.series, credits.position = _clean(m.group("series")), pos
            credits.rules["series"] = (
                f"{rule_prefix}.book_of_series" if m.re is _BOOK_OF_RE else f"{rule_prefix}.series_book"
            )
            continue
        m = _BOOK_N_RE.match(part)
        if m and _parse_position(m.group("n")) is not None and len(title_parts) > 1:
            # "<Title>, <Series>, book two": the part before was the series, not the title
            credits.series, credits.position = title_parts.pop(), _parse_position(m.group("n"))
            credits.rules["series"] = f"{rule_prefix}.series_book"
            continue
        if not credits.series:
            title_parts.append(part)
    # "The Final Empire Mistborn book one" (no pause heard): the position is certain, the split is not.
    m = re.match(r"^(?P<rest>.+?)\s+book\s+(?P<n>\w+)$", title_parts[0], re.I)
    if credits.position is None and m and _parse_position(m.group("n")) is not None:
        credits.position = _parse_position(m.group("n"))
        credits.rules["series"] = f"{rule_prefix}.book_n"
        title_parts[0] = m.group("rest")
    # One-part titles are the norm; a second part without a series marker is a subtitle.
    credits.title = title_parts[0]
    credits.rules["title"] = f"{rule_prefix}.title"


def extract_credits(text: str) -> Credits:
    """Parse spoken credits from a transcript (any window: intro or outro)."""
    credits = Credits()
    if not text:
        return credits
    text = " ".join(text.split())
    credits.audible_outro = _CLOSER in text.lower()
    audible = _AUDIBLE_RE.search(text)
    credits.audible_intro = bool(audible)

    narrator_spans = [m.span() for m in _NARRATOR_RE.finditer(text)]
    narrator = _NARRATOR_RE.search(text)
    if narrator:
        credits.narrators = _split_names(narrator.group("names"))
        credits.rules["narrators"] = "transcript.narrated_by"

    # The author is the first "by <Name>" whose lead-in (from the last anchor) reads like a title.
    anchors = [0]
    anchors += [m.end() for m in (audible,) if m]
    anchors += [m.end() for m in _THIS_IS_RE.finditer(text)]
    presents = _PRESENTS_RE.search(text, audible.end() if audible else 0)
    if presents and presents.start() < 200:
        credits.publisher = _clean(presents.group("pub"))
        credits.rules["publisher"] = "transcript.presents"
        anchors.append(presents.end())
    closing = list(_CLOSING_RE.finditer(text))
    anchors += [m.end() for m in closing]
    for by in _AUTHOR_RE.finditer(text):
        if any(start <= by.start() < end for start, end in narrator_spans):
            continue
        lead_start = max(a for a in anchors if a <= by.start())
        lead = text[lead_start : by.start()]
        if len(lead.split()) > _MAX_TITLE_WORDS:  # too long for a title: take the last sentence
            lead = re.split(r"(?<=[.!?])\s+", lead.strip())[-1]
        if not lead.strip(" ,.") or len(lead.split()) > _MAX_TITLE_WORDS:
            continue
        is_closing = any(m.end() == lead_start for m in closing)
        prefix = "transcript.closing" if is_closing else "transcript"
        if by.group("lower") and not (narrator_spans or audible or closing):
            continue  # a lower-cased "written by ..." counts only inside recognisable credits
        names = by.group("names") or by.group("wnames") or by.group("lower")
        if by.group("lower"):  # cut a lower-cased name at the next credit word
            names = re.split(r"\s+(?:narrated|read|performed|raided|chapter)\b", names)[0]
        credits.authors = _split_names(names)
        credits.rules["authors"] = "transcript.written_by" if by.group("written") else "transcript.by"
        if is_closing and _PRODUCTION_RE.match(lead):
            # "This has been a production of Audible Studios" names the publisher, not the title
            break
        _parse_title_chunk(lead, credits, prefix)
        break
    _fill_from_cues(credits, read_spans(text))
    return credits


def _fill_from_cues(credits: Credits, reading: Reading) -> None:
    """What the Audible-shaped parse missed, from the template-free cue reading of the same words.
    A template title that still holds a cue phrase ("You have been listening to …", "Part 1 Chapter 1
    …") was cut in the wrong place: the cue reading's title replaces it."""
    if credits.title and reading.titles and polluted(credits.title):
        credits.title = None
    if credits.title is None and reading.titles:
        credits.title, credits.rules["title"] = (
            reading.titles[0],
            reading.rules.get("title", "transcript.cue"),
        )
    if credits.authors and {a.lower() for a in credits.authors} <= {n.lower() for n in reading.narrators}:
        credits.authors = []  # the "by" was a narrator's ("Voiced by <Narrator>"), not an author's
    if not credits.authors and reading.authors:
        credits.authors = list(reading.authors)
        credits.rules["authors"] = reading.rules.get("authors", "transcript.cue")
    if not credits.narrators and reading.narrators:
        credits.narrators = list(reading.narrators)
        credits.rules["narrators"] = reading.rules.get("narrators", "transcript.cue")
    if credits.position is None and reading.position is not None:
        credits.series, credits.position = reading.series or credits.series, reading.position
        credits.rules["series"] = reading.rules.get("series", "transcript.cue")
    if credits.publisher is None and reading.publisher:
        credits.publisher, credits.rules["publisher"] = reading.publisher, "transcript.cue.presents"
    credits.title_spans = list(dict.fromkeys(([credits.title] if credits.title else []) + reading.titles))
    credits.name_spans = list(dict.fromkeys(credits.authors + reading.authors + reading.names))


def polluted(title: str) -> bool:
    """A heard title that holds a cue phrase (other than a bare "by")."""
    from tasks.listen.cues import parts_of

    return any(p.label not in ("free", "author") for p in parts_of(title))
