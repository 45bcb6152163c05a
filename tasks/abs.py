"""The Audiobookshelf client (aiohttp): the only code that talks to ABS.

- Auth is an API key sent as `Authorization: Bearer`; the key is never logged or put in messages.
- Reads: `libraries()`, `library_item_ids()` (the minified list with `limit=0`: id + updatedAt),
  `get_items()` (`POST /api/items/batch/get` in chunks; ABS silently drops unknown ids, so the ids it
  did not return are reported as missing), `get_item()`.
- Writes (used by writeback): `patch_item_media()`, `batch_update()`, and the cover calls
  `upload_cover()`, `delete_cover()` (`get_cover()` reads the image's bytes). After an attempt ABS may have
  handled (a 5xx, a dropped connection, a timeout) a write is sent again only for what a read-back
  shows did not land (the caller's `settle`); a write without `settle` is not sent again, so nothing
  is written twice.
- Audio: `file_size()` and `open_file_range()` (HTTP Range on `/api/items/:id/file/:ino`).
- Every request follows the one retry policy (tasks/retry.py): 429 waits out `Retry-After`; 5xx,
  dropped connections and timeouts back off with jitter; other 4xx are never retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import aiohttp

from tasks.abs_errors import (
    AbsAuthError,
    AbsBadRequest,
    AbsError,
    AbsForbidden,
    AbsNotFound,
    AbsThrottled,
    AbsUnavailable,
)
from tasks.http_session import SessionClient
from tasks.retry import GaveUp, RetryPolicy, Transient, connection_failure, retry_after_seconds
from tasks.settings import Settings

# The errors are part of the client's interface: `from tasks.abs import AbsUnavailable` keeps working.
__all__ = [
    "AbsAuthError",
    "AbsBadRequest",
    "AbsClient",
    "AbsError",
    "AbsForbidden",
    "AbsNotFound",
    "AbsThrottled",
    "AbsUnavailable",
]

log = logging.getLogger(__name__)


# What a write's `settle` returns: the body still to send, or None when everything had landed.
Settle = Callable[[Any], Awaitable[Any]]
LANDED = {"landed": True}  # a write's answer when a read-back showed it had landed before


class AbsClient(SessionClient):
    """`async with AbsClient(url, key) as abs: await abs.libraries()`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float = 30.0,
        retries: int = 4,
        batch_size: int = 250,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.timeout = timeout
        self.batch_size = batch_size
        self.policy = policy or RetryPolicy(attempts=retries + 1, backoff=backoff, max_backoff=max_backoff)
        self.requests = 0  # HTTP requests sent (attempts, including retries)

    @classmethod
    def from_settings(cls, settings: Settings) -> AbsClient:
        key = settings.abs_key()
        if not key:
            raise AbsAuthError(
                f"No ABS API key configured for {settings.abs_url} — set SHELFMATCH_ABS_API_KEY "
                "(ABS → Settings → API Keys, created with 'active' on)"
            )
        return cls(
            settings.abs_url,
            key,
            timeout=settings.abs_timeout_seconds,
            batch_size=settings.abs_batch_size,
            policy=settings.retry_policy(settings.abs_retries),
        )

    def __repr__(self) -> str:  # never show the key
        return f"AbsClient({self.base_url!r})"

    def _new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"},
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(limit=8),
        )

    # -- plumbing ----------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        form: Callable[[], aiohttp.FormData] | None = None,
        headers: dict[str, Any] | None = None,
        what: str | None = None,
        raw: bool = False,
        write: bool = False,
        settle: Settle | None = None,
    ) -> Any:
        """One request under the retry policy (tasks/retry.py).

        A write whose earlier attempt may have been handled (a 5xx, a dropped connection, a timeout)
        is sent again only after `settle(body)` has read ABS and returned what is still to send
        (None: everything landed, nothing is sent); without `settle` it is not sent again. `form` makes a
        multipart body afresh for each attempt (aiohttp consumes one as it sends it).
        """
        if self._session is None:
            raise RuntimeError(
                "use AbsClient as an async context manager: `async with AbsClient(...) as abs:`"
            )
        what = what or f"{method} {path}"
        body = json_body

        async def attempt(previous: Transient | None) -> Any:
            nonlocal body
            if write and settle is not None and previous is not None and previous.maybe_handled:
                body = await settle(body)
                if body is None:
                    return LANDED
            try:
                return await self._attempt(method, path, params, body, headers, what, raw, form)
            except Transient as exc:
                if write and settle is None and exc.maybe_handled:
                    raise self._unheard(exc, what) from exc
                raise

        try:
            return await self.policy.call(attempt, what)
        except GaveUp as exc:
            raise self._gave_up(exc) from exc

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """`_request` for an endpoint that answers a JSON object."""
        data: dict[str, Any] = await self._request(method, path, **kwargs)
        return data

    async def _raw(self, method: str, path: str, **kwargs: Any) -> tuple[int, Mapping[str, str], bytes]:
        """`_request` for the undecoded answer: (status, headers, body)."""
        status, headers, body = await self._request(method, path, raw=True, **kwargs)
        return status, headers, body

    async def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: Any,
        headers: dict[str, Any] | None,
        what: str,
        raw: bool,
        form: Callable[[], aiohttp.FormData] | None = None,
    ) -> Any:
        assert self._session is not None
        self.requests += 1
        try:
            async with self._session.request(
                method,
                self.base_url + path,
                params=params,
                json=body,
                data=form() if form is not None else None,
                headers=headers,
            ) as resp:
                data = await resp.read()
                status, resp_headers = resp.status, resp.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise connection_failure(exc, self.timeout) from exc
        if status < 400:
            if raw:
                return status, resp_headers, data
            return json.loads(data) if data else None
        text = data.decode("utf-8", "replace").strip()[:300]
        if status == 429:
            raise Transient(
                "throttled",
                f"ABS answered 429 {text!r}",
                status=status,
                retry_after=retry_after_seconds(resp_headers.get("Retry-After")),
            )
        if status >= 500:
            raise Transient("server", f"ABS answered {status} {text!r}", status=status)
        raise self._http_error(status, text, what)

    def _http_error(self, status: int, text: str, what: str) -> AbsError:
        if status == 401:
            return AbsAuthError(
                f"ABS rejected the API key for {self.base_url} — check SHELFMATCH_ABS_API_KEY", status
            )
        if status == 403:
            return AbsForbidden(
                f"ABS at {self.base_url} refused {what} (403 {text!r}) — the API key's user lacks the permission, "
                "or the payload was rejected",
                status,
            )
        if status == 404:
            return AbsNotFound(f"ABS at {self.base_url} has no such thing: {what} (404 {text!r})", status)
        if status == 400:
            return AbsBadRequest(f"ABS at {self.base_url} rejected {what} (400 {text!r})", status)
        return AbsError(f"ABS at {self.base_url} answered {status} {text!r} to {what}", status)

    def _gave_up(self, exc: GaveUp) -> AbsUnavailable:
        last = exc.last
        if last.kind == "refused":
            advice = "is the server running? check SHELFMATCH_ABS_URL"
        elif last.kind == "timeout":
            advice = "raise SHELFMATCH_ABS_TIMEOUT_SECONDS or check the server"
        elif last.kind == "throttled":
            advice = "ABS (or a proxy in front of it) is limiting requests: try again later"
        else:
            advice = "check the server and its logs, then run the command again"
        prefix = "Cannot reach ABS" if last.kind == "refused" else "ABS"
        cls = AbsThrottled if last.kind == "throttled" else AbsUnavailable
        return cls(f"{prefix} at {self.base_url}: {exc.describe()} — {advice}", last.status)

    def _unheard(self, previous: Transient, what: str) -> AbsUnavailable:
        return AbsUnavailable(
            f"ABS at {self.base_url}: {what}: {previous.seen}, so ABS may or may not have applied it; it was not "
            "sent again — check that ABS is running, then read the item to see what it holds",
            previous.status,
        )

    # -- reads ---------------------------------------------------------------------------------------

    async def ping(self) -> bool:
        return bool((await self._request("GET", "/ping")).get("success"))

    async def libraries(self) -> list[dict[str, Any]]:
        libraries: list[dict[str, Any]] = (
            await self._json("GET", "/api/libraries", what="listing libraries")
        )["libraries"]
        return libraries

    async def library(self, library_id: str) -> dict[str, Any]:
        try:
            return await self._json(
                "GET", f"/api/libraries/{library_id}", what=f"reading library {library_id}"
            )
        except AbsNotFound as exc:
            raise await self._unknown_library(library_id) from exc

    async def _unknown_library(self, library_id: str) -> AbsNotFound:
        try:
            known = ", ".join(f"{lib['id']} ({lib.get('name')})" for lib in await self.libraries()) or "none"
        except AbsError:
            known = "unknown"
        return AbsNotFound(
            f"ABS at {self.base_url} has no library {library_id!r} (known: {known}) — check SHELFMATCH_ABS_LIBRARY_IDS",
            404,
        )

    async def library_item_ids(self, library_id: str, page_size: int = 0) -> list[dict[str, Any]]:
        """Every item of a library as `{id, updatedAt, title, relPath}` from the minified list.

        `page_size=0` asks for all items at once (`limit=0`); otherwise pages with a stable sort.
        """
        out: list[dict[str, Any]] = []
        page = 0
        while True:
            params = {"limit": str(page_size), "page": str(page), "sort": "addedAt"}
            try:
                data = await self._request(
                    "GET",
                    f"/api/libraries/{library_id}/items",
                    params=params,
                    what=f"listing items of library {library_id}",
                )
            except AbsNotFound as exc:
                raise await self._unknown_library(library_id) from exc
            for entry in data.get("results") or []:
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    continue
                meta = (
                    (entry.get("media") or {}).get("metadata")
                    if isinstance(entry.get("media"), dict)
                    else None
                )
                out.append(
                    {
                        "id": entry["id"],
                        "updatedAt": entry.get("updatedAt"),
                        "title": meta.get("title") if isinstance(meta, dict) else None,
                        "relPath": entry.get("relPath"),
                    }
                )
            total = data.get("total") or 0
            if page_size == 0 or not data.get("results") or len(out) >= total:
                return out
            page += 1

    async def get_item(self, item_id: str, expanded: bool = True) -> dict[str, Any]:
        params = {"expanded": "1"} if expanded else None
        return await self._json("GET", f"/api/items/{item_id}", params=params, what=f"reading item {item_id}")

    async def get_items_raw(self, ids: Sequence[str]) -> bytes:
        """The undecoded `batch/get` answer for `ids` (parse it with `parse_items`, e.g. in a worker process)."""
        _, _, body = await self._raw(
            "POST",
            "/api/items/batch/get",
            json_body={"libraryItemIds": list(ids)},
            what=f"batch-getting {len(ids)} items",
        )
        return body

    @staticmethod
    def parse_items(body: bytes, ids: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
        """(items, ids ABS silently dropped) from a `batch/get` answer."""
        data = json.loads(body) if body else {}
        items = [it for it in (data or {}).get("libraryItems") or [] if isinstance(it, dict)]
        got = {it.get("id") for it in items}
        return items, [i for i in ids if i not in got]

    async def get_items_with_missing(self, ids: Sequence[str]) -> tuple[list[dict[str, Any]], list[str]]:
        """Expanded items for `ids` (one batch/get request; keep it ≤ batch_size) and the ids ABS dropped."""
        if not ids:
            return [], []
        return self.parse_items(await self.get_items_raw(ids), ids)

    async def iter_raw_batches(
        self, ids: Sequence[str], concurrency: int = 2
    ) -> AsyncIterator[tuple[list[str], bytes]]:
        """Yields `(asked_ids, undecoded batch/get answer)` per chunk of `batch_size`, `concurrency` chunks ahead."""
        chunks = [list(ids[i : i + self.batch_size]) for i in range(0, len(ids), self.batch_size)]
        pending: list[tuple[list[str], asyncio.Task[bytes]]] = []
        next_chunk = 0
        while next_chunk < len(chunks) or pending:
            while next_chunk < len(chunks) and len(pending) < concurrency:
                chunk = chunks[next_chunk]
                pending.append((chunk, asyncio.ensure_future(self.get_items_raw(chunk))))
                next_chunk += 1
            chunk, task = pending.pop(0)
            try:
                body = await task
            except BaseException:
                for _, other in pending:
                    other.cancel()
                raise
            yield chunk, body

    async def iter_item_batches(
        self, ids: Sequence[str], concurrency: int = 2
    ) -> AsyncIterator[tuple[list[str], list[dict[str, Any]], list[str]]]:
        """Yields `(asked_ids, items, missing_ids)` per chunk of `batch_size`, fetching `concurrency` chunks ahead."""
        async for chunk, body in self.iter_raw_batches(ids, concurrency):
            items, missing = self.parse_items(body, chunk)
            yield chunk, items, missing

    async def get_items(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Expanded items for `ids`, fetched in chunks; ids ABS silently dropped are logged as missing."""
        out: list[dict[str, Any]] = []
        async for _, items, missing in self.iter_item_batches(ids):
            out.extend(items)
            if missing:
                log.warning(
                    "ABS at %s returned no item for %d id(s): %s",
                    self.base_url,
                    len(missing),
                    ", ".join(missing[:10]),
                )
        return out

    # -- writes (sent again only for what did not land; see module docstring) -------------------------

    async def patch_item_media(
        self, item_id: str, payload: dict[str, Any], settle: Settle | None = None
    ) -> dict[str, Any]:
        """`PATCH /api/items/:id/media` → `{updated?, libraryItem}` (`updated` absent when nothing changed),
        or `LANDED` when a retry's read-back found the payload already applied."""
        return await self._json(
            "PATCH",
            f"/api/items/{item_id}/media",
            json_body=payload,
            write=True,
            settle=settle,
            what=f"updating item {item_id}",
        )

    async def batch_update(
        self, updates: list[dict[str, Any]], settle: Settle | None = None
    ) -> dict[str, Any]:
        """`POST /api/items/batch/update` with `[{"id", "mediaPayload"}]` → `{success, updates}`,
        or `LANDED` when a retry's read-back found every update already applied.

        `settle(updates)` returns the updates still to send (None when none): see `_request`."""
        return await self._json(
            "POST",
            "/api/items/batch/update",
            json_body=updates,
            write=True,
            settle=settle,
            what=f"batch-updating {len(updates)} items",
        )

    # -- covers ---------------------------------------------------------------------------------------------

    async def get_cover(self, item_id: str) -> bytes | None:
        """The item's cover image as stored (`GET /api/items/:id/cover?raw=1`), or None when it has none
        (no coverPath, or the file is gone). Without `raw` ABS answers a resized webp/jpeg copy."""
        try:
            _, _, body = await self._raw(
                "GET",
                f"/api/items/{item_id}/cover",
                params={"raw": "1"},
                headers={"Accept": "image/*"},
                what=f"reading the cover of item {item_id}",
            )
        except AbsNotFound:
            return None
        return body

    async def upload_cover(self, item_id: str, image: bytes, filename: str) -> dict[str, Any]:
        """`POST /api/items/:id/cover` with the image as the multipart field `cover` → `{success, cover}`
        (`cover` = the server path ABS stored it at; the extension of `filename` names its type)."""

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("cover", image, filename=filename, content_type="application/octet-stream")
            return data

        return await self._json(
            "POST",
            f"/api/items/{item_id}/cover",
            form=form,
            write=True,
            what=f"uploading the cover of item {item_id}",
        )

    async def delete_cover(self, item_id: str) -> None:
        """`DELETE /api/items/:id/cover`: the item has no cover afterwards (ABS keeps the file on disk)."""
        await self._request(
            "DELETE",
            f"/api/items/{item_id}/cover",
            write=True,
            raw=True,
            what=f"removing the cover of item {item_id}",
        )

    # -- audio files -------------------------------------------------------------------------------------

    async def file_size(self, item_id: str, ino: str) -> int:
        """The size in bytes of an item's file (a 1-byte Range request; ABS answers 206 with Content-Range)."""
        status, headers, body = await self._raw(
            "GET",
            f"/api/items/{item_id}/file/{ino}",
            headers={"Range": "bytes=0-0"},
            what=f"reading file {ino} of item {item_id}",
        )
        content_range = headers.get("Content-Range", "")
        if status == 206 and "/" in content_range:
            return int(content_range.rsplit("/", 1)[1])
        return len(body)

    async def open_file_range(self, item_id: str, ino: str, start: int, end: int) -> bytes:
        """Bytes `start`..`end` (inclusive, like HTTP Range) of an item's file."""
        status, _, body = await self._raw(
            "GET",
            f"/api/items/{item_id}/file/{ino}",
            headers={"Range": f"bytes={start}-{end}"},
            what=f"reading bytes {start}-{end} of file {ino} of item {item_id}",
        )
        if status == 200:  # a server that ignores Range sends the whole file
            return body[start : end + 1]
        return body

    read_range = open_file_range
