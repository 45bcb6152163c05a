"""Running async code from sync code, including code that already runs inside an event loop.

Prefect runs sync tasks on a thread that may already have a running loop, and PyAV reads audio
through blocking calls while the ABS client is async; both need a loop of their own on another thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """An asyncio loop on a daemon thread: `run(coro)` blocks the caller until the coroutine is done.

    The coroutine runs in a copy of the caller's context, so Prefect's run context (and a progress
    artifact's API client) is still known inside it.
    """

    def __init__(self, name: str = "shelfmatch-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Cancel what is left, finish async generators and the default executor, stop and close the loop."""
        if self.loop.is_closed():
            return
        try:
            asyncio.run_coroutine_threadsafe(_shutdown(self.loop), self.loop).result(timeout)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout)
            if not self._thread.is_alive():
                self.loop.close()


async def _shutdown(loop: asyncio.AbstractEventLoop) -> None:
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks(loop) if t is not current]
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from sync code, even when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    runner = LoopThread("shelfmatch-run-async")
    try:
        return runner.run(coro)
    finally:
        runner.close()
