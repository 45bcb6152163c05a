"""What ABS 2.36 reads from an item's folder path: server/utils/scandir.js `getBookDataFromDir`."""

from __future__ import annotations

import re

from emulators.abs_scanner.js import js_trim
from emulators.abs_scanner.names import parse_name_string

_ASIN_RE = re.compile(r"(?: |^)\[([A-Z0-9]{10})](?= |$)")
_NARRATOR_RE = re.compile(r"^(?P<title>.*) \{(?P<narrators>.*)\}$")
_SEQUENCE_RE = re.compile(
    r"^(?P<label>vol\.? |volume |book )?(?P<seq>\d{0,3}(?:\.\d{1,2})?)(?P<dot>\.?)(?: (?P<suffix>.*))?$",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"^ *\(?([0-9]{4})\)? * - *(.+)")


def _js_number_string(s: str) -> str:
    """Number(s).toString() for the digit strings the sequence pattern admits ('' is 0)."""
    value = float(s) if s else 0.0
    return str(int(value)) if value.is_integer() else repr(value)


def _get_sequence(folder: str) -> tuple[str, str | None]:
    parts = folder.split(" - ")
    number = None
    for i, part in enumerate(parts):
        m = _SEQUENCE_RE.match(part)
        if m and not (m.group("suffix") and not (m.group("label") or m.group("dot"))):
            number = _js_number_string(m.group("seq"))
            if m.group("suffix"):
                parts[i] = m.group("suffix")
            else:
                del parts[i]
            break
    return " - ".join(parts), number


def book_data_from_dir(rel_path: str, parse_subtitle: bool = False) -> dict:
    """getBookDataFromDir: title, subtitle, asin, authors, narrators, seriesName, seriesSequence,
    publishedYear from an item folder's path relative to the library folder."""
    split = rel_path.split("/")
    folder = split.pop()
    series = split.pop() if len(split) > 1 else None
    author = split.pop() if split else None

    asin = None
    m = _ASIN_RE.search(folder)
    if m:
        asin = m.group(1)
        folder = folder.replace(m.group(0), "", 1)
    folder = js_trim(folder)
    narrators = None
    m = _NARRATOR_RE.match(folder)
    if m:
        folder, narrators = m.group("title"), m.group("narrators")
    sequence = None
    if series:
        folder, sequence = _get_sequence(folder)
    year = None
    m = _YEAR_RE.match(folder)
    if m:
        year, folder = m.group(1), m.group(2)
    subtitle = None
    if parse_subtitle:
        pieces = folder.split(" - ")
        folder, subtitle = pieces[0], " - ".join(pieces[1:])
    return {
        "title": folder,
        "subtitle": subtitle,
        "asin": asin,
        "authors": parse_name_string(author) or [],
        "narrators": parse_name_string(narrators) or [],
        "seriesName": series,
        "seriesSequence": sequence,
        "publishedYear": year,
    }


def basename_without_ext(rel_path: str) -> str:
    """Path.basename(p, Path.extname(p)) in Node."""
    base = rel_path.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[:dot] if dot > 0 else base
