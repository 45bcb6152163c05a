"""Fault injection in the ABS emulator: dropped connections, delays, 5xx bursts, and the crash of a
payload that kills real ABS (the process exits, so nothing listens on the port until `restart()`)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from emulators.abs.common import LOG_KEY, ROUTER_BASE_PATH, Crash, text
from emulators.abs.covers import COVER_ROUTE
from emulators.abs.state import AbsState


class FaultInjection(AbsState):
    drop_connection_on: set[int]
    drop_paths: tuple[str, ...]
    delay_seconds: float
    _fail_burst: list[int]

    def fail_next(self, n: int, status: int = 503) -> None:
        """The next `n` requests (after auth) answer `status` (a 5xx burst)."""
        self._fail_burst.extend([status] * n)

    async def _crash(self, request: web.Request) -> web.StreamResponse:
        # Real ABS calls process.exit(1): the client sees a reset, then nobody listens on the port.
        self.crashed = True
        if request.transport is not None:
            request.transport.abort()
        if self._site is not None:  # stop listening, outside this handler (stop() waits for handlers)
            self._stopping = asyncio.get_running_loop().create_task(self._site.stop())
        return text(500, "never delivered: the connection is already gone")

    # -- plumbing ----------------------------------------------------------------------------------

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
        request[LOG_KEY] = entry
        if self.crashed:  # a dead process answers nothing, not even on kept-alive connections
            entry["status"] = "dropped"
            if request.transport is not None:
                request.transport.abort()
            return text(503, "never delivered: the emulated server is down")
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if entry["n"] in self.drop_connection_on or any(path.startswith(p) for p in self.drop_paths):
            entry["status"] = "dropped"
            if request.transport is not None:
                request.transport.abort()
            return text(503, "never delivered: the connection was dropped")
        open_route = request.method == "GET" and COVER_ROUTE.fullmatch(path) is not None
        if path.startswith("/api/") and not open_route and not self._authorised(request):
            entry["status"] = 401
            return text(401, "Unauthorized")
        if self._fail_burst and path.startswith("/api/"):
            status = self._fail_burst.pop(0)
            entry["status"] = status
            return text(status, "Internal Server Error" if status == 500 else "Service Unavailable")
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            entry["status"] = exc.status
            raise
        except Crash:
            entry["status"] = "crashed"
            if not self.crash_on_bad_payload:
                return text(500, "Internal Server Error")
            return await self._crash(request)
        entry["status"] = response.status
        return response
