"""Reading spoken credits without a template: the cue phrases audiobooks open and close with, and the
spans between them.

Publishers word their credits in many ways ("William Shakespeare, Romeo and Juliet, performed by …,
unabridged"; "Tantor Audio presents Dune, by Frank Herbert"; "You have been listening to …"), and a
small ASR model drops commas and misspells names. So the transcript is cut at cue phrases into labelled
parts rather than matched against one sentence shape:

- openers (`This is Audible`, `<Publisher> presents`, `a <…> production of`), closers (`This has been`,
  `You have been listening to`, `This concludes`, `The end of`, `Thank you for listening to`): what
  follows is the book;
- author cues (`written by`, `by`, `a novel by`, `from the bestselling author`), narrator cues
  (`read by`, `narrated by`, `performed by`, `with a performance by`), series cues (`book N of <Series>`,
  `<Series>, book N`, `the Nth book in <Series>`, `volume N`);
- separators that end a credit (`unabridged`, `abridged`, `chapter one`, `prologue`, `part one`,
  `copyright`), never part of a title or name.

The free parts next to those cues are the title and author candidates, ranked by how they sit
(before `by`, right after an opener, a name before a title in "<Author>, <Title>"). Nothing is read
when no cue was heard: prose is not credits. The spans are evidence to search with and to check
candidates against (containment), not a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tasks.normalise import CARDINAL_WORDS, ORDINAL_WORDS

_NUMBER = (
    r"\d+|"
    + "|".join(CARDINAL_WORDS[1:])
    + "|"
    + "|".join(ORDINAL_WORDS)
    + r"|won|to|too|for"  # how a small model writes a spoken "one", "two", "four"
)
_POSITION_WORDS = {w: i for i, w in enumerate(CARDINAL_WORDS)} | {
    w: i + 1 for i, w in enumerate(ORDINAL_WORDS)
}
_POSITION_WORDS |= {"won": 1, "to": 2, "too": 2, "for": 4}

# Publishers and imprints that open or close audiobooks; their names are never the title.
PUBLISHERS = (
    "audible studios",
    "audible originals",
    "audible",
    "recorded books",
    "brilliance audio",
    "brilliance publishing",
    "penguin random house audio",
    "random house audio",
    "penguin audio",
    "tantor audio",
    "tantor media",
    "blackstone audio",
    "blackstone publishing",
    "macmillan audio",
    "harperaudio",
    "harper audio",
    "harpercollins",
    "hachette audio",
    "podium audio",
    "podium publishing",
    "simon and schuster audio",
    "simon & schuster audio",
    "dreamscape media",
    "highbridge audio",
    "naxos audiobooks",
    "bbc audiobooks",
    "listening library",
    "graphic audio",
    "tantor",
    "blackstone",
    "podium",
)
_PUBLISHER_RE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in PUBLISHERS) + r")\b", re.I)

# (label, pattern). Order matters where patterns overlap: the first label claims the span.
_CUES: list[tuple[str, str]] = [
    ("series", rf"\b(?:book|volume|part|number)\s+(?P<n1>{_NUMBER})\s+(?:of|in)\s+(?:the\s+)?"),
    (
        "series",
        rf"\b(?:the\s+)?(?P<n2>{_NUMBER})\s+(?:book|novel|volume|instal+ment)\s+(?:of|in)\s+(?:the\s+)?",
    ),
    ("series_after", rf"\b(?:book|volume|vol\.?)\s+(?P<n3>{_NUMBER})\b(?!\s+(?:of|in)\b)"),
    # "ordinal", "organizational": how a small model hears a synthetic "Audible"
    ("opener", r"\bthis is (?:audible|ordinal|organizational|adorable)\b"),
    # credits for other people: what follows is a name, but neither the author's nor the narrator's
    (
        "other_credit",
        r"\b(?:translated|illustrated|edited|adapted|introduced|abridged|dramati[sz]ed)\s+(?:by|bye|my)\b"
        r"|\b(?:with\s+)?(?:a\s+)?(?:foreword|introduction|afterword)\s+by\b",
    ),
    # "presence": how a small model often writes a spoken "presents"
    ("publisher", r"(?:^|(?<=[.!?,]\s))[^.!?,]{2,60}?\s+(?:presents?|presence)\b"),
    ("opener", r"\b(?:an?\s+)?(?:[\w\-]+\s+){0,3}(?:production|recording|presentation)\s+of\b"),
    ("closer", r"\bthis has been\b"),
    ("closer", r"\byou(?:'ve|\s+have)\s+(?:just\s+)?been\s+listening\s+to\b"),
    ("closer", r"\bthis concludes\b"),
    ("closer", r"\b(?:this is\s+)?the end of\b"),
    ("closer", r"\bhere ends\b"),
    ("closer", r"\bthank you for listening to\b"),
    ("closer", r"(?:^|(?<=[.!?]\s))['\"]?this is\b(?!\s+(?:the end|audible))"),
    (
        "narrator",
        r"\b(?:narrated|read|performed|reads|voiced|raided|rated|raded)\s+(?:for you\s+|aloud\s+)?(?:by|bye|my)\b"
        # "Naveted by", "Nowated by": a garbled "narrated by" still ends in -ated/-eted
        r"|\b[A-Za-z]{2,}(?:ated|eted|aded)\s+(?:by|bye)\b"
        r"|\bwith\s+a\s+performance\s+by\b|\bnarrator[,:]?\s|\b(?:with\s+)?narration\s+(?:by|from)\b",
    ),
    (
        "author",
        r"\bfrom\s+(?:the\s+)?(?:new york times\s+|number one\s+|#1\s+)?(?:best[\s-]?selling\s+|award[\s-]winning\s+)*"
        r"(?:author|writer)\b"
        r"|\b(?:a|the)\s+(?:novel|story|book|memoir)\s+by\b"
        r"|\b(?:wr|r)itten\s*by\b|\bauthor[,:]?\s"
        # "Riven by", "Rippen By", "Rhin By": a small model's "written by"
        r"|\b(?:riven|rippen|rhin|ritten|written)\s*(?:by|bye|my)\b"
        r"|\bby(?:e)?\b|\bmy(?=\s+[A-Z])",
    ),
    (
        "stop",
        r"\b(?:un)?abridged\b(?:\s+(?:edition|recording|version))?"
        r"|\b(?:an?|and|un)[\s-]*a?bridged?\b"  # how a small model writes "unabridged"
        r"|\b(?:chapter|part)\s+(?:one|1|first|i)\b|\bprologue\b|\bepilogue\b|\bcopyright\b|\ball rights reserved\b"
        r"|\baudible hopes you have enjoyed this program\b|\bopening credits\b|\bend credits\b|\bthe end\b",
    ),
]
_CUE_RE = re.compile("|".join(f"(?P<c{i}>{p})" for i, (_label, p) in enumerate(_CUES)), re.I)
_SPLIT_RE = re.compile(r"\s*(?:[,;:!?]|(?<!\b[A-Z])\.(?=\s|$)|\s-\s|\s+and\s+then\s+)\s*")
_STOP = frozenset(
    ["a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "with", "from", "as", "is", "it"]
    + ["this", "that", "be", "by", "my", "your", "our", "his", "her", "their", "i", "you", "he", "she", "we"]
    + ["they", "was", "were"]
)
_PARTICLES = frozenset(
    ["de", "da", "di", "del", "van", "von", "der", "le", "la", "du", "st", "bin", "al", "ibn"]
)
_MAX_SPAN_WORDS = 12
_MAX_NAME_WORDS = 5


@dataclass
class Part:
    label: str  # free, author, narrator, series, opener, closer, publisher, stop
    text: str
    position: float | None = None  # for series parts
    sentence: int = 0


@dataclass
class Reading:
    """Spans of one hearing: title and name candidates ranked best first, series, publisher, cues."""

    titles: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    narrators: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # name-like spans of unknown role (author-first)
    series: str | None = None
    position: float | None = None
    publisher: str | None = None
    cues: list[str] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=dict)

    @property
    def heard(self) -> bool:
        return bool(self.titles or self.authors)


def position_value(word: str) -> float | None:
    w = word.lower()
    if w.isdigit():
        return float(int(w))
    return float(_POSITION_WORDS[w]) if w in _POSITION_WORDS else None


def name_like(span: str) -> bool:
    """Two to five words that read as a person's name: capitalised words or initials (particles allowed)."""
    words = span.replace(".", ". ").split()
    if not 2 <= len(words) <= _MAX_NAME_WORDS:
        return False
    for w in words:
        bare = w.strip(".'")
        if bare.lower() in _PARTICLES:
            continue
        if not bare or not bare[0].isupper() or bare.lower() in _STOP:
            return False
    return True


def _clean(span: str) -> str:
    return " ".join(span.strip(" \t\n,.;:'\"-").split())


def _names(span: str) -> list[str]:
    """'James Patterson and Mike Lupica' -> both; cut where a name obviously ends (a lower-case run)."""
    out = []
    for raw in re.split(r"\s*(?:,|\band\b|&)\s*", span):
        words = raw.split()
        # "read by the talented Scott Brick", "your narrator is Scott Brick": the name starts capitalised
        while len(words) > 1 and words[0][:1].islower() and words[0].lower() not in _PARTICLES:
            words = words[1:]
        if not words or (words[0][:1].islower() and words[0].lower() not in _PARTICLES):
            continue
        kept: list[str] = []
        for w in words:
            if kept and w[:1].islower() and w.lower() not in _PARTICLES:
                break
            kept.append(w)
        name = _clean(" ".join(kept[:_MAX_NAME_WORDS]))
        if len(name) > 1 and name.lower() not in _STOP and not _PUBLISHER_RE.fullmatch(name):
            out.append(name)
    return out


def parts_of(text: str) -> list[Part]:
    """The transcript cut at cue phrases and punctuation into labelled parts, in order."""
    text = " ".join((text or "").split())
    parts: list[Part] = []
    sentence = 0
    pos = 0
    label, position = "free", None

    def emit(chunk: str, first_label: str, first_position: float | None) -> None:
        nonlocal sentence
        pieces = re.split(r"(?<!\b[A-Z]\.)(?<=[.!?])\s+", chunk)
        current = first_label
        for k, piece in enumerate(pieces):
            if k:
                sentence += 1
            for sub in _SPLIT_RE.split(piece):
                sub = _clean(sub)
                if not sub:
                    continue
                parts.append(Part(current, sub, first_position if current == first_label else None, sentence))
                current = "free"
            current = "free"

    for m in _CUE_RE.finditer(text):
        emit(text[pos : m.start()], label, position)
        i = int(next(k for k, v in m.groupdict().items() if v is not None and k.startswith("c"))[1:])
        label = _CUES[i][0]
        n = next((m.group(g) for g in ("n1", "n2", "n3") if m.group(g)), None)
        position = position_value(n) if n else None
        if label == "publisher":
            pub = _clean(re.sub(r"\s+(?:presents?|presence)$", "", m.group(0), flags=re.I))
            parts.append(Part("publisher", pub, None, sentence))
            label = "free"
        elif label in ("stop", "opener", "closer", "series_after"):
            parts.append(Part(label, _clean(m.group(0)), position, sentence))
            label = "free" if label != "closer" else "lead"
            if parts[-1].label == "opener":
                label = "lead"
            # "Part One. Chapter One. <Title>, by …": a heading before anything else opens the credits
            heading = re.match(r"(?i)(?:chapter|part|prologue)\b", parts[-1].text)
            if heading and all(q.label == "stop" for q in parts) and not text[pos : m.start()].strip(" ,.;:"):
                label = "lead"
        pos = m.end()
    emit(text[pos:], label, position)
    return parts


def _closing_production(parts: list[Part], k: int) -> bool:
    """Is part k what follows "a … production of" said after a narrator or author credit? Then it
    names who produced the recording, not the book ("A Tantor production of Dune, by …" opens the
    credits; "… narrated by X, an unabridged production of Tantor Audio" closes them)."""
    prev = parts[k - 1] if k else None
    if (
        prev is None
        or prev.label != "opener"
        or not re.search(r"(?i)\b(?:production|recording)\s+of$", prev.text)
    ):
        return False
    return any(q.label in ("narrator", "author") for q in parts[: k - 1])


def read_spans(text: str) -> Reading:
    """Title, author, narrator and series spans from one hearing, without assuming a sentence shape."""
    parts = parts_of(text)
    reading = Reading()
    cues = [p.label for p in parts if p.label not in ("free", "lead")]
    # Only "by"/"my" alone is too common in prose to count as credits by itself.
    strong = [
        p
        for p in parts
        if p.label in ("narrator", "series", "opener", "closer", "publisher", "series_after")
        or (p.label == "stop" and "abridged" in p.text.lower())
    ]
    # "by" in prose ("by the river") names nobody: without another cue it must be followed by a name.
    authors_heard = [
        p
        for p in parts
        if p.label == "author" and _names(p.text) and (strong or name_like(_names(p.text)[0]))
    ]
    if not strong and not authors_heard:
        return reading
    reading.cues = sorted(set(cues))
    ranked: list[tuple[int, int, str]] = []  # (rank, order, span)
    names: list[str] = []

    series_after: Part | None = None  # the name a "<Name>, volume N" reading took as the series

    def add_title(rank: int, k: int, span: str) -> None:
        if span and len(span.split()) <= _MAX_SPAN_WORDS and span.lower() not in _STOP:
            ranked.append((rank, k, span))

    for k, p in enumerate(parts):
        prev = parts[k - 1] if k else None
        nxt = parts[k + 1] if k + 1 < len(parts) else None
        if p.label == "author":
            found = _names(p.text)
            if p in authors_heard:
                reading.authors += [n for n in found if n not in reading.authors]
                reading.rules.setdefault("authors", "transcript.cue.by")
                if prev is not None and prev.label in ("free", "lead") and prev.sentence == p.sentence:
                    add_title(0, k - 1, prev.text)
                elif prev is not None and prev.label in ("free", "lead"):
                    add_title(1, k - 1, prev.text)
        elif p.label == "narrator":
            reading.narrators += [n for n in _names(p.text) if n not in reading.narrators]
            reading.rules.setdefault("narrators", "transcript.cue.read_by")
        elif p.label == "series" and (reading.position is None or series_after is not None):
            series = re.sub(r"\s+series$", "", p.text, flags=re.I)
            if series and len(series.split()) <= 6:
                # "book N of the <Series>" says outright what "<Name>, volume N" only implies: it
                # wins, and the name before "volume" is a title again ("One Piece, volume 1").
                if series_after is not None:
                    series_after.label = "free"
                    series_after = None
                reading.series, reading.position = series, p.position
                reading.rules["series"] = "transcript.cue.book_of_series"
        elif p.label == "series_after" and reading.position is None and prev is not None:
            if prev.label in ("free", "lead"):
                reading.series, reading.position = (
                    _clean(re.sub(r"\s+series$", "", prev.text, flags=re.I)),
                    p.position,
                )
                reading.rules["series"] = "transcript.cue.series_book"
                prev.label = "used"
                series_after = prev
        elif p.label == "publisher":
            reading.publisher = reading.publisher or p.text
        elif p.label == "lead" and _closing_production(parts, k):
            # "… Narrated by X. An unabridged production of <Publisher>": the credits were said already
            reading.publisher = reading.publisher or p.text
        elif p.label == "lead":
            # "<Author>, <Title>" after an opener or on its own: a name then a title
            if name_like(p.text) and nxt is not None and nxt.label == "free" and not name_like(nxt.text):
                names.append(p.text)
                add_title(1, k + 1, nxt.text)
            add_title(2, k, p.text)

    # Free parts next to a credit cue, and "<Author>, <Title>" pairs among them.
    for k, p in enumerate(parts):
        if p.label != "free":
            continue
        before = parts[k - 1] if k else None
        if before is not None and before.sentence != p.sentence and before.label in ("narrator", "author"):
            before = None  # "… narrated by X. There was a letter …": the next sentence is the book's prose
        near = [q for q in (before, parts[k + 1] if k + 1 < len(parts) else None) if q]
        cued = any(
            q.label in ("narrator", "series", "series_after", "lead", "opener", "closer", "publisher")
            or (q.label == "author" and q in authors_heard)
            or (q.label == "stop" and "abridged" in q.text.lower())
            for q in near
        )
        if not cued and k > 0:
            continue
        poss = re.match(r"^(?P<name>(?:[A-Z][\w.\-]*\s+){1,3}[A-Z][\w\-]*)'s\s+(?P<title>.+)$", p.text)
        if poss:
            names.append(poss.group("name"))
            add_title(1, k, poss.group("title"))
            continue
        nxt = parts[k + 1] if k + 1 < len(parts) else None
        if name_like(p.text) and nxt is not None and nxt.label == "free" and not name_like(nxt.text):
            names.append(p.text)
            add_title(2, k + 1, nxt.text)
            continue
        # A run-on "William Shakespeare Romeo and Juliet": a leading name, then the title.
        words = p.text.split()
        for n in (2, 3) if not authors_heard else ():
            if len(words) > n and name_like(" ".join(words[:n])):
                names.append(" ".join(words[:n]))
                add_title(3, k, " ".join(words[n:]))
        add_title(4 if not authors_heard else 3, k, p.text)

    seen: set[str] = set()
    for _rank, _k, span in sorted(ranked):
        key = span.lower()
        if key not in seen and not _PUBLISHER_RE.fullmatch(span) and span not in reading.authors:
            seen.add(key)
            reading.titles.append(span)
    reading.names = [n for n in dict.fromkeys(names) if n not in reading.authors]
    if not reading.authors and reading.names:
        reading.authors = [reading.names[0]]
        reading.rules["authors"] = "transcript.cue.name_before_title"
        # still a title to try last: two capitalised words may be a title ("Fruits Basket") as well
        reading.titles = [t for t in reading.titles if t != reading.names[0]] + [reading.names[0]]
    if not (reading.authors or reading.narrators or reading.position is not None):
        # A cue and a phrase alone ("The end of the video…", what Whisper writes over music) name nobody.
        return Reading()
    if reading.titles:
        reading.rules["title"] = "transcript.cue.title"
    return reading
