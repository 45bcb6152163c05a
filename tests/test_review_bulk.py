"""Bulk approve/reject asks first: approving reject-tier items, or deciding more than
SHELFMATCH_CONFIRM_BULK_OVER items, is recorded only when confirmed on a terminal or with --yes."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.warehouse import connect
from tests.test_review import decisions, pending_library  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
REJECTS = "tier = 'reject' AND book_id IS NOT NULL"
runner = CliRunner()


@pytest.fixture
def demo_copy(demo_warehouse, tmp_path) -> Path:
    """A private copy of the session's demo warehouse (scored by the real sync flow), to decide in."""
    db = tmp_path / "demo-copy.duckdb"
    shutil.copy(demo_warehouse.db_path, db)
    return db


def counts_from(text: str) -> tuple[int, int, int]:
    found = re.search(r"approve (\d+) item\(s\): (\d+) reject-tier, (\d+) distractor-like", text)
    assert found, text
    return tuple(int(g) for g in found.groups())


def rule_counts(db) -> tuple[int, int, int]:
    """The documented rule, restated in SQL: neither title nor author exact/close, no identifier hit."""
    with connect(db) as con:
        return con.execute(
            f"""
            SELECT count(*), count(*) FILTER (WHERE tier = 'reject'),
                   count(*) FILTER (WHERE coalesce(explanation->>'$.title.level', '') NOT IN ('exact', 'close')
                                      AND coalesce(explanation->>'$.author.level', '') NOT IN ('exact', 'close')
                                      AND coalesce(explanation->>'$.identifier.level', '') NOT IN ('asin', 'isbn'))
            FROM matches WHERE {REJECTS}
            """
        ).fetchone()


@pytest.mark.flow
def test_approving_reject_tier_items_in_bulk_is_refused_without_yes_and_recorded_with_it(demo_copy):
    rows, rejects, distractors = rule_counts(demo_copy)
    assert rows == rejects > 0 and distractors > 0  # the scored demo library has distractors among them
    before = decisions_in(demo_copy)  # the demo approved one pending item

    refused = runner.invoke(app, ["approve", "--where", REJECTS, "--db", str(demo_copy)])
    assert refused.exit_code == 1
    assert len(refused.output.strip().splitlines()) == 1, refused.output
    assert counts_from(refused.output) == (rows, rejects, distractors)
    assert "Nothing recorded" in refused.output and "--yes" in refused.output
    assert decisions_in(demo_copy) == before

    confirmed = runner.invoke(app, ["approve", "--where", REJECTS, "--yes", "--db", str(demo_copy)])
    assert confirmed.exit_code == 0, confirmed.output
    assert f"approved {rows} item(s)" in confirmed.output
    assert decisions_in(demo_copy) == before + rows


@pytest.mark.usefixtures("pending_library")
def test_deciding_more_items_than_the_setting_needs_confirmation_a_few_do_not(db_path, monkeypatch):
    monkeypatch.setenv("SHELFMATCH_CONFIRM_BULK_OVER", "3")
    for decision in ("approve", "reject"):
        refused = runner.invoke(app, [decision, "--where", "true"])
        assert refused.exit_code == 1
        assert f"Nothing recorded: {decision} 5 item(s): 0 reject-tier, 0 distractor-like" in refused.output
        assert decisions(db_path) == {}

    few = runner.invoke(app, ["approve", "li_1", "li_2", "li_3"])
    assert few.exit_code == 0, few.output
    assert sorted(decisions(db_path)) == ["li_1", "li_2", "li_3"]
    many = runner.invoke(app, ["reject", "--where", "true", "-y", "--by", "bo"])
    assert many.exit_code == 0, many.output
    assert {d["decision"] for d in decisions(db_path).values()} == {"reject"}
    assert len(decisions(db_path)) == 5


@pytest.mark.flow
def test_on_a_terminal_it_asks_and_records_only_a_yes(demo_copy):
    rows, rejects, distractors = rule_counts(demo_copy)
    before = decisions_in(demo_copy)

    said_no = run_on_terminal(["approve", "--where", REJECTS, "--db", str(demo_copy)], answer="n")
    assert said_no.returncode == 1
    assert counts_from(said_no.output) == (rows, rejects, distractors)
    assert "Record? [y/N]" in said_no.output and "not confirmed" in said_no.output
    assert decisions_in(demo_copy) == before

    said_yes = run_on_terminal(["approve", "--where", REJECTS, "--db", str(demo_copy)], answer="y")
    assert said_yes.returncode == 0, said_yes.output
    assert f"approved {rows} item(s)" in said_yes.output
    assert decisions_in(demo_copy) == before + rows


def decisions_in(db) -> int:
    with connect(db) as con:
        return con.execute("SELECT count(*) FROM review_decisions").fetchone()[0]


class Ran:
    def __init__(self, returncode: int, output: str):
        self.returncode, self.output = returncode, output


def run_on_terminal(args: list[str], answer: str, limit_seconds: float = 120) -> Ran:
    """`shelfmatch <args>` in a child process on a pseudo-terminal; types `answer` at its prompt."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    out, answered, deadline = b"", False, time.monotonic() + limit_seconds
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            if not answered and b"Record?" in out:
                os.write(leader, answer.encode() + b"\n")
                answered = True
            if proc.poll() is not None and not ready:
                break
        else:
            proc.kill()
            raise AssertionError(f"no answer from the command in {limit_seconds}s: {out!r}")
    finally:
        os.close(leader)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode(errors="replace"))  # colours
    return Ran(proc.wait(), " ".join(text.split()))
