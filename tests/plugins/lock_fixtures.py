"""Another process holding a DuckDB warehouse's write lock, as a running sync does."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

_HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)"
)


@contextmanager
def _holding(db: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield holder
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture
def warehouse_locked() -> Callable[[Path], AbstractContextManager[subprocess.Popen[str]]]:
    """`with warehouse_locked(db) as holder:` a child process (`holder.pid`) holds `db` open for writing."""
    return _holding
