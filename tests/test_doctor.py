"""`shelfmatch doctor` against the real emulators: one clear line per problem, exit non-zero on any."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from flows.cli import app

ABS_KEY, HC_TOKEN = "doctor-abs-key", "doctor-hc-token"


@pytest.fixture(scope="module")
def emulators():
    from emulators.abs import fixture_items, run_abs_emulator
    from emulators.hardcover import run_hardcover_emulator

    with (
        run_abs_emulator(fixture_items(), api_key=ABS_KEY) as abs_emu,
        run_hardcover_emulator(token=HC_TOKEN) as hc,
    ):
        yield abs_emu, hc


@pytest.fixture
def configure(emulators, monkeypatch):
    abs_emu, hc = emulators

    def apply(abs_key=ABS_KEY, hc_token=HC_TOKEN, **env):
        monkeypatch.setenv("SHELFMATCH_ABS_URL", abs_emu.url)
        monkeypatch.setenv("SHELFMATCH_ABS_API_KEY", abs_key)
        monkeypatch.setenv("SHELFMATCH_HARDCOVER_URL", hc.url)
        monkeypatch.setenv("SHELFMATCH_HARDCOVER_TOKEN", hc_token)
        for key, value in env.items():
            monkeypatch.setenv(f"SHELFMATCH_{key.upper()}", value)

    return apply


def run_doctor() -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["doctor"], env={"COLUMNS": "300"})
    lines = [line for line in result.output.splitlines() if line.strip()]
    return result.exit_code, lines


def failed(lines: list[str]) -> list[str]:
    return [line for line in lines if line.lstrip().startswith("✗")]


def test_doctor_passes_every_check_on_a_healthy_setup(configure):
    configure()
    code, lines = run_doctor()
    assert code == 0, lines
    assert failed(lines) == []
    for name in ("ABS", "Hardcover", "Hardcover budget", "DuckDB", "ASR model", "ffmpeg / PyAV"):
        assert any(re.match(rf"\s*✓ {re.escape(name)}\b", line) for line in lines), (name, lines)
    budget = next(line for line in lines if "Hardcover budget" in line)
    assert re.search(r"[\d,]+ of 5,000 requests left today", budget)


@pytest.mark.parametrize(
    ("setting", "service", "variable"),
    [("abs_key", "ABS", "SHELFMATCH_ABS_API_KEY"), ("hc_token", "Hardcover", "SHELFMATCH_HARDCOVER_TOKEN")],
)
def test_a_wrong_secret_is_one_clear_failed_line_and_a_non_zero_exit(configure, setting, service, variable):
    configure(**{setting: "not-the-secret"})
    code, lines = run_doctor()
    assert code != 0
    [line] = failed(lines)
    assert service in line and variable in line
    assert "not-the-secret" not in "\n".join(lines)  # secrets never printed


def test_a_missing_asr_model_is_one_clear_failed_line_and_a_non_zero_exit(configure, tmp_path):
    configure(asr_model_path=str(tmp_path / "no-model-here"))
    code, lines = run_doctor()
    assert code != 0
    [line] = failed(lines)
    assert "ASR model" in line and "SHELFMATCH_ASR_MODEL_PATH" in line


def test_an_unreachable_abs_server_names_the_url(configure, monkeypatch):
    configure()
    monkeypatch.setenv("SHELFMATCH_ABS_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    code, lines = run_doctor()
    assert code != 0
    [line] = failed(lines)
    assert "127.0.0.1:9" in line and "SHELFMATCH_ABS_URL" in line


def test_a_warehouse_locked_by_a_running_sync_is_one_clear_failed_line(configure, tmp_path, warehouse_locked):
    db = tmp_path / "busy.duckdb"
    configure(duckdb_path=str(db))
    with warehouse_locked(db) as holder:
        code, lines = run_doctor()
    assert code != 0
    [line] = failed(lines)
    assert "DuckDB" in line and "locked by" in line and f"PID {holder.pid}" in line
