"""How every command fails and runs: bad settings named with an example, Prefect's tracebacks in the
log file (not on the terminal), and one Prefect start-up timeout for every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emulators.bad_input import cli
from flows.cli import app
from tasks.settings import SettingsInvalid, get_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("SHELFMATCH_ABS_URL", "not-a-url", "needs http:// or https://"),
        ("SHELFMATCH_ABS_URL", "http://abs:port", "port is not a number"),
        ("SHELFMATCH_ABS_TIMEOUT_SECONDS", "soon", "valid number"),
        ("SHELFMATCH_ABS_RETRIES", "-1", "greater than or equal to 0"),
        ("SHELFMATCH_WRITEBACK_POLICY", '{"title": "sometimes"}', "'sometimes'"),
        ("SHELFMATCH_WRITEBACK_POLICY", '{"colour": "never"}', "unknown field 'colour'"),
        ("SHELFMATCH_WRITEBACK_POLICY", "title=overwrite", "not valid JSON"),
        ("SHELFMATCH_PATH_MAP", "/a:/b", "not valid JSON"),
        ("SHELFMATCH_PREFECT_STARTUP_TIMEOUT_SECONDS", "0", "greater than 0"),
    ],
)
def test_a_bad_setting_names_the_variable_what_is_wrong_and_an_example(monkeypatch, variable, value, says):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsInvalid) as bad:
        get_settings()
    message = str(bad.value)
    assert message.startswith(variable) and says in message and f"e.g. {variable}=" in message
    assert "\n" not in message


def test_a_secret_is_never_shown_in_a_settings_error(monkeypatch):
    monkeypatch.setenv("SHELFMATCH_ABS_API_KEY", "s3cret")
    monkeypatch.setenv("SHELFMATCH_ABS_TIMEOUT_SECONDS", "x")
    with pytest.raises(SettingsInvalid) as bad:
        get_settings()
    assert "s3cret" not in str(bad.value)


@pytest.mark.parametrize(
    ("value", "ids"), [("lib_x", ["lib_x"]), ("lib_a, lib_b", ["lib_a", "lib_b"]), ('["lib_a"]', ["lib_a"])]
)
def test_library_ids_are_a_comma_list_or_json(monkeypatch, value, ids):
    monkeypatch.setenv("SHELFMATCH_ABS_LIBRARY_IDS", value)
    assert get_settings().abs_library_ids == ids


@pytest.mark.parametrize("command", [["extract"], ["doctor"], ["sql", "SELECT 1"], ["writeback"], ["review"]])
def test_every_command_says_a_bad_setting_in_one_line(monkeypatch, command):
    monkeypatch.setenv("SHELFMATCH_ABS_TIMEOUT_SECONDS", "soon")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if "✗" in line]
    assert len(lines) == 1 and "SHELFMATCH_ABS_TIMEOUT_SECONDS=soon" in lines[0]


@pytest.mark.flow
@pytest.mark.parametrize("command", [["extract"], ["writeback", "--apply"], ["rollback", "--run", "r1"]])
def test_every_flow_command_uses_the_one_prefect_startup_timeout(prefect_harness, monkeypatch, command):
    monkeypatch.setenv("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    monkeypatch.setenv("SHELFMATCH_PREFECT_STARTUP_TIMEOUT_SECONDS", "123")
    monkeypatch.setenv("SHELFMATCH_ABS_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SHELFMATCH_ABS_API_KEY", "k")
    monkeypatch.setenv("SHELFMATCH_ABS_RETRIES", "0")
    CliRunner().invoke(app, command)
    assert os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] == "123"


@pytest.mark.flow
def test_a_failing_flow_prints_one_line_and_its_traceback_goes_to_the_log_file(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    log = tmp_path / "shelfmatch.log"
    env = {
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "SHELFMATCH_ABS_URL": "http://127.0.0.1:9",
        "SHELFMATCH_ABS_API_KEY": "k",
        "SHELFMATCH_ABS_RETRIES": "0",
        "SHELFMATCH_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
        "SHELFMATCH_LOG_FILE": str(log),
    }
    done = cli(["extract"], env, inherit_prefect=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert [line for line in done.stderr.splitlines() if line.strip()] == [
        line
        for line in done.stderr.splitlines()
        if line.startswith("✗ Cannot reach ABS at http://127.0.0.1:9")
    ]
    text = log.read_text()
    assert "Traceback" in text and "Encountered exception during execution" in text

    debug = cli(["--debug", "extract"], env, inherit_prefect=False)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_a_prefect_api_that_does_not_start_is_one_line_naming_the_setting(tmp_path):
    env = {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        # A database the server cannot open: it exits, and never answers.
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/prefect.db",
        "SHELFMATCH_PREFECT_STARTUP_TIMEOUT_SECONDS": "5",
        "SHELFMATCH_ABS_URL": "http://127.0.0.1:9",
        "SHELFMATCH_ABS_API_KEY": "k",
        "SHELFMATCH_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
    }
    done = cli(["extract"], env, inherit_prefect=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "did not start within 5s" in lines[0]
    assert "SHELFMATCH_PREFECT_STARTUP_TIMEOUT_SECONDS" in lines[0]


def test_version_prints_the_installed_version_and_needs_no_settings(monkeypatch):
    from importlib.metadata import version

    monkeypatch.setenv("SHELFMATCH_ABS_URL", "not a url")  # --version reads no setting
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"shelfmatch {version('shelfmatch')}\n"


def test_the_command_line_turns_prefect_telemetry_off_before_prefect_is_imported():
    """Offline, Prefect's API server logs an ERROR "Failed to send telemetry" for its heartbeat, and the
    SDK sends usage events on import: the CLI's process (and the local API it starts, which inherits
    its environment) has both off, whatever the user's shell had."""
    code = (
        "import flows.cli, sys\n"
        "assert 'prefect' not in sys.modules\n"
        "from prefect.settings import get_current_settings\n"
        "from prefect._internal.analytics import is_telemetry_enabled\n"
        "print(get_current_settings().server.analytics_enabled, is_telemetry_enabled())\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DO_NOT_TRACK", "CI")}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "true"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
