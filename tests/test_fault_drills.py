"""Fault drills (emulators/drills.py, emulators/bad_input.py) as tests: the product's real flows
against the ABS emulator behind the fault-injecting proxy, the Hardcover client through it, and the
real CLI on bad input.

Every write drill asserts on the emulator's state and the warehouse: nothing lost, nothing written
twice, nothing written to an item that changed in ABS, every field's journal settled, and a rollback
(itself under a fault) that puts back every item byte for byte.
"""

from __future__ import annotations

import pytest

from emulators import bad_input, drills
from emulators.abs import fixture_items, run_abs_emulator

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


@pytest.mark.parametrize("name", list(drills.WRITE_DRILLS))
def test_write_drill(name, tmp_path):
    result = drills.WRITE_DRILLS[name](tmp_path)
    assert result.double_writes == 0, result.notes
    assert result.lost_writes == 0, result.notes
    assert result.stale_writes == 0, result.notes
    assert result.rollback_exact, result.notes
    assert result.passed, result.notes


def test_hardcover_throttling_errors_and_resets_are_retried_by_the_same_policy(tmp_path):
    result = drills.hardcover_drill(tmp_path)
    assert result.passed, result.notes


@pytest.fixture(scope="module")
def answering_abs():
    with run_abs_emulator(fixture_items(), api_key=drills.API_KEY) as emu:
        yield emu


@pytest.mark.parametrize("index", range(12))
def test_bad_input_is_one_line_and_no_traceback(index, tmp_path, answering_abs):
    case = bad_input.bad_input_cases(tmp_path, answering_abs.url)[index]
    outcome = bad_input.run_bad_input(case)
    assert outcome.tracebacks == 0, (case.name, outcome)
    assert outcome.exit_code == 1 and outcome.error_lines == 1 and outcome.named, (case.name, outcome)


def test_a_wrong_abs_key_in_writeback_apply_is_one_line(tmp_path):
    with drills.world(tmp_path / "w") as w:
        env = {
            "SHELFMATCH_ABS_URL": w.proxy.url,
            "SHELFMATCH_DUCKDB_PATH": str(w.db),
            "SHELFMATCH_LOG_FILE": str(tmp_path / "shelfmatch.log"),
        }
        outcome = bad_input.wrong_key_writeback(env)
        untouched = drills.metadata(w.emu) == w.original
    assert outcome.ok, outcome
    assert untouched


def test_no_sql_statement_gets_past_the_read_only_connection(tmp_path):
    count, broken = bad_input.sql_bypasses(tmp_path)
    assert count == 0, broken
