"""Test-wide setup: isolated settings, a temporary DuckDB file, and one Prefect test harness per session."""

from __future__ import annotations

import os

# Before prefect is imported anywhere: no telemetry, quiet logs, and a generous server start-up on 2 cores.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

import pytest

pytest_plugins = [
    "tests.plugins.abs_fixtures",
    "tests.plugins.hardcover_fixtures",
    "tests.plugins.audio_fixtures",
    "tests.plugins.demo_fixtures",  # a demo-sized warehouse built once per session by the real flows
    "tests.plugins.web_fixtures",  # the review page served over a copy of the demo warehouse
    "tests.plugins.lock_fixtures",
]


# Session fixtures that take minutes to build (the demo warehouse runs the whole pipeline; the spoken books
# are synthesised speech): under `pytest -n N --dist loadgroup` every test that needs one runs on the same
# worker, so each is built once per run, not once per worker.
_SHARED_BUILDS = {"demo_warehouse": "demo-warehouse", "spoken_books": "spoken-books"}


def pytest_collection_modifyitems(items):
    for item in items:
        for fixture, group in _SHARED_BUILDS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(group))
                break


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """No test reads the developer's .env or secrets; every test gets its own warehouse file."""
    for key in list(os.environ):
        if key.startswith("SHELFMATCH_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("SHELFMATCH_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.chdir(tmp_path)  # so a stray .env in the repo is not picked up


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "warehouse.duckdb"


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (~10 s to start); heartbeats off for speed."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        prefect_test_harness(server_startup_timeout=90),
    ):
        yield
