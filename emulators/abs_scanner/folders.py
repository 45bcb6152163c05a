"""What ABS 2.36 reads from an item's folder path: server/utils/scandir.js `getBookDataFromDir`."""

from __future__ import annotations

import re

from emulators.abs_scanner.js import js_trim
from emulators.abs_scanner.names import parse_name_string

_ASIN_RE = re.compile(r"(?: |^)\[([A-Z0-9]{10})](?= |$)")
_NARRATOR_RE = re.compile(r"^(?P<title>.*) \{(?P<narrators>.*)\}$")
_SEQUENCE_RE = re.compile(
    r"^(?P<label>vol\.? |volume |book )?(?P<seq>\d{0,3}(?:\.\d{1,2})?)(?P<dot>\.?)(?: (?P<suffix>.*))?$",
    re.IGNORECASE | re.ASCII,  # JS's \d is ASCII digits only
)
_YEAR_RE = re.compile(r"^ *\(?([0-9]{4})\)? * - *(.+)")


def _js_number_string(s: str) -> str:
    """Number(s).toString() for the digit strings the sequence pattern admits ('' is 0)."""
    value = float(s) if s else 0.0
    return str(int(value)) if value.is_integer() else repr(value)


def _get_sequence(folder: str) -> tuple[str, str | None]:
    volume_number = None
    parts = folder.split(" - ")
    for i in range(len(parts)):
        match = _SEQUENCE_RE.match(parts[i])
        # This excludes '101 Dalmations' but includes '101. Dalmations' (scandir.js's own words).
        if match and not (match["suffix"] and not (match["label"] or match["dot"])):
            volume_number = _js_number_string(match["seq"])
            parts[i] = match["suffix"] or ""
            if not parts[i]:
                parts.pop(i)  # parts.splice(i, 1)
            break
    return " - ".join(parts), volume_number


def _get_asin(folder: str) -> tuple[str, str | None]:
    m = _ASIN_RE.search(folder)
    if not m:
        return js_trim(folder), None
    return js_trim(folder.replace(m.group(0), "", 1)), m.group(1)


def _get_narrator(folder: str) -> tuple[str, str | None]:
    m = _NARRATOR_RE.match(folder)
    return (m.group("title"), m.group("narrators")) if m else (folder, None)


def _get_published_year(folder: str) -> tuple[str, str | None]:
    m = _YEAR_RE.match(folder)
    return (m.group(2), m.group(1)) if m else (folder, None)


def _get_subtitle(folder: str) -> tuple[str, str]:
    split_title = folder.split(" - ")
    return split_title.pop(0), " - ".join(split_title)


def book_data_from_dir(rel_path: str, parse_subtitle: bool = False) -> dict:
    """getBookDataFromDir: title, subtitle, asin, authors, narrators, seriesName, seriesSequence,
    publishedYear from an item folder's path relative to the library folder, step by step as scandir.js
    takes them (each getX hands back the folder with its piece taken out, and the piece)."""
    split_dir = rel_path.split("/")
    folder = split_dir.pop()
    series = split_dir.pop() if len(split_dir) > 1 else None
    author = split_dir.pop() if split_dir else None

    folder, asin = _get_asin(folder)
    folder, narrators = _get_narrator(folder)
    folder, sequence = _get_sequence(folder) if series else (folder, None)
    folder, published_year = _get_published_year(folder)
    title, subtitle = _get_subtitle(folder) if parse_subtitle else (folder, None)
    return {
        "title": title,
        "subtitle": subtitle,
        "asin": asin,
        "authors": parse_name_string(author) or [],
        "narrators": parse_name_string(narrators) or [],
        "seriesName": series,
        "seriesSequence": sequence,
        "publishedYear": published_year,
    }


def basename_without_ext(rel_path: str) -> str:
    """Path.basename(p, Path.extname(p)) in Node."""
    base = rel_path.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[:dot] if dot > 0 else base
