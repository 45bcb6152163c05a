"""`shelfmatch sql` and `shelfmatch report` over the demo-sized warehouse (read-only, never a write)."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from flows.cli import app

pytestmark = pytest.mark.flow

WIDE = {"COLUMNS": "250"}


@pytest.fixture
def warehouse(demo_warehouse, tmp_path):
    """A private copy, so a test that locks or opens it cannot disturb the others."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_warehouse.db_path, copy)
    return copy


def run(*args):
    return CliRunner().invoke(app, list(args), env=WIDE)


def test_sql_prints_a_table_of_the_result(warehouse):
    result = run(
        "sql",
        "--db",
        str(warehouse),
        "SELECT tier, count(*) AS items FROM item_overview GROUP BY tier ORDER BY tier",
    )
    assert result.exit_code == 0, result.output
    assert "tier" in result.output and "items" in result.output
    assert "auto" in result.output


def test_sql_runs_an_analysis_file_and_reports_truncation(warehouse):
    result = run("sql", "--db", str(warehouse), "--limit", "2", "SELECT * FROM item_overview")
    assert result.exit_code == 0
    assert "2 rows (more rows" in result.output
    result = run("sql", "--db", str(warehouse), "sql/analysis/authors_missing_narrators.sql")
    assert result.exit_code == 0, result.output
    assert "without_narrator" in result.output


def test_sql_csv_output_has_a_header_and_one_line_per_row(warehouse):
    result = run(
        "sql", "--db", str(warehouse), "--format", "csv", "SELECT item_id, tier FROM item_overview LIMIT 3"
    )
    lines = result.output.strip().splitlines()
    assert lines[0] == "item_id,tier" and len(lines) == 4


def test_sql_is_read_only_a_write_is_refused_and_changes_nothing(warehouse):
    import duckdb

    before = (
        duckdb.connect(str(warehouse), read_only=True).execute("SELECT count(*) FROM abs_items").fetchall()
    )
    result = run("sql", "--db", str(warehouse), "DELETE FROM abs_items")
    assert result.exit_code == 1
    assert "read-only" in result.output
    after = (
        duckdb.connect(str(warehouse), read_only=True).execute("SELECT count(*) FROM abs_items").fetchall()
    )
    assert before == after and before[0][0] > 0


def test_sql_says_the_warehouse_is_locked_while_another_process_writes(warehouse, warehouse_locked):
    with warehouse_locked(warehouse) as holder:
        result = run("sql", "--db", str(warehouse), "SELECT 1")
    assert result.exit_code == 1
    assert "locked by" in result.output and f"PID {holder.pid}" in result.output


def test_serve_on_a_locked_warehouse_says_so_once(warehouse, warehouse_locked):
    with warehouse_locked(warehouse):
        result = run("serve", "--db", str(warehouse))
    assert result.exit_code == 1
    assert result.output.count("locked by") == 1, result.output


def test_sql_on_a_missing_file_says_to_run_sync_first(tmp_path):
    result = run("sql", "--db", str(tmp_path / "nothing.duckdb"), "SELECT 1")
    assert result.exit_code == 1
    assert "shelfmatch sync" in result.output


def test_report_writes_html_with_three_inline_charts(warehouse, tmp_path):
    out = tmp_path / "report.html"
    result = run("report", "--db", str(warehouse), "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count("<svg") == 3
    for chart in ("items by tier", "confidence histogram", "metadata coverage"):
        assert f"data-chart='{chart}'" in page
    assert "Review next" in page and "Series with gaps" in page


def test_demo_refuses_a_file_that_may_be_a_real_warehouse(tmp_path):
    real = tmp_path / "shelfmatch.duckdb"
    real.write_bytes(b"not to be touched")
    result = run("demo", "--quick", "--db", str(real))
    assert result.exit_code != 0
    assert "refusing" in result.output
    assert real.read_bytes() == b"not to be touched"


def test_sync_command_reports_a_failed_step_in_one_line_and_exits_non_zero(
    prefect_harness, db_path, monkeypatch
):
    monkeypatch.setenv("SHELFMATCH_ABS_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("SHELFMATCH_ABS_API_KEY", "k")
    monkeypatch.setenv("SHELFMATCH_ABS_RETRIES", "0")
    monkeypatch.setenv("SHELFMATCH_HARDCOVER_TOKEN", "t")
    result = run("sync", "--skip-listen", "--db", str(db_path))
    assert result.exit_code == 1
    assert "sync failed" in result.output and "extract" in result.output and "127.0.0.1:9" in result.output


def test_sql_csv_lines_end_in_a_newline_not_crlf(warehouse):
    result = run(
        "sql", "--db", str(warehouse), "-f", "csv", "SELECT item_id, tier FROM item_overview LIMIT 3"
    )
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes  # `output` turns CRLF into LF itself
    assert b"\r" not in raw and raw.count(b"\n") == 4


def test_sql_refuses_an_unknown_format_in_one_line(warehouse):
    result = run("sql", "--db", str(warehouse), "-f", "xml", "SELECT 1")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "unknown format 'xml': use table, csv, json" in lines[0], result.output
    assert "Traceback" not in result.output
