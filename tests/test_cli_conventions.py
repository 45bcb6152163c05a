"""One option name per idea across commands (old names still parse, hidden), shell completion, and
`sql` tables that never cut a value to "…"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import typer
from typer.testing import CliRunner

from flows.cli import app

ROOT = Path(__file__).resolve().parent.parent
COMMAND = typer.main.get_command(app)


def visible_options(name: str) -> set[str]:
    command = COMMAND.commands[name]
    return {opt for p in command.params if not getattr(p, "hidden", False) for opt in p.opts}


def parsed(name: str, args: list[str]) -> dict:
    return COMMAND.commands[name].make_context(name, args).params


@pytest.mark.parametrize(
    ("command", "canonical", "old"),
    [
        ("sync", "--library", None),
        ("extract", "--library", "--library-id"),
        ("score", "--item", "--item-id"),
        ("writeback", "--item", "--items"),
        ("rollback", "--item", "--items"),
    ],
)
def test_one_name_per_idea_and_the_old_name_still_parses_hidden(command, canonical, old):
    shown = visible_options(command)
    assert canonical in shown
    assert not shown & {"--library-id", "--item-id", "--items"}
    if old is not None:
        params = parsed(command, [canonical, "a", old, "b"])
        given = [v for values in params.values() if isinstance(values, tuple | list) for v in values]
        assert given == ["a", "b"]


def test_every_command_names_its_warehouse_db():
    for name in ("sync", "extract", "score", "review", "approve", "reject", "writeback", "rollback",
                 "serve", "sql", "report"):  # fmt: skip
        assert "--db" in visible_options(name), name


def test_ids_given_under_an_option_and_its_alias_are_merged_once_each():
    from flows.cli_options import merged

    assert merged(["a", "b"], ["b", "c"]) == ["a", "b", "c"]
    assert merged(None, []) is None


def test_shell_completion_is_offered_and_completes_commands_and_options():
    # Typer finds the shell from the process's ancestors (shellingham), so the script is asked for from a
    # real bash, as a person would: the test then holds however pytest itself was started.
    script = str(Path(sys.executable).parent / "shelfmatch")  # the installed script, as a shell runs it
    shown = subprocess.run(
        # (`; exit $?` keeps bash alive as the parent: a lone command would be exec'd in its place)
        ["bash", "-c", f"'{script}' --show-completion; exit $?"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0 and "_SHELFMATCH_COMPLETE=complete_bash" in shown.stdout, shown.stderr
    env = {**os.environ, "_SHELFMATCH_COMPLETE": "complete_bash"}
    words = {"shelfmatch sy": 1, "shelfmatch rollback --it": 2}
    answers = []
    for line, cword in words.items():
        done = subprocess.run(
            [script],
            cwd=ROOT,
            env={**env, "COMP_WORDS": line, "COMP_CWORD": str(cword)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        answers.append(done.stdout.split())
    assert answers == [["sync"], ["--item"]]


WIDE_ROW = (
    "SELECT 'The Way of Kings' AS title, 'Brandon Sanderson' AS author, "
    "'Michael Kramer, Kate Reading' AS narrators, 'The Stormlight Archive' AS series, 1 AS position, "
    "'B003ZWFO7E' AS asin, 0.9971 AS confidence, 'pending' AS tier, 'series_position' AS capped_by, "
    "'Tor' AS publisher, 2010 AS year, 'en' AS language, 'Fantasy' AS genre"
)
VALUES = ["The Way of Kings", "Brandon Sanderson", "Michael Kramer, Kate Reading", "series_position"]


@pytest.fixture
def empty_db(tmp_path):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    return path


def test_a_wide_sql_table_in_a_pipe_keeps_every_value_whole_on_one_line(empty_db):
    result = CliRunner().invoke(app, ["sql", "--db", str(empty_db), WIDE_ROW], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    [row] = [line for line in result.output.splitlines() if "The Way of Kings" in line]
    assert all(value in row for value in VALUES)


def test_a_table_narrower_than_its_rows_wraps_values_instead_of_cutting_them(empty_db):
    query = "SELECT 'The Way of Kings' AS title, 'Brandon Sanderson' AS author, 'Michael Kramer' AS narrator"
    result = CliRunner().invoke(
        app, ["sql", "--db", str(empty_db), "--width", "40", query], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 40
    cells = [cell.strip() for line in result.output.splitlines() for cell in line.split("│")]
    assert {"Brandon", "Sanderson", "Michael", "Kramer"} <= set(cells)


def test_the_cli_modules_add_their_commands_one_way_and_cite_no_issue_numbers():
    import re

    cli = (ROOT / "flows" / "cli.py").read_text()
    assert "noqa: E402" not in cli and "@app.command" not in cli
    for path in sorted((ROOT / "flows").glob("*.py")):
        assert not re.search(r"(?i)issue [0-9]", path.read_text()), path.name
