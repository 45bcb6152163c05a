"""The ABS emulator's routes other than item writes and covers: status, the user, API keys, tasks,
libraries (listed, created, scanned), the item list with ABS's paging, sorting and filters, single
items, batches and audio files."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from aiohttp import web

from emulators.abs.common import SERVER_VERSION, json_response, media_of, meta_of, now_ms, num, text
from emulators.abs.shapes import default_library, last_first, names_in, old_json
from emulators.abs.state import AbsState

_SORT_KEYS = {
    "addedAt": lambda it: num(it.get("addedAt")),
    "updatedAt": lambda it: num(it.get("updatedAt")),
    "size": lambda it: num(it.get("size")),
    "mtimeMs": lambda it: num(it.get("mtimeMs")),
    "birthtimeMs": lambda it: num(it.get("birthtimeMs")),
    "media.duration": lambda it: num(media_of(it).get("duration")),
    "media.metadata.title": lambda it: str(
        meta_of(it).get("titleIgnorePrefix") or meta_of(it).get("title") or ""
    ).lower(),
    "media.metadata.authorName": lambda it: str(meta_of(it).get("authorName") or "").lower(),
    "media.metadata.authorNameLF": lambda it: str(meta_of(it).get("authorNameLF") or "").lower(),
    "media.metadata.publishedYear": lambda it: str(meta_of(it).get("publishedYear") or ""),
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


class LibraryRoutes(AbsState):
    # -- open routes -------------------------------------------------------------------------------

    async def ping(self, request: web.Request) -> web.Response:
        return json_response({"success": True})

    async def healthcheck(self, request: web.Request) -> web.Response:
        return text(200, "OK")

    async def status(self, request: web.Request) -> web.Response:
        return json_response(
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
        return json_response(
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
            return text(400, "Bad Request")
        key = "emu." + uuid.uuid4().hex
        active = bool(body.get("isActive", False))  # ABS: isActive defaults to false → the key gets 401
        if active:
            self.api_keys.add(key)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        user_id = body.get("userId") or self._ROOT_ID
        return json_response(
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
        now = now_ms()
        for task in self.tasks:  # a scan of the emulated library takes ~2 s, then disappears
            if not task["isFinished"] and now - task["startedAt"] > 2000:
                task["isFinished"], task["finishedAt"] = True, now
        self.tasks = [t for t in self.tasks if not t["isFinished"]]
        return json_response({"tasks": self.tasks})

    # -- libraries ---------------------------------------------------------------------------------

    async def get_libraries(self, request: web.Request) -> web.Response:
        return json_response({"libraries": list(self.libraries.values())})

    async def get_library(self, request: web.Request) -> web.Response:
        return json_response(self._library(request))

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
            return text(400, "Folders must be a non-empty array of objects with path string")
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
        return json_response(lib)

    async def scan_library(self, request: web.Request) -> web.Response:
        lib = self._library(request)
        self._add_task(
            "library-scan", lib, 'Scanning "' + lib["name"] + '" library', "MessageTaskScanningLibrary"
        )
        lib["lastScan"] = now_ms()
        return text(200, "OK")

    async def library_items(self, request: web.Request) -> web.Response:
        lib = self._library(request)
        q = request.query
        limit_raw = q.get("limit", "0") or "0"
        page_raw = q.get("page", "0") or "0"
        if not re.fullmatch(r"\d+", limit_raw):
            return text(400, "Invalid request. limit must be a positive integer")
        if not re.fullmatch(r"\d+", page_raw):
            return text(400, "Invalid request. page must be a positive integer")
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
            return [it for it in items if check(media_of(it), meta_of(it))]
        if group in ("genres", "narrators"):
            return [it for it in items if value in (meta_of(it).get(group) or [])]
        if group == "tags":
            return [it for it in items if value in (media_of(it).get("tags") or [])]
        if group == "authors":
            return [
                it
                for it in items
                if value in [a.get("id") for a in meta_of(it).get("authors") or [] if isinstance(a, dict)]
            ]
        if group == "series":
            return [
                it
                for it in items
                if value in [s.get("id") for s in meta_of(it).get("series") or [] if isinstance(s, dict)]
            ]
        if group in ("publishers", "languages"):
            key = "publisher" if group == "publishers" else "language"
            return [it for it in items if meta_of(it).get(key) == value]
        return items

    async def library_authors(self, request: web.Request) -> web.Response:
        lib = self._library(request)
        counts: dict[str, int] = {}
        for item in self._library_items(lib["id"]):
            for name in names_in(meta_of(item).get("authors"), "name"):
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
                    "lastFirst": last_first(a["name"]),
                }
            )
        return json_response({"authors": authors})

    async def library_series(self, request: web.Request) -> web.Response:
        lib = self._library(request)
        names = {
            s["name"].lower()
            for it in self._library_items(lib["id"])
            for s in meta_of(it).get("series") or []
            if isinstance(s, dict) and isinstance(s.get("name"), str)
        }
        limit = int(request.query.get("limit", "0") or 0)
        page = int(request.query.get("page", "0") or 0)
        series = [{"id": self._series[n]["id"], "name": self._series[n]["name"]} for n in sorted(names)]
        # Observed quirk: the series endpoint returns no results with limit=0 (but the right total).
        results = series[page * limit : page * limit + limit]
        return json_response(
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

    async def get_item(self, request: web.Request) -> web.Response:
        item = self._item(request)
        if request.query.get("expanded") in ("1", "true"):
            return json_response(item)
        return json_response(old_json(item))

    async def batch_get(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        ids = body.get("libraryItemIds") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids:
            return text(403, "Invalid payload")
        if self.fail_ids.intersection(i for i in ids if isinstance(i, str)):
            return text(500, "Internal Server Error")
        # Unknown ids are silently dropped (observed); the answer is in the server's order, not the request's.
        found = [
            self.items[i] for i in dict.fromkeys(i for i in ids if isinstance(i, str)) if i in self.items
        ]
        found.sort(key=lambda it: num(it.get("addedAt")))
        body = b'{"libraryItems": [' + b", ".join(self._expanded_bytes(it) for it in found) + b"]}"
        return web.Response(body=body, content_type="application/json")

    async def get_file(self, request: web.Request) -> web.StreamResponse:
        item = self._item(request)
        ino = request.match_info["ino"]
        files = [f for f in item.get("libraryFiles") or [] if isinstance(f, dict)]
        files += [f for f in media_of(item).get("audioFiles") or [] if isinstance(f, dict)]
        entry = next((f for f in files if str(f.get("ino")) == ino), None)
        local = self._local_file(item, entry) if entry else None
        if local is None or not local.is_file():
            return text(404, "Not Found")
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
