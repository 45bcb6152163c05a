"""The comparison keys of one title or identifier: normalised title forms, a numbered volume's form,
ISBN-10/13 forms."""

from __future__ import annotations

import re

from tasks.identifiers import isbn10_to_13
from tasks.normalise import TitleParts, normalise_text, split_title, strip_article

_ID_RE = re.compile(r"[^0-9A-Za-z]")


# A disc of a set ("Rome [Disc 1 of 4]", "(CD 3)") or a later recording of one text ("(version 2)", as
# LibriVox names its second reading) is numbered like a series' volume, but it names no series: its
# number says which part or recording the files hold, not where the book stands in a series.
_NOT_A_SERIES_RE = re.compile(r"^\s*(?:cd|disc|disk|version)\b", re.I)
# A title that still names a part once its series and position are read ("Order of the Phoenix Part 1"
# of "(Harry Potter, #5, Part 1)") is one part of that volume: "harry potter 5" would name the whole.
_PART_LEFT_RE = re.compile(r"\b(?:part|pt)\.?\s*\w+$", re.I)


def _split(raw: str) -> TitleParts:
    """`split_title` of `raw`, without the series and position a disc or recording number gave it."""
    parts = split_title(raw)
    if parts.series and _NOT_A_SERIES_RE.match(parts.series):
        return parts._replace(series=None, position=None)
    return parts


def title_keys(raw: str) -> tuple[str, str, str | None, float | None, tuple[str, ...]]:
    """(full, bare, series, position, flags): full = title + subtitle, bare = title alone."""
    parts = _split(raw)
    full = strip_article(normalise_text(f"{parts.title} {parts.subtitle}" if parts.subtitle else parts.title))
    bare = strip_article(normalise_text(parts.title))
    return full, bare, parts.series, parts.position, parts.flags


def numbered_title(raw: str) -> str | None:
    """The title as a numbered volume ("The Walking Dead, Vol. 14: No Way Out" -> "walking dead 14"), when
    it carries a position: comics and manga are shelved and spoken by series and number, while the
    catalogue's bare title is the volume's own name ("no way out")."""
    parts = _split(raw)
    if parts.position is None or _PART_LEFT_RE.search(parts.title):
        return None
    name = strip_article(normalise_text(parts.series or parts.title))
    return f"{name} {normalise_text(f'{parts.position:g}')}" if name else None


def clean_id(value: str | None) -> str | None:
    if not value:
        return None
    v = _ID_RE.sub("", value).upper()
    return v or None


def isbn_keys(value: str | None) -> list[str]:
    """ISBN-13 and -10 forms of one ISBN, so either matches either."""
    v = clean_id(value)
    if not v:
        return []
    out = [v]
    if len(v) == 10:
        thirteen = isbn10_to_13(v)
        if thirteen:
            out.append(thirteen)
    return out
