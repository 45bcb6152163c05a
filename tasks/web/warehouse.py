"""The page's access to the warehouse: a short connection per request, cheap while people click.

DuckDB lets one process at a time write a file, and within that process connections share the open
database. So while requests keep coming, one connection stays open and each request's own connection
costs well under a millisecond (instead of reopening the file, tens of ms); `idle_seconds` after the last
request it is closed and the file is free for the CLI, a sync or `duckdb` in a terminal again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from tasks.warehouse import connect, open_connection

IDLE_SECONDS = 20.0


class Warehouse:
    def __init__(self, path: Path | str, idle_seconds: float = IDLE_SECONDS):
        self.path, self.idle_seconds = Path(path), idle_seconds
        self._keeper: duckdb.DuckDBPyConnection | None = None
        self._last = 0.0
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if self._keeper is None:
                self._keeper = open_connection(self.path)  # WarehouseLocked when another process writes
            self._last = time.monotonic()
            if self._timer is None:
                self._start_timer(self.idle_seconds)
        with connect(self.path, migrate_schema=False) as con:
            yield con

    def _start_timer(self, seconds: float) -> None:
        self._timer = threading.Timer(seconds, self._release_if_idle)
        self._timer.daemon = True
        self._timer.start()

    def _release_if_idle(self) -> None:
        with self._lock:
            self._timer = None
            if self._keeper is None:
                return
            left = self.idle_seconds - (time.monotonic() - self._last)
            if left > 0:
                self._start_timer(left)
            else:
                self._keeper.close()
                self._keeper = None

    @property
    def held(self) -> bool:
        return self._keeper is not None

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._keeper is not None:
                self._keeper.close()
                self._keeper = None
