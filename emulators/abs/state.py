"""The state every route of the ABS emulator works on (items, libraries, keys, tasks, caches) and the
plumbing they share: who is asking, the request body, the item or library a path names."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from emulators.abs.common import LOG_KEY, meta_of, now_ms, num
from emulators.abs.shapes import minified, refresh_derived


class AbsState:
    """Attributes set by `AbsEmulator.__init__`; the route mixins read and change them."""

    items: dict[str, dict]
    libraries: dict[str, dict]
    api_keys: set[str]
    readonly_keys: set[str]
    audio_root: Path | None
    fail_ids: set[str]
    record_bodies: bool
    request_log: list[dict]
    crashed: bool
    crash_on_bad_payload: bool
    tasks: list[dict]
    url: str | None
    _minified_cache: dict[str, bytes]
    _expanded_cache: dict[str, bytes] | None
    _authors: dict[str, dict]
    _series: dict[str, dict]
    _site: web.TCPSite | None
    _stopping: asyncio.Task | None

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
                "startedAt": now_ms(),
                "finishedAt": None,
            }
        )

    def touch(self, item_id: str, **metadata: Any) -> None:
        """Change an item as a scan or a user edit would: set metadata fields and bump updatedAt."""
        item = self.items[item_id]
        meta_of(item).update(metadata)
        refresh_derived(meta_of(item))
        self._register_entities(item)  # new author and series names exist in ABS from then on
        item["updatedAt"] = max(now_ms(), int(num(item.get("updatedAt"))) + 1)
        self._invalidate(item_id)

    def _token(self, request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        return header[7:].strip() if header[:7].lower() == "bearer " else request.query.get("token", "")

    def _authorised(self, request: web.Request) -> bool:
        return self._token(request) in self.api_keys

    def _check_can_update(self, request: web.Request) -> None:
        if self._token(request) in self.readonly_keys:
            raise web.HTTPForbidden(text="Forbidden")

    def _item_to_change(self, request: web.Request) -> dict:
        """LibraryItemController.middleware ahead of a write: the item first (unknown → 404), then the
        key's permission to change it (none → 403)."""
        item = self.items.get(request.match_info["iid"])
        if item is None:
            raise web.HTTPNotFound(text="Not Found")
        self._check_can_update(request)
        return item

    async def _body(self, request: web.Request) -> Any:
        raw = await request.read()
        if self.record_bodies and LOG_KEY in request:
            request[LOG_KEY]["body"] = raw.decode("utf-8", "replace")
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise web.HTTPBadRequest(
                text=f"<!DOCTYPE html><pre>SyntaxError: {exc}</pre>", content_type="text/html"
            ) from exc

    def _register_entities(self, item: dict) -> None:
        meta = meta_of(item)
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

    def _library(self, request: web.Request) -> dict:
        lib = self.libraries.get(request.match_info["lid"])
        if lib is None:
            raise web.HTTPNotFound(text="Not Found")
        return lib

    def _library_items(self, lib_id: str) -> list[dict]:
        return [it for it in self.items.values() if it.get("libraryId") == lib_id]

    def _item(self, request: web.Request) -> dict:
        item = self.items.get(request.match_info["iid"])
        if item is None:
            raise web.HTTPNotFound(text="Not Found")
        if item["id"] in self.fail_ids:
            raise web.HTTPInternalServerError(text="Internal Server Error")
        return item
