"""Running an asyncio server (an emulator, the fault proxy) from synchronous code or as its own process.

Tests, flows and benchmarks are synchronous, so `serve_in_thread` gives the server an event loop on a
daemon thread and `server.call(coro)` runs coroutines there (e.g. `emu.call(emu.restart())`).
`serve_until_signalled` is the `python -m emulators.<name>` entry: it prints one JSON line describing
the running server (the parent process reads its url from it) and serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from aiohttp import web


class Server(Protocol):
    async def start(self) -> str: ...

    async def stop(self) -> None: ...


S = TypeVar("S", bound=Server)


class LoopThread:
    """An event loop running forever on a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(self, coro: Awaitable[Any], timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class AppServer:
    """An aiohttp application on a TCP port that can stop listening and listen again on the same port
    (the address is reused, so a restarted server keeps its url)."""

    host: str
    port: int  # 0 until the first listen picks a free port
    url: str | None
    _runner: web.AppRunner | None
    _site: web.TCPSite | None

    async def _serve(self, app: web.Application) -> str:
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await self._listen()
        return self.url  # type: ignore[return-value]

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await self._site.start()
        self.port = self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://{self.host}:{self.port}"

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@contextmanager
def serve_in_thread(server: S, name: str) -> Iterator[S]:
    """Start `server` on its own loop in a thread, yield it (`.call(coro)` set), stop it on exit."""
    runner = LoopThread(name)
    server.call = runner.run  # type: ignore[attr-defined]
    try:
        runner.run(server.start())
        yield server
    finally:
        try:
            runner.run(server.stop())
        finally:
            runner.close()


def serve_until_signalled(
    make: Callable[[], Any], start: Callable[[Any], Awaitable[Any]], describe: Callable[[Any], dict]
) -> None:
    """Build the server with `make()` inside the loop, `await start(server)`, print `describe(server)`
    as one JSON line, then serve until SIGINT or SIGTERM and stop it."""

    async def main() -> None:
        server = make()
        await start(server)
        print(json.dumps(describe(server)), flush=True)
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopped.set)
        await stopped.wait()
        await server.stop()

    asyncio.run(main())
