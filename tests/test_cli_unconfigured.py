"""Nothing configured: `doctor` and `sync` answer at once — before any Prefect API starts — and a run
that cannot start leaves no warehouse file behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Runs a command in a fresh interpreter and says whether a Prefect API server was started in it (the
# Secret-block lookup without PREFECT_API_URL starts one, which takes tens of seconds).
PROBE = """
import json, sys
from typer.testing import CliRunner
from flows.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
print(json.dumps({"code": result.exit_code, "output": result.output,
                  "server": any(m.startswith("prefect.server.api") for m in sys.modules)}))
"""


def run_unconfigured(tmp_path: Path, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHELFMATCH_", "PREFECT_"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),  # no profile naming a Prefect API
        SHELFMATCH_DUCKDB_PATH=str(tmp_path / "data" / "shelfmatch.duckdb"),
        COLUMNS="250",
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_doctor_with_nothing_configured_says_what_is_missing_without_starting_prefect(tmp_path):
    out = run_unconfigured(tmp_path, "doctor")
    assert out["code"] == 1
    lines = out["output"].splitlines()
    [abs_line] = [line for line in lines if line.startswith("✗ ABS")]
    [hc_line] = [line for line in lines if line.startswith("✗ Hardcover ")]
    assert "no ABS API key" in abs_line and "SHELFMATCH_ABS_API_KEY" in abs_line
    assert "no Hardcover token" in hc_line and "SHELFMATCH_HARDCOVER_TOKEN" in hc_line
    assert "PREFECT_API_URL" in abs_line  # where a Secret block would be read from
    assert not out["server"]


@pytest.mark.parametrize(("command", "needs"), [("sync", 2), ("extract", 1)])
def test_a_run_that_cannot_start_says_so_in_one_line_and_creates_no_warehouse(tmp_path, command, needs):
    out = run_unconfigured(tmp_path, command)
    assert out["code"] == 1
    [line] = [line for line in out["output"].splitlines() if line.strip()]
    assert line.startswith(f"✗ {command} cannot start: no ABS API key")
    assert ("SHELFMATCH_HARDCOVER_TOKEN" in line) == (needs == 2)
    assert not out["server"]
    assert not (tmp_path / "data" / "shelfmatch.duckdb").exists()


def test_help_of_a_flow_command_needs_no_credentials(tmp_path):
    out = run_unconfigured(tmp_path, "sync", "--help")
    assert out["code"] == 0 and "--skip-listen" in out["output"]
    assert not out["server"]


def test_sql_without_db_on_a_missing_warehouse_says_so_in_one_line_and_creates_nothing(tmp_path):
    out = run_unconfigured(tmp_path, "sql", "SELECT 1")
    assert out["code"] == 1
    [line] = [line for line in out["output"].splitlines() if line.strip()]
    assert "No warehouse at" in line and str(tmp_path / "data" / "shelfmatch.duckdb") in line
    assert not (tmp_path / "data" / "shelfmatch.duckdb").exists()
