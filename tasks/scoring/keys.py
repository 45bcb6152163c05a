"""The comparison keys of one title or identifier: normalised title forms, a numbered volume's form,
ISBN-10/13 forms."""

from __future__ import annotations

import re

from tasks.identifiers import isbn10_to_13
from tasks.normalise import normalise_text, split_title, strip_article

_ID_RE = re.compile(r"[^0-9A-Za-z]")


def title_keys(raw: str) -> tuple[str, str, str | None, float | None, tuple[str, ...]]:
    """(full, bare, series, position, flags): full = title + subtitle, bare = title alone."""
    parts = split_title(raw)
    full = strip_article(normalise_text(f"{parts.title} {parts.subtitle}" if parts.subtitle else parts.title))
    bare = strip_article(normalise_text(parts.title))
    return full, bare, parts.series, parts.position, parts.flags


def numbered_title(raw: str) -> str | None:
    """The title as a numbered volume ("The Walking Dead, Vol. 14: No Way Out" -> "walking dead 14"), when
    it carries a position: comics and manga are shelved and spoken by series and number, while the
    catalogue's bare title is the volume's own name ("no way out")."""
    parts = split_title(raw)
    if parts.position is None:
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
