"""A fault-injecting reverse proxy (aiohttp) in front of the ABS or Hardcover emulator.

Clients talk to the proxy's url; it forwards every request to `upstream` unless a rule says
otherwise. Rules match a method and a path prefix and fire on `times` matching requests (after
skipping `skip` of them):

- `reset_before`: the connection is cut before anything reaches the upstream (nothing handled);
- `reset_after`: the request is forwarded and handled, then the connection is cut before the
  answer reaches the client (a write that landed but was not heard);
- `status`: the proxy answers `status` itself (e.g. 429 with `Retry-After`, or 503), unforwarded;
- `latency`: the request waits `seconds` before it is forwarded.

`down(seconds)` stops listening (connections are refused) and, with `seconds`, comes back on the
same port after that long. When the upstream itself drops a connection (the ABS emulator crashing
on a payload), the proxy cuts the client's connection too, as a transparent hop would.

`log` holds one entry per request: method, path, the fault applied (or None) and whether the
upstream saw it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from emulators.serving import AppServer, serve_in_thread

FAULTS = ("reset_before", "reset_after", "status", "latency")
_HOP_HEADERS = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "content-encoding",
}


@dataclass
class Rule:
    fault: str
    method: str | None = None
    path: str = ""
    times: int = 1
    skip: int = 0
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    fired: int = 0
    seen: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and path.startswith(self.path)

    def fires(self, method: str, path: str) -> bool:
        """Whether this request gets the fault: every matching request is seen, the first `skip` pass."""
        if self.fired >= self.times or not self.matches(method, path):
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        self.fired += 1
        return True


@dataclass
class FaultProxy(AppServer):
    upstream: str
    host: str = "127.0.0.1"
    port: int = 0
    rules: list[Rule] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)
    url: str | None = None

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._session: aiohttp.ClientSession | None = None
        self._back: asyncio.Task | None = None

    # -- control ------------------------------------------------------------------------------------

    def add(self, fault: str, **kwargs: Any) -> Rule:
        """Add a rule (see the module docstring); returns it, so a drill can read `fired`."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        rule = Rule(fault, **kwargs)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    async def down(self, seconds: float | None = None) -> None:
        """Stop listening (connections refused); with `seconds`, listen again on the same port after that."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if seconds is not None:
            self._back = asyncio.get_running_loop().create_task(self._up_after(seconds))

    async def up(self) -> None:
        if self._site is None:
            await self._listen()

    async def _up_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.up()

    # -- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120), auto_decompress=False)
        return await self._serve(app)

    async def stop(self) -> None:
        if self._back is not None:
            self._back.cancel()
        await self._close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- the hop ------------------------------------------------------------------------------------

    def _rule_for(self, method: str, path: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.fires(method, path)), None)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "fault": None,
            "forwarded": False,
        }
        self.log.append(entry)
        body = await request.read()
        rule = self._rule_for(request.method, request.path)
        if rule is not None:
            entry["fault"] = rule.fault
            if rule.fault == "reset_before":
                return _cut(request)
            if rule.fault == "status":
                headers = {"Retry-After": rule.retry_after} if rule.retry_after is not None else {}
                entry["status"] = rule.status
                return web.Response(status=rule.status, text="injected by the fault proxy", headers=headers)
            if rule.fault == "latency":
                await asyncio.sleep(rule.seconds)
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        try:
            async with self._session.request(
                request.method,
                self.upstream.rstrip("/") + request.rel_url.path_qs,
                headers=headers,
                data=body if body else None,
            ) as upstream:
                payload = await upstream.read()
                status = upstream.status
                out_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_HEADERS}
        except (aiohttp.ClientError, TimeoutError):
            entry["forwarded"] = True
            entry["status"] = "upstream dropped"
            return _cut(request)
        entry["forwarded"] = True
        entry["status"] = status
        if rule is not None and rule.fault == "reset_after":
            return _cut(request)
        return web.Response(status=status, body=payload, headers=out_headers)


def _cut(request: web.Request) -> web.StreamResponse:
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=599, text="never delivered: the connection was cut")


@contextmanager
def run_fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """Run a proxy to `upstream` on its own event loop in a thread; `proxy.call(coro)` runs a coroutine there
    (e.g. `proxy.call(proxy.down(1.0))`)."""
    with serve_in_thread(FaultProxy(upstream), "fault-proxy") as proxy:
        yield proxy
