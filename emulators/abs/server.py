"""The ABS emulator itself: its state, its route table, starting, stopping and restarting it, and
running it from synchronous code."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from emulators.abs.common import ROUTER_BASE_PATH
from emulators.abs.covers import CoverRoutes
from emulators.abs.faults import FaultInjection
from emulators.abs.fixtures import fixture_library
from emulators.abs.routes import LibraryRoutes
from emulators.abs.shapes import default_library
from emulators.abs.writes import WriteRoutes
from emulators.serving import AppServer, serve_in_thread


class AbsEmulator(FaultInjection, LibraryRoutes, WriteRoutes, CoverRoutes, AppServer):
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

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024**2, middlewares=[self._middleware])
        self._routes(app)
        return await self._serve(app)

    async def _listen(self) -> None:
        await super()._listen()
        self.crashed = False

    async def stop(self) -> None:
        await self._close()

    async def restart(self) -> None:
        """Bring a crashed server back on the same port (like restarting the ABS process)."""
        if self._stopping is not None:
            await self._stopping
            self._stopping = None
        elif self._site is not None:
            await self._site.stop()
        await self._listen()

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


@contextmanager
def run_abs_emulator(items: Iterable[dict], **kwargs: Any) -> Iterator[AbsEmulator]:
    """Run an `AbsEmulator` on its own event loop in a background thread; yields it with `.url` set.

    `emu.call(coro)` runs a coroutine (e.g. `emu.restart()`) on the emulator's loop.
    """
    with serve_in_thread(AbsEmulator(items, **kwargs), "abs-emulator") as emu:
        yield emu
