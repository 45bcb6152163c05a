"""Evidence from the first audio file's name, unless it names only a track, part or chapter."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tasks.evidence.rows import MAX_SCHEME_LEN, WS, Evidence, add_row, audio_files, fold_key, split_ext
from tasks.evidence.schemes import read_schemes, strip_noise, strip_read_by
from tasks.evidence.tracks import CHAPTERISH, LEADING_TRACK, TRACK_ONLY, TRAILING_TRACK
from tasks.normalise import respace, uses_separators

_FILE_ASIN = re.compile(r"\s*\[(?P<asin>[A-Z0-9]{10})\]")
_CHAPTER_TAIL = re.compile(r"^\s*-\s*\d{1,4}(?:\s*-.*)?$")


def parse_filename(filename: str, known_authors: Iterable[str] = ()) -> list[Evidence]:
    """Evidence from one audio file name; empty for pure track/part/chapter names ('01 - Prologue.mp3')."""
    rows: list[Evidence] = []
    if not isinstance(filename, str) or not filename.strip():
        return rows
    stem, _ = split_ext(filename.rsplit("/", 1)[-1])
    if len(stem) > MAX_SCHEME_LEN:
        return rows
    spaced = respace(stem)
    separated = uses_separators(stem)
    stem = spaced.replace("_", " ").strip()
    if not stem or TRACK_ONLY.match(stem):
        return rows
    # Libation names files '<title> [<ASIN>]' and chapter files '<title> [<ASIN>] - 01 - <chapter>'.
    m = _FILE_ASIN.search(stem)
    if m:
        add_row(rows, "filename", "asin", m.group("asin"), "scheme.asin")
        rest = stem[m.end() :]
        stem = WS.sub(" ", stem[: m.start()] + ("" if _CHAPTER_TAIL.match(rest) else rest)).strip()
        if not stem:
            return rows
    name = LEADING_TRACK.sub("", stem, count=1).strip()
    name = TRAILING_TRACK.sub("", name, count=1).strip() or name
    if not name or TRACK_ONLY.match(name) or CHAPTERISH.match(name):
        return rows
    clean, _ = strip_noise(strip_read_by(name)[0])
    add_row(rows, "filename", "title", clean or name, "filename.stem")
    known = frozenset(fold_key(n) for n in known_authors)
    read_schemes(
        rows,
        name,
        has_author_folder=False,
        abs_title=clean or name,
        source="filename",
        known=known,
        separated=separated,
    )
    # The schemes add alternative titles; the filename.stem row already holds the plain reading.
    return rows


def filename_evidence(item: dict[str, Any]) -> list[Evidence]:
    files = audio_files(item)
    if not files:
        return []
    meta = files[0].get("metadata")
    if not isinstance(meta, dict):
        return []
    return parse_filename(meta.get("filename") or "")
