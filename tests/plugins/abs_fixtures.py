"""Shared pytest fixtures (registered in tests/conftest.py).

ABS: `abs_server(items=None, **kw)` starts the project's ABS emulator on a free loopback port (its own
event loop in a thread, so sync tests, async tests and flows can all use it) and stops it after the test.
`items=None` serves the items recorded from the real ABS 2.36.0 server (`emulators/data/abs-2.36.0/`).
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest


@pytest.fixture
def abs_server():
    from emulators.abs import fixture_items, run_abs_emulator

    with ExitStack() as stack:

        def start(items=None, **kwargs):
            return stack.enter_context(
                run_abs_emulator(fixture_items() if items is None else items, **kwargs)
            )

        yield start


@pytest.fixture
def abs_settings(monkeypatch):
    """Point Settings at an emulator: `abs_settings(emu)` sets SHELFMATCH_ABS_URL/API_KEY and returns Settings."""
    from tasks.settings import get_settings

    def configure(emu, api_key: str = "test-key"):
        monkeypatch.setenv("SHELFMATCH_ABS_URL", emu.url)
        monkeypatch.setenv("SHELFMATCH_ABS_API_KEY", api_key)
        return get_settings()

    return configure
