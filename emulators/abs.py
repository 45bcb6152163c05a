"""An Audiobookshelf 2.36.0 emulator (aiohttp) for tests, benchmarks and the demo.

It serves a list of EXPANDED item dicts (the shape of `emulators/data/abs-2.36.0/get_item_expanded_*.json`
→ `response`) with the response shapes and quirks recorded from a real ABS 2.36.0 server
(reference/abs-api.md):

- auth: `Authorization: Bearer <key>` or `?token=<key>`; no/bad key → 401 text "Unauthorized";
- reads: `/api/libraries[/:id]`, `/api/libraries/:id/items` (the *minified* list shape; `limit=0` = all,
  `page`, `sort`, `desc`, `filter=missing.<base64>`; an un-encoded filter value matches everything),
  `/api/items/:id[?expanded=1]`, `POST /api/items/batch/get` (unknown ids silently dropped);
- writes: `PATCH /api/items/:id/media` and `POST /api/items/batch/update` with ABS's observed rules
  (`updated` absent when nothing changed, wrong types silently ignored, numeric series sequence → null,
  whole batch 404 on one unknown id, updatedAt bump);
- crashes: payloads that kill real ABS (`authors:[null]`, `series:[null]`, a batch element without a
  `mediaPayload`, a series name holding U+0000) drop the connection and the server stops listening
  until `restart()`. The U+0000 crash comes after ABS saved the item's other fields (observed on
  2.36: `SQLITE_ERROR: unrecognized token`): they stay changed, `updatedAt` does not move;
- files: `GET /api/items/:id/file/:ino` with HTTP Range, from `audio_root` (the library folder on disk);
- covers (LibraryItemController uploadCover/updateCover/removeCover/getCover, CoverManager in 2.36.0),
  over an in-memory server disk `server_files` (path → bytes; a `coverPath` the scanner found is there
  with stand-in jpeg bytes, or read from `audio_root` when it maps):
  `POST /api/items/:id/cover` takes a multipart field `cover` (the type is the file name's extension:
  png/jpg/jpeg/webp, else 400 "Invalid image type .x (Supported: png,jpg,jpeg,webp)"; the bytes are not
  checked) or JSON `{"url"}` (downloaded; the SSRF filter refuses loopback and private hosts unless
  `ssrf_whitelist` names the host or `ssrf_filter=False` — 400 "Failed to download image from url"; the
  bytes must be a png/jpeg/webp by their magic, else 400 "Invalid image"), neither → 400 "Invalid request
  no file or url"; it stores `cover.<ext>` in the cover folder (`<metadata_path>/items/<id>`, or the item
  folder with `store_cover_with_item` for a non-single-file item), removes the folder's other `cover.*`
  images, sets `coverPath`, bumps updatedAt → `{success: true, cover: <path>}`.
  `PATCH …/cover {"cover": path}`: no path → 400; an http(s) URL → 500 "Invalid cover path"; the current
  path → `{success, cover}` with nothing changed; a path not on the disk → 500 "Cover path does not
  exist"; not an image → 500 "Invalid image"; outside the cover folder → copied in as `cover.<ext>` and
  that copy becomes `coverPath`. `DELETE …/cover` clears `coverPath` (the file stays) → 200 "OK".
  `GET …/cover` needs no auth; `raw=1` sends the stored bytes, 404 without a cover or its file (without
  `raw` real ABS sends a resized webp/jpeg; the emulator sends the stored bytes then too).
  POST and PATCH need the update permission and DELETE the delete permission: `readonly_keys` have neither.

Malformed items (missing `media`, nulls in lists, wrong types) are just data here: the emulator serves
them as they are, like a server whose database holds odd values, and never fails on them.

Fault knobs: `drop_connection_on` (request numbers, 1-based) / `drop_paths` (path prefixes),
`delay_seconds`, `fail_next(n, status)` (a 5xx burst), `fail_ids` (items whose reads answer 500).
Use `run_abs_emulator(items, ...)` from sync code: it runs the server on its own loop in a thread.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from aiohttp import web

FIXTURES = Path(__file__).resolve().parent / "data" / "abs-2.36.0"
SERVER_VERSION = "2.36.0"
ROUTER_BASE_PATH = "/audiobookshelf"
_LOG = web.RequestKey("log", dict)

_TITLE_PREFIXES = ("the ", "a ")  # ABS default sortingPrefixes
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
    "publishedYear",
    "publishedDate",
    "publisher",
    "description",
    "isbn",
    "asin",
    "language",
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
    "publishedYear",
    "publishedDate",
    "publisher",
    "description",
    "isbn",
    "asin",
    "language",
    "explicit",
    "abridged",
)
_STRING_KEYS = (
    "title",
    "subtitle",
    "publishedYear",
    "publishedDate",
    "publisher",
    "description",
    "isbn",
    "asin",
    "language",
)
_SORT_KEYS = {
    "addedAt": lambda it: _num(it.get("addedAt")),
    "updatedAt": lambda it: _num(it.get("updatedAt")),
    "size": lambda it: _num(it.get("size")),
    "mtimeMs": lambda it: _num(it.get("mtimeMs")),
    "birthtimeMs": lambda it: _num(it.get("birthtimeMs")),
    "media.duration": lambda it: _num(_media(it).get("duration")),
    "media.metadata.title": lambda it: str(
        _meta(it).get("titleIgnorePrefix") or _meta(it).get("title") or ""
    ).lower(),
    "media.metadata.authorName": lambda it: str(_meta(it).get("authorName") or "").lower(),
    "media.metadata.authorNameLF": lambda it: str(_meta(it).get("authorNameLF") or "").lower(),
    "media.metadata.publishedYear": lambda it: str(_meta(it).get("publishedYear") or ""),
}
_MISSING_CHECKS = {
    "asin": lambda m, md: not md.get("asin"),
    "isbn": lambda m, md: not md.get("isbn"),
    "subtitle": lambda m, md: not md.get("subtitle"),
    "publishedYear": lambda m, md: not md.get("publishedYear"),
    "description": lambda m, md: not md.get("description"),
    "publisher": lambda m, md: not md.get("publisher"),
    "language": lambda m, md: not md.get("language"),
    "cover": lambda m, md: not m.get("coverPath"),
    "genres": lambda m, md: not md.get("genres"),
    "tags": lambda m, md: not m.get("tags"),
    "narrators": lambda m, md: not md.get("narrators"),
    "chapters": lambda m, md: not m.get("chapters"),
    "authors": lambda m, md: not md.get("authors"),
    "series": lambda m, md: not md.get("series"),
}
_MIME = {
    ".mp3": "audio/mpeg",
    ".m4b": "audio/mp4",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".aac": "audio/aac",
    ".webm": "audio/webm",
}


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _media(item: dict) -> dict:
    media = item.get("media")
    return media if isinstance(media, dict) else {}


def _meta(item: dict) -> dict:
    meta = _media(item).get("metadata")
    return meta if isinstance(meta, dict) else {}


def _now_ms() -> int:
    return int(time.time() * 1000)


def _text(status: int, body: str) -> web.Response:
    return web.Response(status=status, text=body)


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), content_type="application/json")


class _Crash(Exception):
    """A payload that makes real ABS 2.36 exit (an unhandled TypeError in an async handler)."""


# --- derived fields -----------------------------------------------------------------------------------


def _last_first(name: str) -> str:
    parts = name.strip().split(" ")
    if len(parts) < 2:
        return name
    return f"{parts[-1]}, {' '.join(parts[:-1])}"


def _ignore_prefix(title: Any) -> Any:
    if not isinstance(title, str):
        return title
    low = title.lower()
    for prefix in _TITLE_PREFIXES:
        if low.startswith(prefix) and len(title) > len(prefix):
            return f"{title[len(prefix) :]}, {title[: len(prefix) - 1]}"
    return title


def _names(values: Any, key: str | None = None) -> list[str]:
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
    authors = _names(meta.get("authors"), "name")
    meta["titleIgnorePrefix"] = _ignore_prefix(meta.get("title"))
    meta["authorName"] = ", ".join(authors)
    meta["authorNameLF"] = ", ".join(_last_first(a) for a in authors)
    meta["narratorName"] = ", ".join(_names(meta.get("narrators")))
    meta["seriesName"] = _series_name(meta.get("series"))
    desc = meta.get("description")
    meta["descriptionPlain"] = re.sub(r"<[^>]+>", "", desc) if isinstance(desc, str) else desc


# --- shapes ---------------------------------------------------------------------------------------------


def minified(item: dict) -> dict:
    """The list shape (LibraryItem.toOldJSONMinified): metadata as strings, no files, no ids of authors."""
    media = _media(item)
    meta = _meta(item)
    out_meta = {k: meta.get(k) for k in _MINIFIED_META_KEYS}
    for key in ("authorName", "authorNameLF", "narratorName", "seriesName"):
        if out_meta[key] is None:
            out_meta[key] = ""
    if out_meta["titleIgnorePrefix"] is None:
        out_meta["titleIgnorePrefix"] = _ignore_prefix(meta.get("title"))
    out: dict[str, Any] = {
        k: item.get(k)
        for k in (
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
            "isMissing",
            "isInvalid",
            "mediaType",
        )
    }
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
    out = {
        k: item.get(k)
        for k in (
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
            "lastScan",
            "scanVersion",
            "isMissing",
            "isInvalid",
            "mediaType",
        )
    }
    media = item.get("media")
    if isinstance(media, dict):
        meta = _meta(item)
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
    added = _now_ms()
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


def fixture_items() -> list[dict]:
    """The expanded items recorded from the real server (pre-patch state), with their real ids."""
    items: dict[str, dict] = {}
    for file in sorted(FIXTURES.glob("get_item_expanded_*.json")):
        if file.stem == "get_item_expanded_after_patch":
            continue
        items[json.loads(file.read_text())["response"]["id"]] = json.loads(file.read_text())["response"]
    for item in json.loads((FIXTURES / "batch_get.json").read_text())["response"]["libraryItems"]:
        items.setdefault(item["id"], item)
    return sorted(items.values(), key=lambda it: it.get("addedAt") or 0)


def fixture_library() -> dict:
    return json.loads((FIXTURES / "get_library.json").read_text())["response"]


# --- the emulator ----------------------------------------------------------------------------------------


# --- covers ------------------------------------------------------------------------------------------

_COVER_ROUTE = re.compile(r"/api/items/[^/]+/cover")
_SUPPORTED_IMAGE_EXTS = ("png", "jpg", "jpeg", "webp")
_IMAGE_EXTS = (".jpeg", ".jpg", ".png", ".webp", ".jiff")  # CoverManager.removeOldCovers


def image_type(data: bytes) -> str | None:
    """The type ABS's image check finds from the first bytes (png, jpg, webp), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def stand_in_jpeg(path: str) -> bytes:
    """Bytes for a cover file the scanner found (jpeg magic, then a digest of the path): distinct per file."""
    import hashlib

    return b"\xff\xd8\xff\xe0" + hashlib.sha256(path.encode()).digest() + b"\xff\xd9"


def _blocked_host(host: str) -> bool:
    """ssrf-req-filter's refusal: loopback, private, link-local and unspecified addresses."""
    import ipaddress

    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_reserved


class _CoverRoutes:
    """The cover routes of AbsEmulator (see the module docstring)."""

    items: dict[str, dict]
    server_files: dict[str, bytes]
    metadata_path: str
    store_cover_with_item: bool
    ssrf_filter: bool
    ssrf_whitelist: set[str]
    audio_root: Path | None

    def _register_cover_file(self, item: dict) -> None:
        path = _media(item).get("coverPath")
        if isinstance(path, str) and path and path not in self.server_files:
            self.server_files[path] = stand_in_jpeg(path)

    def _cover_dir(self, item: dict) -> str:
        if self.store_cover_with_item and not item.get("isFile") and isinstance(item.get("path"), str):
            return item["path"]
        return f"{self.metadata_path}/items/{item['id']}"

    def _save_cover(self, item: dict, data: bytes, ext: str) -> str:
        folder = self._cover_dir(item)
        path = f"{folder}/cover.{ext}"
        for other in list(self.server_files):
            stem, _, suffix = PurePosixPath(other).name.rpartition(".")
            same_folder = str(PurePosixPath(other).parent) == folder
            if (
                same_folder
                and stem.lower() == "cover"
                and f".{suffix.lower()}" in _IMAGE_EXTS
                and other != path
            ):
                del self.server_files[other]
        self.server_files[path] = data
        return path

    def _set_cover_path(self, item: dict, path: str | None) -> None:
        item.setdefault("media", {})["coverPath"] = path
        item["updatedAt"] = max(_now_ms(), int(_num(item.get("updatedAt"))) + 1)
        self._invalidate(item["id"])  # type: ignore[attr-defined]

    async def get_cover(self, request: web.Request) -> web.Response:
        item = self.items.get(request.match_info["iid"])
        path = _media(item).get("coverPath") if item else None
        data = self.server_files.get(path) if isinstance(path, str) else None
        if data is None:
            return _text(404, "Not Found")
        kind = image_type(data) or "jpeg"
        return web.Response(body=data, content_type=f"image/{'jpeg' if kind == 'jpg' else kind}")

    async def upload_cover(self, request: web.Request) -> web.Response:
        self._check_can_update(request)  # type: ignore[attr-defined]
        item = self.items.get(request.match_info["iid"])
        if item is None:
            return _text(404, "Not Found")
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            upload = form.get("cover")
            if not isinstance(upload, web.FileField):
                return _text(400, "Invalid request no file or url")
            ext = PurePosixPath(upload.filename.lower()).suffix
            if not ext or ext[1:] not in _SUPPORTED_IMAGE_EXTS:
                return _text(400, f"Invalid image type {ext} (Supported: {','.join(_SUPPORTED_IMAGE_EXTS)})")
            path = self._save_cover(item, upload.file.read(), ext[1:])
        else:
            body = await self._body(request)  # type: ignore[attr-defined]
            url = body.get("url") if isinstance(body, dict) else None
            if not url:
                return _text(400, "Invalid request no file or url")
            data = await self._download(str(url))
            if data is None:
                return _text(400, "Failed to download image from url")
            kind = image_type(data)
            if kind is None:
                return _text(400, "Invalid image")
            path = self._save_cover(item, data, kind)
        self._set_cover_path(item, path)
        return _json({"success": True, "cover": path})

    async def _download(self, url: str) -> bytes | None:
        from urllib.parse import urlsplit

        import aiohttp

        host = urlsplit(url).hostname or ""
        if self.ssrf_filter and host not in self.ssrf_whitelist and _blocked_host(host):
            return None  # real ABS logs "Call to <ip> is blocked" and answers the download failure
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
                session.get(url) as resp,
            ):
                return await resp.read() if resp.status == 200 else None
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def update_cover(self, request: web.Request) -> web.Response:
        self._check_can_update(request)  # type: ignore[attr-defined]
        item = self.items.get(request.match_info["iid"])
        if item is None:
            return _text(404, "Not Found")
        body = await self._body(request)  # type: ignore[attr-defined]
        path = body.get("cover") if isinstance(body, dict) else None
        if not path or not isinstance(path, str):
            return _text(400, "Invalid request no cover path")
        if path.startswith(("http:", "https:")):
            return _text(500, "Invalid cover path")
        path = path.replace("\\", "/")
        if _media(item).get("coverPath") == path:
            return _json({"success": True, "cover": path})
        data = self.server_files.get(path)
        if data is None:
            return _text(500, "Cover path does not exist")
        kind = image_type(data)
        if kind is None:
            return _text(500, "Invalid image")
        if not path.startswith(self._cover_dir(item)):
            path = self._save_cover(item, data, kind)  # copied into the cover folder
        self._set_cover_path(item, path)
        return _json({"success": True, "cover": path})

    async def remove_cover(self, request: web.Request) -> web.Response:
        self._check_can_update(request)  # type: ignore[attr-defined]
        item = self.items.get(request.match_info["iid"])
        if item is None:
            return _text(404, "Not Found")
        if _media(item).get("coverPath"):
            self._set_cover_path(item, None)
        return _text(200, "OK")


class AbsEmulator(_CoverRoutes):
    """An ABS 2.36.0 server over a list of expanded items. `await start()` → base url; `await stop()`."""

    def __init__(
        self,
        items: Iterable[dict],
        api_key: str = "test-key",
        library: dict | None = None,
        libraries: list[dict] | None = None,
        audio_root: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        crash_on_bad_payload: bool = True,
        drop_connection_on: Iterable[int] = (),
        drop_paths: Iterable[str] = (),
        delay_seconds: float = 0.0,
        fail_ids: Iterable[str] = (),
        record_bodies: bool = False,
        readonly_keys: Iterable[str] = (),
        metadata_path: str = "/metadata",
        store_cover_with_item: bool = False,
        ssrf_filter: bool = True,
        ssrf_whitelist: Iterable[str] = (),
    ) -> None:
        self.items: dict[str, dict] = {}
        for item in items:
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                raise ValueError(f"every emulated item needs a string 'id'; got {str(item)[:80]!r}")
            self.items[item_id] = item
        if libraries is None:
            if library is None:
                first = next(iter(self.items.values()), {})
                library = (
                    fixture_library() if first.get("libraryId") in (None, fixture_library()["id"]) else None
                )
                if library is None:
                    library = default_library(first["libraryId"], folder_id=first.get("folderId"))
            libraries = [library]
        self.libraries: dict[str, dict] = {lib["id"]: lib for lib in libraries}
        # Keys whose user lacks the `update` permission (PATCH/batch update → 403), like a non-admin ABS user.
        self.readonly_keys: set[str] = set(readonly_keys)
        self.api_keys: set[str] = {api_key} | self.readonly_keys
        self.audio_root = Path(audio_root) if audio_root else None
        self.host, self.port = host, port
        self.crash_on_bad_payload = crash_on_bad_payload
        self.drop_connection_on = set(drop_connection_on)
        self.drop_paths = tuple(drop_paths)
        self.delay_seconds = delay_seconds
        self.fail_ids = set(fail_ids)
        self.record_bodies = record_bodies
        self.request_log: list[dict] = []
        self.crashed = False
        self.tasks: list[dict] = []
        self.url: str | None = None
        self._fail_burst: list[int] = []
        self._minified_cache: dict[str, bytes] = {}
        self._expanded_cache: dict[str, bytes] | None = None  # only after prewarm(): 7 KB per item
        self._authors: dict[str, dict] = {}  # lower-cased name → author
        self._series: dict[str, dict] = {}
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._stopping: asyncio.Task | None = None
        for item in self.items.values():
            self._register_entities(item)
        self.metadata_path = metadata_path.rstrip("/")
        self.store_cover_with_item = store_cover_with_item
        self.ssrf_filter = ssrf_filter
        self.ssrf_whitelist = set(ssrf_whitelist)
        self.server_files: dict[str, bytes] = {}
        for item in self.items.values():
            self._register_cover_file(item)

    # -- control -------------------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 503) -> None:
        """The next `n` requests (after auth) answer `status` (a 5xx burst)."""
        self._fail_burst.extend([status] * n)

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        return sum(
            1
            for r in self.request_log
            if (method is None or r["method"] == method) and r["path"].startswith(path_prefix)
        )

    def set_items(self, items: Iterable[dict]) -> None:
        """Replace the whole catalogue, as the filesystem watcher's rescan would (items removed/changed)."""
        self.items = {it["id"]: it for it in items}
        self._minified_cache.clear()
        if self._expanded_cache is not None:
            self._expanded_cache.clear()
        for item in self.items.values():
            self._register_entities(item)
            self._register_cover_file(item)
        for lib in self.libraries.values():
            if not (lib.get("settings") or {}).get("disableWatcher"):
                self._add_task(
                    "watcher-scan",
                    lib,
                    f'Scanning file changes in "{lib["name"]}"',
                    "MessageTaskScanningFileChanges",
                )

    def _add_task(self, action: str, lib: dict, title: str, title_key: str) -> None:
        if any(t["data"]["libraryId"] == lib["id"] and t["action"] == action for t in self.tasks):
            return  # a second scan while one runs is silently ignored
        data = {"libraryId": lib["id"], "libraryName": lib["name"]}
        if action == "library-scan":
            data["libraryMediaType"] = lib.get("mediaType", "book")
        self.tasks.append(
            {
                "id": str(uuid.uuid4()),
                "action": action,
                "data": data,
                "title": title,
                "titleKey": title_key,
                "titleSubs": [lib["name"]],
                "description": None,
                "descriptionKey": None,
                "descriptionSubs": None,
                "error": None,
                "errorKey": None,
                "errorSubs": None,
                "showSuccess": True,
                "isFailed": False,
                "isFinished": False,
                "startedAt": _now_ms(),
                "finishedAt": None,
            }
        )

    def touch(self, item_id: str, **metadata: Any) -> None:
        """Change an item as a scan or a user edit would: set metadata fields and bump updatedAt."""
        item = self.items[item_id]
        _meta(item).update(metadata)
        refresh_derived(_meta(item))
        self._register_entities(item)  # new author and series names exist in ABS from then on
        item["updatedAt"] = max(_now_ms(), int(_num(item.get("updatedAt"))) + 1)
        self._invalidate(item_id)

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024**2, middlewares=[self._middleware])
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await self._listen()
        return self.url  # type: ignore[return-value]

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await self._site.start()
        sock = self._site._server.sockets[0]  # type: ignore[union-attr]
        self.port = sock.getsockname()[1]
        self.url = f"http://{self.host}:{self.port}"
        self.crashed = False

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def restart(self) -> None:
        """Bring a crashed server back on the same port (like restarting the ABS process)."""
        if self._stopping is not None:
            await self._stopping
            self._stopping = None
        elif self._site is not None:
            await self._site.stop()
        await self._listen()

    async def _crash(self, request: web.Request) -> web.StreamResponse:
        # Real ABS calls process.exit(1): the client sees a reset, then nobody listens on the port.
        self.crashed = True
        if request.transport is not None:
            request.transport.abort()
        if self._site is not None:  # stop listening, outside this handler (stop() waits for handlers)
            self._stopping = asyncio.get_running_loop().create_task(self._site.stop())
        return _text(500, "never delivered: the connection is already gone")

    # -- plumbing ----------------------------------------------------------------------------------

    def _routes(self, app: web.Application) -> None:
        routes = [
            ("GET", "/ping", self.ping),
            ("GET", "/healthcheck", self.healthcheck),
            ("GET", "/status", self.status),
            ("GET", "/api/me", self.me),
            ("GET", "/api/tasks", self.get_tasks),
            ("POST", "/api/api-keys", self.create_api_key),
            ("GET", "/api/libraries", self.get_libraries),
            ("POST", "/api/libraries", self.create_library),
            ("GET", "/api/libraries/{lid}", self.get_library),
            ("GET", "/api/libraries/{lid}/items", self.library_items),
            ("GET", "/api/libraries/{lid}/authors", self.library_authors),
            ("GET", "/api/libraries/{lid}/series", self.library_series),
            ("POST", "/api/libraries/{lid}/scan", self.scan_library),
            ("POST", "/api/items/batch/get", self.batch_get),
            ("POST", "/api/items/batch/update", self.batch_update),
            ("GET", "/api/items/{iid}", self.get_item),
            ("PATCH", "/api/items/{iid}/media", self.patch_media),
            ("GET", "/api/items/{iid}/file/{ino}", self.get_file),
            ("GET", "/api/items/{iid}/cover", self.get_cover),
            ("POST", "/api/items/{iid}/cover", self.upload_cover),
            ("PATCH", "/api/items/{iid}/cover", self.update_cover),
            ("DELETE", "/api/items/{iid}/cover", self.remove_cover),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
            app.router.add_route(method, ROUTER_BASE_PATH + path, handler)  # ABS serves both

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path.removeprefix(ROUTER_BASE_PATH)
        entry: dict[str, Any] = {
            "n": len(self.request_log) + 1,
            "method": request.method,
            "path": path,
            "query": dict(request.query),
        }
        self.request_log.append(entry)
        request[_LOG] = entry
        if self.crashed:  # a dead process answers nothing, not even on kept-alive connections
            entry["status"] = "dropped"
            if request.transport is not None:
                request.transport.abort()
            return _text(503, "never delivered: the emulated server is down")
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if entry["n"] in self.drop_connection_on or any(path.startswith(p) for p in self.drop_paths):
            entry["status"] = "dropped"
            if request.transport is not None:
                request.transport.abort()
            return _text(503, "never delivered: the connection was dropped")
        open_route = request.method == "GET" and _COVER_ROUTE.fullmatch(path) is not None
        if path.startswith("/api/") and not open_route and not self._authorised(request):
            entry["status"] = 401
            return _text(401, "Unauthorized")
        if self._fail_burst and path.startswith("/api/"):
            status = self._fail_burst.pop(0)
            entry["status"] = status
            return _text(status, "Internal Server Error" if status == 500 else "Service Unavailable")
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            entry["status"] = exc.status
            raise
        except _Crash:
            entry["status"] = "crashed"
            if not self.crash_on_bad_payload:
                return _text(500, "Internal Server Error")
            return await self._crash(request)
        entry["status"] = response.status
        return response

    def _token(self, request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        return header[7:].strip() if header[:7].lower() == "bearer " else request.query.get("token", "")

    def _authorised(self, request: web.Request) -> bool:
        return self._token(request) in self.api_keys

    def _check_can_update(self, request: web.Request) -> None:
        if self._token(request) in self.readonly_keys:
            raise web.HTTPForbidden(text="Forbidden")

    async def _body(self, request: web.Request) -> Any:
        raw = await request.read()
        if self.record_bodies and _LOG in request:
            request[_LOG]["body"] = raw.decode("utf-8", "replace")
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise web.HTTPBadRequest(
                text=f"<!DOCTYPE html><pre>SyntaxError: {exc}</pre>", content_type="text/html"
            ) from exc

    def _register_entities(self, item: dict) -> None:
        meta = _meta(item)
        for author in meta.get("authors") or []:
            if isinstance(author, dict) and isinstance(author.get("name"), str):
                self._authors.setdefault(
                    author["name"].lower(),
                    {
                        "id": author.get("id") or str(uuid.uuid4()),
                        "name": author["name"],
                        "addedAt": item.get("addedAt"),
                    },
                )
        for series in meta.get("series") or []:
            if isinstance(series, dict) and isinstance(series.get("name"), str):
                self._series.setdefault(
                    series["name"].lower(),
                    {"id": series.get("id") or str(uuid.uuid4()), "name": series["name"]},
                )

    def prewarm(self) -> None:
        """Serialise every item's list and expanded forms now, so big benchmarks time the client, not us."""
        self._expanded_cache = {}
        for item in self.items.values():
            self._minified_bytes(item)
            self._expanded_bytes(item)

    def _invalidate(self, item_id: str) -> None:
        self._minified_cache.pop(item_id, None)
        if self._expanded_cache is not None:
            self._expanded_cache.pop(item_id, None)

    def _expanded_bytes(self, item: dict) -> bytes:
        if self._expanded_cache is None:
            return json.dumps(item).encode()
        cached = self._expanded_cache.get(item["id"])
        if cached is None:
            cached = self._expanded_cache[item["id"]] = json.dumps(item).encode()
        return cached

    def _minified_bytes(self, item: dict) -> bytes:
        cached = self._minified_cache.get(item["id"])
        if cached is None:
            cached = self._minified_cache[item["id"]] = json.dumps(minified(item)).encode()
        return cached

    # -- open routes -------------------------------------------------------------------------------

    async def ping(self, request: web.Request) -> web.Response:
        return _json({"success": True})

    async def healthcheck(self, request: web.Request) -> web.Response:
        return _text(200, "OK")

    async def status(self, request: web.Request) -> web.Response:
        return _json(
            {
                "app": "audiobookshelf",
                "serverVersion": SERVER_VERSION,
                "isInit": True,
                "language": "en-us",
                "authMethods": ["local"],
                "authFormData": {"authLoginCustomMessage": ""},
            }
        )

    # -- users, keys, tasks ------------------------------------------------------------------------

    _ROOT_ID = "01644389-d6eb-4e94-a3fd-d1b019b909fa"

    async def me(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": self._ROOT_ID,
                "username": "root",
                "email": None,
                "type": "root",
                "token": "<redacted>",
                "mediaProgress": [],
                "seriesHideFromContinueListening": [],
                "bookmarks": [],
                "isActive": True,
                "isLocked": False,
                "lastSeen": None,
                "createdAt": 1795480627080,
                "permissions": {
                    "download": True,
                    "update": True,
                    "delete": True,
                    "upload": True,
                    "createEreader": True,
                    "accessAllLibraries": True,
                    "accessAllTags": True,
                    "accessExplicitContent": True,
                    "selectedTagsNotAccessible": False,
                },
                "librariesAccessible": [],
                "itemTagsSelected": [],
                "hasOpenIDLink": False,
            }
        )

    async def create_api_key(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            return _text(400, "Bad Request")
        key = "emu." + uuid.uuid4().hex
        active = bool(body.get("isActive", False))  # ABS: isActive defaults to false → the key gets 401
        if active:
            self.api_keys.add(key)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        user_id = body.get("userId") or self._ROOT_ID
        return _json(
            {
                "apiKey": {
                    "apiKey": key,
                    "id": str(uuid.uuid4()),
                    "name": body["name"],
                    "expiresAt": None,
                    "userId": user_id,
                    "isActive": active,
                    "createdByUserId": self._ROOT_ID,
                    "updatedAt": stamp,
                    "createdAt": stamp,
                    "user": {"id": user_id, "username": "root", "type": "root"},
                }
            }
        )

    async def get_tasks(self, request: web.Request) -> web.Response:
        now = _now_ms()
        for task in self.tasks:  # a scan of the emulated library takes ~2 s, then disappears
            if not task["isFinished"] and now - task["startedAt"] > 2000:
                task["isFinished"], task["finishedAt"] = True, now
        self.tasks = [t for t in self.tasks if not t["isFinished"]]
        return _json({"tasks": self.tasks})

    # -- libraries ---------------------------------------------------------------------------------

    def _library(self, request: web.Request) -> dict:
        lib = self.libraries.get(request.match_info["lid"])
        if lib is None:
            raise web.HTTPNotFound(text="Not Found")
        return lib

    async def get_libraries(self, request: web.Request) -> web.Response:
        return _json({"libraries": list(self.libraries.values())})

    async def get_library(self, request: web.Request) -> web.Response:
        return _json(self._library(request))

    async def create_library(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        folders = body.get("folders") if isinstance(body, dict) else None
        if (
            not isinstance(folders, list)
            or not folders
            or not all(
                isinstance(f, dict) and isinstance(f.get("fullPath") or f.get("path"), str) for f in folders
            )
        ):
            return _text(400, "Folders must be a non-empty array of objects with path string")
        lib = default_library(str(uuid.uuid4()), name=str(body.get("name") or "Library"))
        lib["folders"] = [
            {
                "id": str(uuid.uuid4()),
                "fullPath": f.get("fullPath") or f.get("path"),
                "libraryId": lib["id"],
                "addedAt": lib["createdAt"],
            }
            for f in folders
        ]
        lib["mediaType"] = body.get("mediaType") or "book"
        lib["provider"] = body.get("provider") or "google"
        lib["lastScan"] = None
        lib.pop("lastScanVersion", None)
        lib["lastUpdate"] = lib["createdAt"]
        self.libraries[lib["id"]] = lib
        return _json(lib)

    async def scan_library(self, request: web.Request) -> web.Response:
        lib = self._library(request)
        self._add_task(
            "library-scan", lib, 'Scanning "' + lib["name"] + '" library', "MessageTaskScanningLibrary"
        )
        lib["lastScan"] = _now_ms()
        return _text(200, "OK")

    def _library_items(self, lib_id: str) -> list[dict]:
        return [it for it in self.items.values() if it.get("libraryId") == lib_id]

    async def library_items(self, request: web.Request) -> web.Response:
        lib = self._library(request)
        q = request.query
        limit_raw = q.get("limit", "0") or "0"
        page_raw = q.get("page", "0") or "0"
        if not re.fullmatch(r"\d+", limit_raw):
            return _text(400, "Invalid request. limit must be a positive integer")
        if not re.fullmatch(r"\d+", page_raw):
            return _text(400, "Invalid request. page must be a positive integer")
        limit, page = int(limit_raw), int(page_raw)
        items = self._library_items(lib["id"])
        filter_by = q.get("filter")
        if filter_by:
            items = self._filter(items, filter_by)
        sort = q.get("sort")
        desc = q.get("desc") in ("1", "true")
        if sort in _SORT_KEYS:
            items = sorted(items, key=_SORT_KEYS[sort], reverse=desc)
        offset = page * limit
        window = items[offset : offset + limit] if limit else items
        envelope: dict[str, Any] = {"total": len(items), "limit": limit, "page": page}
        if sort:
            envelope["sortBy"] = sort
        envelope["sortDesc"] = desc
        if filter_by:
            envelope["filterBy"] = filter_by
        envelope.update(
            {
                "mediaType": lib.get("mediaType", "book"),
                "minified": q.get("minified") in ("1", "true"),  # echoed; the list is always minified
                "collapseseries": q.get("collapseseries") in ("1", "true"),
                "include": q.get("include", ""),
                "offset": offset,
            }
        )
        # One serialisation per response: pre-serialised list items joined into the envelope.
        head = b'{"results":[' + b",".join(self._minified_bytes(it) for it in window) + b"],"
        body = head + json.dumps(envelope).encode()[1:]
        return web.Response(body=body, content_type="application/json")

    def _filter(self, items: list[dict], filter_by: str) -> list[dict]:
        group, _, encoded = filter_by.partition(".")
        try:
            value = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=False).decode(
                "utf-8", "replace"
            )
        except (binascii.Error, ValueError):
            value = ""
        if group == "missing":
            check = _MISSING_CHECKS.get(value)
            if check is None:  # real ABS: an undecodable/unknown value filters nothing
                return items
            return [it for it in items if check(_media(it), _meta(it))]
        if group in ("genres", "narrators"):
            return [it for it in items if value in (_meta(it).get(group) or [])]
        if group == "tags":
            return [it for it in items if value in (_media(it).get("tags") or [])]
        if group == "authors":
            return [
                it
                for it in items
                if value in [a.get("id") for a in _meta(it).get("authors") or [] if isinstance(a, dict)]
            ]
        if group == "series":
            return [
                it
                for it in items
                if value in [s.get("id") for s in _meta(it).get("series") or [] if isinstance(s, dict)]
            ]
        if group in ("publishers", "languages"):
            key = "publisher" if group == "publishers" else "language"
            return [it for it in items if _meta(it).get(key) == value]
        return items

    async def library_authors(self, request: web.Request) -> web.Response:
        lib = self._library(request)
        counts: dict[str, int] = {}
        for item in self._library_items(lib["id"]):
            for name in _names(_meta(item).get("authors"), "name"):
                counts[name.lower()] = counts.get(name.lower(), 0) + 1
        authors = []
        for key, n in counts.items():
            a = self._authors[key]
            authors.append(
                {
                    "id": a["id"],
                    "asin": None,
                    "name": a["name"],
                    "description": None,
                    "imagePath": None,
                    "libraryId": lib["id"],
                    "addedAt": a.get("addedAt") or 0,
                    "updatedAt": a.get("addedAt") or 0,
                    "numBooks": n,
                    "lastFirst": _last_first(a["name"]),
                }
            )
        return _json({"authors": authors})

    async def library_series(self, request: web.Request) -> web.Response:
        lib = self._library(request)
        names = {
            s["name"].lower()
            for it in self._library_items(lib["id"])
            for s in _meta(it).get("series") or []
            if isinstance(s, dict) and isinstance(s.get("name"), str)
        }
        limit = int(request.query.get("limit", "0") or 0)
        page = int(request.query.get("page", "0") or 0)
        series = [{"id": self._series[n]["id"], "name": self._series[n]["name"]} for n in sorted(names)]
        # Observed quirk: the series endpoint returns no results with limit=0 (but the right total).
        results = series[page * limit : page * limit + limit]
        return _json(
            {
                "results": results,
                "total": len(series),
                "limit": limit,
                "page": page,
                "sortDesc": False,
                "minified": False,
                "include": "",
            }
        )

    # -- items ---------------------------------------------------------------------------------------

    def _item(self, request: web.Request) -> dict:
        item = self.items.get(request.match_info["iid"])
        if item is None:
            raise web.HTTPNotFound(text="Not Found")
        if item["id"] in self.fail_ids:
            raise web.HTTPInternalServerError(text="Internal Server Error")
        return item

    async def get_item(self, request: web.Request) -> web.Response:
        item = self._item(request)
        if request.query.get("expanded") in ("1", "true"):
            return _json(item)
        return _json(old_json(item))

    async def batch_get(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        ids = body.get("libraryItemIds") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids:
            return _text(403, "Invalid payload")
        if self.fail_ids.intersection(i for i in ids if isinstance(i, str)):
            return _text(500, "Internal Server Error")
        # Unknown ids are silently dropped (observed); the answer is in the server's order, not the request's.
        found = [
            self.items[i] for i in dict.fromkeys(i for i in ids if isinstance(i, str)) if i in self.items
        ]
        found.sort(key=lambda it: _num(it.get("addedAt")))
        body = b'{"libraryItems": [' + b", ".join(self._expanded_bytes(it) for it in found) + b"]}"
        return web.Response(body=body, content_type="application/json")

    async def patch_media(self, request: web.Request) -> web.Response:
        self._check_can_update(request)
        item = self.items.get(request.match_info["iid"])
        if item is None:
            return _text(404, "Not Found")
        payload = await self._body(request)
        changed = self._apply_media_payload(item, payload)
        out: dict[str, Any] = {}
        if changed:
            out["updated"] = True  # absent (not false) when nothing changed, like ABS
        out["libraryItem"] = old_json(item)
        return _json(out)

    async def batch_update(self, request: web.Request) -> web.Response:
        self._check_can_update(request)
        body = await self._body(request)
        if not isinstance(body, list) or not body:
            return _text(400, "Bad Request")
        ids = [u.get("id") if isinstance(u, dict) else None for u in body]
        if any(u is None for u in body):
            raise _Crash("batch element is null")
        if any(not isinstance(i, str) or not i for i in ids) or len(set(ids)) != len(ids):
            return _text(400, "Bad Request")
        if any(i not in self.items for i in ids):
            return _text(404, "Not Found")  # one unknown id → nothing is updated
        updates = 0
        for update in body:  # sequential like ABS: a crash mid-way leaves the earlier items saved
            payload = update.get("mediaPayload")
            if not isinstance(payload, dict):
                raise _Crash("mediaPayload missing")
            if self._apply_media_payload(self.items[update["id"]], payload):
                updates += 1
        return _json({"success": True, "updates": updates})

    # -- the write rules (reference/abs-api.md §3.1) ----------------------------------------------------

    def _apply_media_payload(self, item: dict, payload: Any) -> bool:
        if not isinstance(payload, dict):
            return False
        media = item.setdefault("media", {})
        meta = media.setdefault("metadata", {})
        changed = False
        new_meta = payload.get("metadata")
        if isinstance(new_meta, dict):
            for key in _STRING_KEYS:
                if key not in new_meta:
                    continue
                value = new_meta[key]
                if isinstance(value, bool) or not (value is None or isinstance(value, str | int | float)):
                    continue  # wrong types are silently ignored
                if isinstance(value, int | float):
                    value = str(value)
                if value == "":
                    value = None
                if key == "description" and value is not None:
                    value = re.sub(r"<script\b.*?</script\s*>", "", value, flags=re.I | re.S)
                if meta.get(key) != value:
                    meta[key], changed = value, True
            for key in ("explicit", "abridged"):
                if key in new_meta:
                    value = _js_truthy(new_meta[key])
                    if meta.get(key) != value:
                        meta[key], changed = value, True
            for key in ("narrators", "genres"):
                value = new_meta.get(key)
                if (
                    isinstance(value, list)
                    and all(isinstance(v, str) for v in value)
                    and meta.get(key) != value
                ):
                    meta[key], changed = list(value), True
            if isinstance(new_meta.get("authors"), list):
                changed |= self._set_authors(meta, new_meta["authors"])
            if isinstance(new_meta.get("series"), list):
                try:
                    changed |= self._set_series(meta, new_meta["series"])
                except _Crash:
                    # What was set before the series query stays saved; updatedAt is bumped after it, so not.
                    refresh_derived(meta)
                    self._invalidate(item["id"])
                    raise
        tags = payload.get("tags")
        if isinstance(tags, list) and all(isinstance(t, str) for t in tags) and media.get("tags") != tags:
            media["tags"], changed = list(tags), True
        if changed:
            refresh_derived(meta)
            item["updatedAt"] = max(_now_ms(), int(_num(item.get("updatedAt"))) + 1)
            self._invalidate(item["id"])
        return changed

    def _set_authors(self, meta: dict, authors: list) -> bool:
        if any(a is None for a in authors):
            raise _Crash("authors: [null]")
        names = list(
            dict.fromkeys(
                a["name"]
                for a in authors
                if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"]
            )
        )
        current = [a for a in meta.get("authors") or [] if isinstance(a, dict)]
        wanted = {n.lower() for n in names}
        # Existing links keep their position (link-creation order); new names are appended.
        kept = [a for a in current if str(a.get("name", "")).lower() in wanted]
        kept_lower = {str(a.get("name", "")).lower() for a in kept}
        for name in names:
            if name.lower() not in kept_lower:
                author = self._authors.setdefault(
                    name.lower(), {"id": str(uuid.uuid4()), "name": name, "addedAt": _now_ms()}
                )
                kept.append({"id": author["id"], "name": author["name"]})
                kept_lower.add(name.lower())
        if [a.get("id") for a in kept] == [a.get("id") for a in current]:
            return False
        meta["authors"] = kept
        return True

    def _set_series(self, meta: dict, series: list) -> bool:
        if any(s is None for s in series):
            raise _Crash("series: [null]")
        if any(isinstance(s, dict) and "\x00" in str(s.get("name") or "") for s in series):
            raise _Crash("SQLITE_ERROR: unrecognized token (a series name holding U+0000)")
        if not all(isinstance(s, dict) and isinstance(s.get("name"), str) and s["name"] for s in series):
            return False  # any element without a string name → the series update is skipped
        new = []
        for s in series:
            entry = self._series.setdefault(s["name"].lower(), {"id": str(uuid.uuid4()), "name": s["name"]})
            seq = s.get("sequence")
            new.append(
                {
                    "id": entry["id"],
                    "name": entry["name"],
                    "sequence": seq if isinstance(seq, str) and seq else None,
                }
            )
        if new == meta.get("series"):
            return False
        meta["series"] = new
        return True

    # -- files -----------------------------------------------------------------------------------------

    async def get_file(self, request: web.Request) -> web.StreamResponse:
        item = self._item(request)
        ino = request.match_info["ino"]
        files = [f for f in item.get("libraryFiles") or [] if isinstance(f, dict)]
        files += [f for f in _media(item).get("audioFiles") or [] if isinstance(f, dict)]
        entry = next((f for f in files if str(f.get("ino")) == ino), None)
        local = self._local_file(item, entry) if entry else None
        if local is None or not local.is_file():
            return _text(404, "Not Found")
        ext = local.suffix.lower()
        return web.FileResponse(local, headers={"Content-Type": _MIME.get(ext, "application/octet-stream")})

    def _local_file(self, item: dict, entry: dict) -> Path | None:
        if self.audio_root is None:
            return None
        server_path = (entry.get("metadata") or {}).get("path")
        if not isinstance(server_path, str):
            return None
        lib = self.libraries.get(item.get("libraryId") or "", {})
        for folder in lib.get("folders") or []:
            try:
                rel = PurePosixPath(server_path).relative_to(PurePosixPath(folder["fullPath"]))
            except ValueError:
                continue
            candidate = (self.audio_root / rel).resolve()
            if self.audio_root.resolve() in candidate.parents:
                return candidate
        return None


def _js_truthy(value: Any) -> bool:
    if isinstance(value, list | dict):
        return True
    return bool(value)


# --- running it from sync code -------------------------------------------------------------------------


class _LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="abs-emulator", daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@contextmanager
def run_abs_emulator(items: Iterable[dict], **kwargs: Any) -> Iterator[AbsEmulator]:
    """Run an `AbsEmulator` on its own event loop in a background thread; yields it with `.url` set.

    `emu.call(coro)` runs a coroutine (e.g. `emu.restart()`) on the emulator's loop.
    """
    emu = AbsEmulator(items, **kwargs)
    runner = _LoopThread()
    emu.call = runner.run  # type: ignore[attr-defined]
    try:
        runner.run(emu.start())
        yield emu
    finally:
        try:
            runner.run(emu.stop())
        finally:
            runner.close()


def _serve_main() -> None:
    """`python -m emulators.abs --items N` — serve a generated library in its own process (benchmarks, demo)."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--items", type=int, default=0, help="generate N items (0 = the recorded fixture items)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="default")
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--prewarm", action="store_true", help="serialise every item before serving")
    args = parser.parse_args()
    items, library = load_items(args.items, seed=args.seed, profile=args.profile)

    async def main() -> None:
        emu = AbsEmulator(items, api_key=args.api_key, library=library, port=args.port)
        if args.prewarm:
            emu.prewarm()
        url = await emu.start()
        print(
            json.dumps({"url": url, "items": len(emu.items), "library_id": next(iter(emu.libraries))}),
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await emu.stop()

    asyncio.run(main())


def load_items(n: int, seed: int = 0, profile: str = "default") -> tuple[list[dict], dict | None]:
    """N generated items (the corpus generator when present, else clones of the fixture items)."""
    if n <= 0:
        return fixture_items(), None
    try:
        from emulators.corpus import generate_library
    except ImportError:
        return clone_fixture_items(n, seed=seed), None
    lib = generate_library(n, seed=seed, profile=profile)
    return lib.items, lib.library


def clone_fixture_items(n: int, seed: int = 0) -> list[dict]:
    """N distinct expanded items made by cloning the recorded ones with new ids and paths."""
    base = fixture_items()
    out = []
    for i in range(n):
        item = copy.deepcopy(base[i % len(base)])
        item_id = str(uuid.UUID(int=(seed << 64) + i + 1))
        item["id"] = item_id
        item["addedAt"] = 1795480627000 + i
        item["updatedAt"] = 1795480627000 + i
        suffix = f" ({i // len(base)})" if i >= len(base) else ""
        item["relPath"] = (item.get("relPath") or "") + suffix
        item["path"] = (item.get("path") or "") + suffix
        media = item["media"]
        media["libraryItemId"] = item_id
        media["id"] = str(uuid.UUID(int=(seed << 64) + n + i + 1))
        media["metadata"]["title"] = (media["metadata"].get("title") or "") + suffix
        for track in media.get("tracks") or []:
            track["contentUrl"] = f"/api/items/{item_id}/file/{track['ino']}"
        out.append(item)
    return out


if __name__ == "__main__":
    _serve_main()
