"""The JSON shapes ABS 2.36.0 answers with: derived metadata fields, the minified list shape, the
non-expanded item shape and a library."""

from __future__ import annotations

import re
import uuid
from typing import Any

from emulators.abs.common import SERVER_VERSION, media_of, meta_of, now_ms

_TITLE_PREFIXES = ("the ", "a ")  # ABS default sortingPrefixes
# Metadata fields stored as plain strings (or null), in ABS's key order.
TEXT_META_KEYS = ("publishedYear", "publishedDate", "publisher", "description", "isbn", "asin", "language")
# Keys of media.metadata in ABS's minified list shape (Book.toOldJSONMinified), in its order.
_MINIFIED_META_KEYS = (
    "title",
    "titleIgnorePrefix",
    "subtitle",
    "authorName",
    "authorNameLF",
    "narratorName",
    "seriesName",
    "genres",
    *TEXT_META_KEYS,
    "explicit",
    "abridged",
)
_OLD_META_KEYS = (
    "title",
    "subtitle",
    "authors",
    "narrators",
    "series",
    "genres",
    *TEXT_META_KEYS,
    "explicit",
    "abridged",
)
# Item keys of both the minified and the non-expanded shape: the files and times of the item, then its state.
_ITEM_FILE_KEYS = (
    "id",
    "ino",
    "oldLibraryItemId",
    "libraryId",
    "folderId",
    "path",
    "relPath",
    "isFile",
    "mtimeMs",
    "ctimeMs",
    "birthtimeMs",
    "addedAt",
    "updatedAt",
)
_ITEM_STATE_KEYS = ("isMissing", "isInvalid", "mediaType")
_MINIFIED_ITEM_KEYS = (*_ITEM_FILE_KEYS, *_ITEM_STATE_KEYS)
_OLD_ITEM_KEYS = (*_ITEM_FILE_KEYS, "lastScan", "scanVersion", *_ITEM_STATE_KEYS)


# --- derived fields -----------------------------------------------------------------------------------


def last_first(name: str) -> str:
    parts = name.strip().split(" ")
    if len(parts) < 2:
        return name
    return f"{parts[-1]}, {' '.join(parts[:-1])}"


def ignore_prefix(title: Any) -> Any:
    if not isinstance(title, str):
        return title
    low = title.lower()
    for prefix in _TITLE_PREFIXES:
        if low.startswith(prefix) and len(title) > len(prefix):
            return f"{title[len(prefix) :]}, {title[: len(prefix) - 1]}"
    return title


def names_in(values: Any, key: str | None = None) -> list[str]:
    out = []
    for v in values if isinstance(values, list) else []:
        if key is not None:
            v = v.get(key) if isinstance(v, dict) else None
        if isinstance(v, str):
            out.append(v)
    return out


def _series_name(series: Any) -> str:
    parts = []
    for s in series if isinstance(series, list) else []:
        if isinstance(s, dict) and isinstance(s.get("name"), str):
            seq = s.get("sequence")
            parts.append(f"{s['name']} #{seq}" if seq else s["name"])
    return ", ".join(parts)


def refresh_derived(meta: dict) -> None:
    """Recompute ABS's derived metadata fields (titleIgnorePrefix, authorName, …) after a change."""
    authors = names_in(meta.get("authors"), "name")
    meta["titleIgnorePrefix"] = ignore_prefix(meta.get("title"))
    meta["authorName"] = ", ".join(authors)
    meta["authorNameLF"] = ", ".join(last_first(a) for a in authors)
    meta["narratorName"] = ", ".join(names_in(meta.get("narrators")))
    meta["seriesName"] = _series_name(meta.get("series"))
    desc = meta.get("description")
    meta["descriptionPlain"] = re.sub(r"<[^>]+>", "", desc) if isinstance(desc, str) else desc


# --- shapes ---------------------------------------------------------------------------------------------


def minified(item: dict) -> dict:
    """The list shape (LibraryItem.toOldJSONMinified): metadata as strings, no files, no ids of authors."""
    media = media_of(item)
    meta = meta_of(item)
    out_meta = {k: meta.get(k) for k in _MINIFIED_META_KEYS}
    for key in ("authorName", "authorNameLF", "narratorName", "seriesName"):
        if out_meta[key] is None:
            out_meta[key] = ""
    if out_meta["titleIgnorePrefix"] is None:
        out_meta["titleIgnorePrefix"] = ignore_prefix(meta.get("title"))
    out: dict[str, Any] = {k: item.get(k) for k in _MINIFIED_ITEM_KEYS}
    out["media"] = (
        {
            "id": media.get("id"),
            "metadata": out_meta,
            "coverPath": media.get("coverPath"),
            "tags": media.get("tags", []),
            "numTracks": media.get("numTracks"),
            "numAudioFiles": media.get("numAudioFiles"),
            "numChapters": media.get("numChapters"),
            "duration": media.get("duration"),
            "size": media.get("size"),
        }
        if "media" in item
        else item.get("media")
    )
    out["numFiles"] = item.get("numFiles")
    out["size"] = item.get("size")
    return out


def old_json(item: dict) -> dict:
    """`GET /api/items/:id` without expanded=1 (toOldJSON): no duration/size/tracks/num* fields."""
    out = {k: item.get(k) for k in _OLD_ITEM_KEYS}
    media = item.get("media")
    if isinstance(media, dict):
        meta = meta_of(item)
        out["media"] = {
            "id": media.get("id"),
            "libraryItemId": media.get("libraryItemId", item.get("id")),
            "metadata": {k: meta.get(k) for k in _OLD_META_KEYS},
            "coverPath": media.get("coverPath"),
            "tags": media.get("tags", []),
            "audioFiles": media.get("audioFiles", []),
            "chapters": media.get("chapters", []),
            "ebookFile": media.get("ebookFile"),
        }
    else:
        out["media"] = media
    out["libraryFiles"] = item.get("libraryFiles", [])
    return out


def default_library(
    library_id: str, name: str = "Audiobooks", folder_id: str | None = None, full_path: str = "/audiobooks"
) -> dict:
    """A library dict shaped like `get_library.json`."""
    added = now_ms()
    return {
        "id": library_id,
        "name": name,
        "folders": [
            {
                "id": folder_id or str(uuid.uuid4()),
                "fullPath": full_path,
                "libraryId": library_id,
                "addedAt": added,
            }
        ],
        "displayOrder": 1,
        "icon": "database",
        "mediaType": "book",
        "provider": "audible",
        "settings": {
            "coverAspectRatio": 1,
            "disableWatcher": False,
            "autoScanCronExpression": None,
            "skipMatchingMediaWithAsin": False,
            "skipMatchingMediaWithIsbn": False,
            "audiobooksOnly": False,
            "epubsAllowScriptedContent": False,
            "hideSingleBookSeries": False,
            "onlyShowLaterBooksInContinueSeries": False,
            "metadataPrecedence": [
                "folderStructure",
                "audioMetatags",
                "nfoFile",
                "txtFiles",
                "opfFile",
                "absMetadata",
            ],
            "markAsFinishedPercentComplete": None,
            "markAsFinishedTimeRemaining": 10,
        },
        "lastScan": added,
        "lastScanVersion": SERVER_VERSION,
        "createdAt": added,
        "lastUpdate": added,
    }
