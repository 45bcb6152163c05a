"""`shelfmatch writeback` / `rollback` from the command line, against the ABS emulator."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.extract import extract_abs
from tasks.warehouse import connect
from tests.writeback_data import library_fixture, metadata_json, writes  # noqa: F401

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
runner = CliRunner()


def last_run(db_path, flow: str) -> tuple[str, str]:
    with connect(db_path) as con:
        return con.execute(
            "SELECT run_id, status FROM runs WHERE flow = ? ORDER BY started_at DESC LIMIT 1", [flow]
        ).fetchone()


def test_writeback_shows_the_plan_by_default_applies_with_apply_and_rollback_undoes_it(library, db_path):
    emu, by_title, _ = library
    extract_abs(db_path=str(db_path))
    original = metadata_json(emu)

    dry = runner.invoke(app, ["writeback"])
    assert dry.exit_code == 0, dry.output
    assert "writeback plan" in dry.output and "nothing was written" in dry.output
    assert "update" in dry.output and "field change(s) on 6 item(s)" in dry.output
    assert writes(emu) == [] and metadata_json(emu) == original

    applied = runner.invoke(app, ["writeback", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert '"verified":' in applied.output and '"mismatch": 0' in applied.output
    run_id, status = last_run(db_path, "writeback")
    assert status == "completed" and metadata_json(emu) != original

    undone = runner.invoke(app, ["rollback", "--run", run_id])
    assert undone.exit_code == 0, undone.output
    assert "0 conflict(s)" in undone.output
    assert metadata_json(emu) == original


def test_a_dead_abs_gives_a_message_that_says_how_to_resume(library, db_path, monkeypatch):
    emu, _, _ = library
    extract_abs(db_path=str(db_path))
    monkeypatch.setenv("SHELFMATCH_ABS_RETRIES", "0")
    emu.drop_paths = ("/api/",)
    result = runner.invoke(app, ["writeback", "--apply"])
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert text.startswith("✗ Stopped: ABS at") and "approved items left" in text
    assert "re-run `shelfmatch writeback --apply` to resume" in text


def test_rollback_needs_to_be_told_what_to_undo(db_path):
    result = runner.invoke(app, ["rollback"])
    assert result.exit_code == 2
    assert "--run" in result.output


def test_rolling_back_a_run_with_no_writes_says_there_is_nothing_to_undo(db_path, abs_server, abs_settings):
    abs_settings(abs_server())
    result = runner.invoke(app, ["rollback", "--run", "no-such-run"])
    assert result.exit_code == 0, result.output
    assert "Nothing to undo" in result.output
