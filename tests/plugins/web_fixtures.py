"""The review page served for real: a copy of the demo warehouse (built by the real pipeline), the ABS
emulator serving the library as the demo left it, and `shelfmatch serve`'s app under uvicorn on a free
loopback port (its own thread, with the session's Prefect test API, so the page's writeback and rollback
buttons run the real flows)."""

from __future__ import annotations

import contextvars
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

ABS_KEY = "web-abs-key"
PROVIDER_KEY = "web-provider-key"
TOKEN = "web-test-token"
AUTO_THRESHOLD = "0.995"  # the demo warehouse was scored with it (tests/plugins/demo_fixtures.py)


@dataclass
class Served:
    url: str
    token: str
    provider_key: str
    db_path: Path
    abs: Any  # the AbsEmulator
    settings: Any
    env: dict[str, str]  # what the served flows read from the environment

    def login_url(self, path: str = "/") -> str:
        return f"{self.url}{path}?token={self.token}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(app: Any) -> tuple[Any, threading.Thread, str]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    context = contextvars.copy_context()  # the Prefect test API is in this thread's settings context
    thread = threading.Thread(target=context.run, args=(server.run,), name="review-page", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review page did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def served_env(abs_url: str, db: Path) -> dict[str, str]:
    return {
        "SHELFMATCH_ABS_URL": abs_url,
        "SHELFMATCH_ABS_API_KEY": ABS_KEY,
        "SHELFMATCH_DUCKDB_PATH": str(db),
        "SHELFMATCH_AUTO_THRESHOLD": AUTO_THRESHOLD,
        "SHELFMATCH_PROVIDER_KEY": PROVIDER_KEY,
    }


@pytest.fixture(scope="module")
def served_review(demo_warehouse, tmp_path_factory):
    """A served review page over a copy of the demo warehouse; module-scoped (tests of a module share it)."""
    from emulators.abs import run_abs_emulator

    root = tmp_path_factory.mktemp("served-review")
    db = root / "review.duckdb"
    shutil.copy(demo_warehouse.db_path, db)
    items = [dict(v) for v in demo_warehouse.abs_items_after.values()]
    with (
        pytest.MonkeyPatch.context() as mp,
        run_abs_emulator(
            items, api_key=ABS_KEY, library=demo_warehouse.library, audio_root=demo_warehouse.audio_root
        ) as abs_emu,
    ):
        for key, value in served_env(abs_emu.url, db).items():
            mp.setenv(key, value)
        from flows.cli_serve import build_app

        app, settings, security = build_app(str(db), token=TOKEN)
        server, thread, url = _serve(app)
        try:
            yield Served(
                url, security.token, PROVIDER_KEY, db, abs_emu, settings, served_env(abs_emu.url, db)
            )
        finally:
            server.should_exit = True
            thread.join(timeout=30)


@pytest.fixture
def review_page(served_review, monkeypatch):
    """`served_review` with its environment set again for this test (the autouse fixture clears every
    SHELFMATCH_* variable per test, and the page's writeback/rollback flows read their settings from it)."""
    for key in [k for k in os.environ if k.startswith("SHELFMATCH_")]:
        monkeypatch.delenv(key)
    for key, value in served_review.env.items():
        monkeypatch.setenv(key, value)
    return served_review


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not used)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make setup` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
