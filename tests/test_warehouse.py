import subprocess
import sys

import duckdb
import pytest

from tasks.warehouse import WarehouseLocked, WarehouseUnreadable, connect, migrate, record_error, run_record


def test_migrations_apply_once_and_are_idempotent(db_path):
    with connect(db_path) as con:
        applied = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
        assert "001_core" in applied and "002_abs" in applied
        assert migrate(con) == []  # second pass applies nothing
        tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"runs", "errors", "abs_items", "item_evidence", "hc_requests", "candidates", "matches"} <= tables


def _run_row(db_path, run_id: str) -> tuple[str, str | None, str | None]:
    """A run's `runs` row as recorded: status, counts, message."""
    with connect(db_path) as con:
        return con.execute("SELECT status, counts, message FROM runs WHERE run_id = ?", [run_id]).fetchone()


def test_run_record_marks_completed_with_counts(db_path):
    with run_record(db_path, "extract_abs", {"library": "x"}) as rec:
        rec.count("items_seen", 3)
    status, counts, _ = _run_row(db_path, rec.run_id)
    assert status == "completed" and '"items_seen": 3' in counts


def test_run_record_marks_failed_and_keeps_the_reason(db_path):
    with pytest.raises(ValueError), run_record(db_path, "score") as rec:
        raise ValueError("boom")
    status, _, message = _run_row(db_path, rec.run_id)
    assert status == "failed" and "boom" in message


def test_record_error_row(db_path):
    with connect(db_path) as con:
        record_error(con, "r1", "extract_abs", "li_1", "malformed_item", "media is missing")
        assert con.execute("SELECT kind, message FROM errors").fetchall() == [
            ("malformed_item", "media is missing")
        ]


def test_a_second_process_gets_a_clear_lock_message(db_path):
    with connect(db_path):
        code = (
            "import sys\nfrom tasks.warehouse import connect, WarehouseLocked\n"
            f"try:\n    connect({str(db_path)!r}).__enter__()\n"
            "except WarehouseLocked as e:\n    print(e); sys.exit(3)\n"
        )
        from tasks.warehouse import SQL_DIR

        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=SQL_DIR.parent
        )
    assert proc.returncode == 3, proc.stderr
    assert "is locked by" in proc.stdout and "PID" in proc.stdout and "SHELFMATCH_DUCKDB_PATH" in proc.stdout


def test_lock_error_is_not_swallowed_for_other_io_errors(tmp_path):
    bad = tmp_path / "not-a-db.duckdb"
    bad.write_text("this is not a duckdb file")
    with pytest.raises(WarehouseUnreadable) as info:
        connect(bad).__enter__()
    assert not isinstance(info.value, WarehouseLocked)
    assert str(bad) in str(info.value) and isinstance(info.value.__cause__, duckdb.Error)
