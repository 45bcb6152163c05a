"""The evidence row and the small readers every source shares (audio files, extensions, name keys)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple


class Evidence(NamedTuple):
    """One thing one source says about an item (a row of `item_evidence` without item/run ids)."""

    source: str
    field: str
    value: str
    ordinal: int = 0
    rule: str | None = None


class TagReadError(Exception):
    """An audio file's tags could not be read; names the file and the reason. Callers record it and go on."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot read tags from {self.path}: {reason}")


WS = re.compile(r"\s+")
AUDIO_EXTS = frozenset(
    [
        ".m4b",
        ".mp3",
        ".m4a",
        ".flac",
        ".opus",
        ".ogg",
        ".oga",
        ".mp4",
        ".aac",
        ".wma",
        ".aiff",
        ".aif",
        ".wav",
        ".webm",
        ".webma",
        ".mka",
        ".awb",
        ".caf",
        ".mpg",
        ".mpeg",
    ]
)

MEDIA_EXTS = AUDIO_EXTS | {".epub", ".pdf", ".mobi", ".azw3", ".cbr", ".cbz"}

# Names longer than this skip the scheme regexes: nothing real is that long, and lazy patterns on a
# 10,000-character title would cost quadratic time (malformed items must stay cheap).
MAX_SCHEME_LEN = 400


def js_number_string(seq: str) -> str:
    """JS `Number(s).toString()` for the sequence shapes the ABS regex admits ('01' -> '1', '1.50' -> '1.5', '' -> '0')."""
    if seq in ("", "."):
        return "0"
    num = float(seq)
    return str(int(num)) if num.is_integer() else repr(num)


def add_row(rows: list[Evidence], source: str, fld: str, value: Any, rule: str, ordinal: int = 0) -> None:
    """Append one reading; a value that is empty, blank or not text or a number says nothing and is left out."""
    if value is None:
        return
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        value = str(value)
    value = value.strip()
    if value:
        rows.append(Evidence(source, fld, value, ordinal, rule))


def split_ext(name: str) -> tuple[str, str]:
    """(stem, extension) when the name ends in a media extension, else (name, ''): a dot in a title stays."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ("." + ext.lower()) in MEDIA_EXTS:
        return stem, "." + ext.lower()
    return name, ""


def audio_files(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The item's audio files ABS plays, in its order (by `index`; files without one last)."""
    media = item.get("media")
    files = media.get("audioFiles") if isinstance(media, dict) else None
    if not isinstance(files, list):
        return []
    files = [f for f in files if isinstance(f, dict)]

    def order(f: dict[str, Any]) -> tuple[int, int]:
        idx = f.get("index")
        return (0, idx) if isinstance(idx, int) and not isinstance(idx, bool) else (1, 0)

    return sorted((f for f in files if not f.get("exclude")), key=order)


@lru_cache(maxsize=65536)
def fold_key(name: str) -> str:
    """Case- and punctuation-free form of a name, to tell whether two readings name the same person."""
    return "".join(c for c in name.casefold() if c.isalnum())
