"""The documented Prefect set-up works as typed: PREFECT_API_URL is set before the server starts (the
server's UI finds its API through that setting, so the other order breaks the UI on another port)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["README.md", "docs/operations.md", "prefect.yaml"])
def test_prefect_api_url_is_set_before_the_server_starts(name):
    lines = (ROOT / name).read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if "prefect server start" in line and "`" not in line]
    sets = [i for i, line in enumerate(lines) if "prefect config set PREFECT_API_URL" in line]
    assert starts and sets, name
    assert min(sets) < min(starts), f"{name}: line {min(starts) + 1} starts the server before setting the URL"


def test_the_readme_says_a_plain_sync_reports_to_the_configured_server():
    text = " ".join((ROOT / "README.md").read_text().split())
    assert "that is what `shelfmatch sync` and the demo do" not in text
    assert "the same plain `shelfmatch sync` — and every other flow command — reports to that server" in text
