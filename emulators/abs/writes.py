"""The item writes of the ABS emulator, with the rules observed on ABS 2.36.0: `updated` absent when
nothing changed, wrong types silently ignored, a numeric series sequence stored as null, a whole batch
refused for one unknown id, and the payloads that crash the real server."""

from __future__ import annotations

import re
import uuid
from typing import Any

from aiohttp import web

from emulators.abs.common import Crash, json_response, now_ms, num, text
from emulators.abs.shapes import TEXT_META_KEYS, old_json, refresh_derived
from emulators.abs.state import AbsState

_STRING_KEYS = ("title", "subtitle", *TEXT_META_KEYS)


class WriteRoutes(AbsState):
    async def patch_media(self, request: web.Request) -> web.Response:
        item = self._item_to_change(request)
        payload = await self._body(request)
        changed = self._apply_media_payload(item, payload)
        out: dict[str, Any] = {}
        if changed:
            out["updated"] = True  # absent (not false) when nothing changed, like ABS
        out["libraryItem"] = old_json(item)
        return json_response(out)

    async def batch_update(self, request: web.Request) -> web.Response:
        self._check_can_update(request)
        body = await self._body(request)
        if not isinstance(body, list) or not body:
            return text(400, "Bad Request")
        ids = [u.get("id") if isinstance(u, dict) else None for u in body]
        if any(u is None for u in body):
            raise Crash("batch element is null")
        if any(not isinstance(i, str) or not i for i in ids) or len(set(ids)) != len(ids):
            return text(400, "Bad Request")
        if any(i not in self.items for i in ids):
            return text(404, "Not Found")  # one unknown id → nothing is updated
        updates = 0
        for update in body:  # sequential like ABS: a crash mid-way leaves the earlier items saved
            payload = update.get("mediaPayload")
            if not isinstance(payload, dict):
                raise Crash("mediaPayload missing")
            if self._apply_media_payload(self.items[update["id"]], payload):
                updates += 1
        return json_response({"success": True, "updates": updates})

    # -- the write rules ABS 2.36 applies to a media payload ----------------------------------------------

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
                except Crash:
                    # What was set before the series query stays saved; updatedAt is bumped after it, so not.
                    refresh_derived(meta)
                    self._invalidate(item["id"])
                    raise
        tags = payload.get("tags")
        if isinstance(tags, list) and all(isinstance(t, str) for t in tags) and media.get("tags") != tags:
            media["tags"], changed = list(tags), True
        if changed:
            refresh_derived(meta)
            item["updatedAt"] = max(now_ms(), int(num(item.get("updatedAt"))) + 1)
            self._invalidate(item["id"])
        return changed

    def _set_authors(self, meta: dict, authors: list) -> bool:
        if any(a is None for a in authors):
            raise Crash("authors: [null]")
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
                    name.lower(), {"id": str(uuid.uuid4()), "name": name, "addedAt": now_ms()}
                )
                kept.append({"id": author["id"], "name": author["name"]})
                kept_lower.add(name.lower())
        if [a.get("id") for a in kept] == [a.get("id") for a in current]:
            return False
        meta["authors"] = kept
        return True

    def _set_series(self, meta: dict, series: list) -> bool:
        if any(s is None for s in series):
            raise Crash("series: [null]")
        if any(isinstance(s, dict) and "\x00" in str(s.get("name") or "") for s in series):
            raise Crash("SQLITE_ERROR: unrecognized token (a series name holding U+0000)")
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


def _js_truthy(value: Any) -> bool:
    if isinstance(value, list | dict):
        return True
    return bool(value)
