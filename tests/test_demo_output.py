"""What `shelfmatch demo` prints after its run, read as a new user would: every suggested command runs
as printed, the first one is readable at 80 columns, and the numbers say where to look."""

from __future__ import annotations

import io
import shlex
import shutil

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from flows.cli import app

pytestmark = pytest.mark.flow


@pytest.fixture
def demo_copy(demo_warehouse, tmp_path):
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_warehouse.db_path, copy)
    return copy


def shown(demo_warehouse, db) -> str:
    """What run_demo prints after the sync and the dry run, section by section in its order."""
    from tasks.demo import _accuracy, _plan_sample, _show_next, _show_plan, _show_sync, _show_tiers
    from tasks.settings import get_settings

    plan = demo_warehouse.results["writeback_dry_run"]
    accuracy = _accuracy(db, demo_warehouse.truth)
    out = io.StringIO()
    console = Console(file=out, width=100)
    _show_tiers(console, accuracy, get_settings())
    _show_sync(console, demo_warehouse.results["sync"], accuracy, db)
    _show_plan(console, plan, _plan_sample(db, plan["run_id"]))
    _show_next(console, db, 12.0)
    return out.getvalue()


def suggestions(text: str) -> list[list[str]]:
    after = text.split("Try next:", 1)[1].splitlines()
    return [shlex.split(line, comments=True) for line in after if line.startswith("  ")]


def test_every_suggestion_runs_as_printed_after_make_demo(demo_warehouse, demo_copy):
    commands = suggestions(shown(demo_warehouse, demo_copy))
    assert commands and all(c[:2] == ["uv", "run"] for c in commands)
    group = typer.main.get_command(app)
    for command in commands:
        assert command[2] == "shelfmatch", command
        args = command[3:]
        if args[0] in ("review", "serve"):  # interactive / a server: their options must parse
            group.commands[args[0]].make_context(args[0], args[1:])
            continue
        result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
        assert result.exit_code == 0, (command, result.output)


def test_the_first_suggestion_is_readable_at_80_columns(demo_warehouse, demo_copy):
    [first, *_] = suggestions(shown(demo_warehouse, demo_copy))
    result = CliRunner().invoke(app, first[3:], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    header = next(line for line in result.output.splitlines() if "abs_title" in line)
    assert "hc_title" in header and "confidence" in header and "capped_by" in header


def test_the_library_the_tiers_and_the_numbers_are_explained(demo_warehouse, demo_copy):
    from tasks.demo import library_line, where_to_look
    from tasks.settings import get_settings

    line = library_line(demo_warehouse.truth)
    assert "{" not in line and f"{len(demo_warehouse.truth)} generated items" in line
    text = shown(demo_warehouse, demo_copy)
    settings = get_settings()
    assert f"auto: confidence ≥ {settings.auto_threshold}" in text and "capped_by" in text and "0.997" in text
    # Errors and other rejects name the query that shows them, and that query runs.
    hints = where_to_look(demo_copy, {"errors": 2}, {"reject": (5, 3)})
    assert len(hints) == 2
    for hint in hints:
        command = shlex.split(hint.split(": ", 1)[1])
        assert command[:3] == ["uv", "run", "shelfmatch"]
        result = CliRunner().invoke(app, command[3:], env={"COLUMNS": "80"})
        assert result.exit_code == 0, (hint, result.output)
