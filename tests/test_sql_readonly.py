"""`shelfmatch sql` cannot change the warehouse or any file, whatever the statement tries.

Each attempt runs through the real command on a real warehouse file with rows in `matches`; after
it, the rows are all there and no file appeared next to the warehouse.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from emulators.bad_input import SQL_BYPASSES
from flows.cli import app
from tasks.warehouse import connect

BYPASSES = SQL_BYPASSES


@pytest.fixture
def warehouse(tmp_path):
    db = tmp_path / "wh" / "shelfmatch.duckdb"
    with connect(db) as con:
        con.execute(
            "INSERT INTO matches (item_id, run_id, book_id, confidence, tier, scored_at) "
            "SELECT 'li-' || i, 'r', i, 0.9, 'pending', now() FROM range(5) t(i)"
        )
    return db


def matches(db) -> int:
    with connect(db, read_only=True) as con:
        return con.execute("SELECT count(*) FROM matches").fetchone()[0]


@pytest.mark.parametrize("name", list(BYPASSES))
def test_a_statement_that_would_write_is_refused_and_nothing_changes(warehouse, name):
    folder = warehouse.parent
    sql = BYPASSES[name].format(
        db=warehouse,
        other=folder / "other.duckdb",
        out=folder / "out.csv",
        outdir=folder / "export",
        dir=folder,
    )
    before = sorted(p.name for p in folder.iterdir())
    result = CliRunner().invoke(app, ["sql", "--db", str(warehouse), sql])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert matches(warehouse) == 5
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_select_still_works_on_the_locked_connection(warehouse):
    result = CliRunner().invoke(app, ["sql", "--db", str(warehouse), "--format", "csv", "FROM matches"])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 6


def test_a_corrupt_warehouse_file_is_one_line_naming_the_file(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a duckdb file" * 400)
    result = CliRunner().invoke(app, ["sql", "--db", str(bad), "SELECT 1"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert str(bad) in result.output and "SHELFMATCH_DUCKDB_PATH" in result.output
