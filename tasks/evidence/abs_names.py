"""ABS's `parseNameString` (utils/parsers/parseNameString.js, 2.36): one author or narrator string into names.

The port keeps ABS's quirks, so the names read here are the names ABS shows.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tasks.evidence.rows import WS

_CJK = re.compile(r"[\u4e00-\u9fff\u3040-\u30ff\u31f0-\u31ff]")
# parse-full-name treats these as name suffixes/titles, not first or last names.
_NAME_SUFFIXES = frozenset(
    [
        "jr",
        "jr.",
        "sr",
        "sr.",
        "ii",
        "iii",
        "iv",
        "v",
        "phd",
        "ph.d.",
        "md",
        "m.d.",
        "esq",
        "esq.",
        "dr",
        "dr.",
        "mr",
        "mr.",
        "mrs",
        "mrs.",
        "ms",
        "ms.",
        "prof",
        "prof.",
    ]
)
# Lower-case particles that start a surname ("von Mises", "de la Cruz"): such a chunk has no first name.
_PARTICLES = frozenset(
    [
        "von",
        "van",
        "de",
        "der",
        "den",
        "del",
        "della",
        "da",
        "du",
        "di",
        "la",
        "le",
        "ibn",
        "bin",
        "al",
        "st.",
        "st",
        "ter",
        "ten",
    ]
)


def _recase(word: str) -> str:
    if word.lower() in _PARTICLES:
        return word.lower()
    if "." in word:  # initials: 'j.r.r.' -> 'J.R.R.'
        return word.upper()
    return word[:1].upper() + word[1:].lower()


def _parse_name(segment: str) -> tuple[str, str]:
    """(first incl. middle, last) of one 'First Middle Last' segment, the way parse-full-name splits it."""
    words = [w for w in WS.split(segment.strip()) if w and w.lower() not in _NAME_SUFFIXES]
    if not words:
        return "", ""
    # parse-full-name's default fixCase: only a name written all upper or all lower is re-cased.
    joined = " ".join(words)
    if joined.islower() or joined.isupper():
        words = [_recase(w) for w in words]
    if len(words) == 1:
        return "", words[0]
    # A leading particle means the whole chunk is a surname.
    if words[0].lower() in _PARTICLES:
        return "", " ".join(words)
    # The surname starts at the first particle after the first name, else it is the last word.
    cut = len(words) - 1
    for i in range(1, len(words) - 1):
        if words[i].lower() in _PARTICLES:
            cut = i
            break
    return " ".join(words[:cut]), " ".join(words[cut:])


def _chunk_is_last_name(chunk: str) -> bool:
    if " " not in chunk:
        return True
    first, _ = _parse_name(chunk)
    return not first


def parse_name_string(value: str | None) -> list[str]:
    """ABS's parseNameString: 'Smith, John & Doe, Jane' -> ['John Smith', 'Jane Doe'].

    Split on '&', else ' and ', else ';' (then each piece on ','), else on ','. When commas were
    used and the first chunk has no space, chunks pair up as 'Last, First' (an odd straggler is
    dropped). CJK names come back as they are; duplicates are removed, order kept.
    """
    if not value or not isinstance(value, str):
        return []
    return list(_parse_name_string(value))


@lru_cache(maxsize=65536)  # libraries repeat the same few thousand author/narrator strings
def _parse_name_string(value: str) -> tuple[str, ...]:
    is_comma_separated = "," in value
    if "&" in value:
        chunks = [c for part in value.split("&") for c in part.split(",")]
    elif " and " in value:
        chunks = [c for part in value.split(" and ") for c in part.split(",")]
    elif ";" in value:
        chunks = [c for part in value.split(";") for c in part.split(",")]
    else:
        chunks = value.split(",")
    chunks = [c.strip() for c in chunks]
    if chunks and _CJK.search(chunks[0]):
        return tuple(dict.fromkeys(c for c in chunks if c))

    names: list[tuple[str, str]] = []
    if len(chunks) == 1:
        names.append(_parse_name(value))
    else:
        last_first = is_comma_separated and _chunk_is_last_name(chunks[0])
        if last_first:
            if len(chunks) % 2:
                chunks = chunks[:-1]  # ABS drops a straggler (roman numeral, suffix)
            for i in range(0, len(chunks), 2):
                names.append((WS.sub(" ", chunks[i + 1]), WS.sub(" ", chunks[i])))
        else:
            names.extend(_parse_name(c) for c in chunks)
    out = [f"{first} {last}".strip() if first else last for first, last in names if first or last]
    return tuple(dict.fromkeys(n for n in out if n))
