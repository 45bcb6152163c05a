"""Bad input through the real command line, and writes through `shelfmatch sql`: the drills that
count tracebacks on the terminal and statements that get past the read-only connection.

`bad_input_cases()` are bad settings and files, each with the command it breaks; `run_bad_input()`
runs one through `python -m flows.cli` in a subprocess and counts "Traceback" and failure lines;
`sql_bypasses()` tries every statement of `SQL_BYPASSES` on a real warehouse. Shared by
tests/test_fault_drills.py, tests/test_sql_readonly.py and bench/faults.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from emulators.drills import API_KEY, ROOT


@dataclass
class CliCase:
    name: str
    args: list[str]
    env: dict[str, str]
    expect: str  # a piece of the one line it must print


def cli(args: list[str], env: dict[str, str], *, inherit_prefect: bool = True) -> subprocess.CompletedProcess:
    """The real `shelfmatch` in a subprocess, run from the checkout, with `env` over this process's
    environment less its SHELFMATCH_ settings. With `inherit_prefect` it keeps this process's PREFECT_
    settings and uses its Prefect API when there is one; without, no PREFECT_ variable but `env`'s reaches it."""
    dropped = ("SHELFMATCH_",) if inherit_prefect else ("SHELFMATCH_", "PREFECT_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    if inherit_prefect and "prefect" in sys.modules:
        from prefect.settings import PREFECT_API_URL

        if PREFECT_API_URL.value():
            base["PREFECT_API_URL"] = PREFECT_API_URL.value()
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=ROOT,
        env={**base, "COLUMNS": "100", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def bad_input_cases(tmp: Path, abs_url: str) -> list[CliCase]:
    """Bad settings and files, each with the command it breaks (`abs_url`: an ABS that answers)."""
    from tasks.warehouse import connect

    tmp.mkdir(parents=True, exist_ok=True)
    db = str(tmp / "bad-input.duckdb")
    with connect(db):
        pass  # an empty warehouse, for the commands that read one
    corrupt = tmp / "corrupt.duckdb"
    corrupt.write_bytes(b"not a duckdb file\x00" * 512)
    ok = {"SHELFMATCH_ABS_URL": abs_url, "SHELFMATCH_ABS_API_KEY": API_KEY, "SHELFMATCH_DUCKDB_PATH": db,
          "SHELFMATCH_LOG_FILE": str(tmp / "shelfmatch.log")}  # fmt: skip
    return [
        CliCase(
            "abs url not a url", ["extract"], {**ok, "SHELFMATCH_ABS_URL": "not-a-url"}, "SHELFMATCH_ABS_URL"
        ),
        CliCase(
            "abs url not a url (doctor)",
            ["doctor"],
            {**ok, "SHELFMATCH_ABS_URL": "not-a-url"},
            "SHELFMATCH_ABS_URL",
        ),
        CliCase(
            "timeout not a number",
            ["extract"],
            {**ok, "SHELFMATCH_ABS_TIMEOUT_SECONDS": "soon"},
            "SHELFMATCH_ABS_TIMEOUT_SECONDS",
        ),  # fmt: skip
        CliCase(
            "timeout not a number (sql)",
            ["sql", "SELECT 1"],
            {**ok, "SHELFMATCH_ABS_TIMEOUT_SECONDS": "soon"},
            "SHELFMATCH_ABS_TIMEOUT_SECONDS",
        ),  # fmt: skip
        CliCase(
            "unknown writeback policy",
            ["writeback"],
            {**ok, "SHELFMATCH_WRITEBACK_POLICY": '{"title": "sometimes"}'},
            "SHELFMATCH_WRITEBACK_POLICY",
        ),  # fmt: skip
        CliCase(
            "writeback policy not json",
            ["writeback"],
            {**ok, "SHELFMATCH_WRITEBACK_POLICY": "title=overwrite"},
            "SHELFMATCH_WRITEBACK_POLICY",
        ),  # fmt: skip
        CliCase("unknown library id", ["extract"], {**ok, "SHELFMATCH_ABS_LIBRARY_IDS": "lib_x"}, "'lib_x'"),
        CliCase(
            "wrong abs key", ["extract"], {**ok, "SHELFMATCH_ABS_API_KEY": "wrong"}, "SHELFMATCH_ABS_API_KEY"
        ),
        CliCase("corrupt warehouse (sql)", ["sql", "--db", str(corrupt), "SELECT 1"], ok, str(corrupt)),
        CliCase("corrupt warehouse (extract)", ["extract", "--db", str(corrupt)], ok, str(corrupt)),
        CliCase("write through sql", ["sql", "DELETE FROM runs"], ok, "read-only"),
        CliCase(
            "abs down",
            ["extract"],
            {**ok, "SHELFMATCH_ABS_URL": "http://127.0.0.1:9", "SHELFMATCH_ABS_RETRIES": "1"},
            "Cannot reach ABS",
        ),  # fmt: skip
    ]


@dataclass
class CliOutcome:
    case: str
    exit_code: int
    tracebacks: int
    error_lines: int
    named: bool

    @property
    def ok(self) -> bool:
        return self.exit_code == 1 and self.tracebacks == 0 and self.error_lines == 1 and self.named


def run_bad_input(case: CliCase) -> CliOutcome:
    done = cli(case.args, case.env)
    text = done.stdout + done.stderr
    return CliOutcome(
        case.name, done.returncode, text.count("Traceback"), _failure_lines(text), case.expect in text
    )


def _failure_lines(text: str) -> int:
    """Lines that report a failure (the red ✗ line); retry warnings may come before it."""
    return sum(1 for line in text.splitlines() if line.lstrip().startswith("✗"))


def wrong_key_writeback(env: dict[str, str]) -> CliOutcome:
    """`writeback --apply` with a wrong ABS key over a warehouse with approved items (the key is only used then)."""
    done = cli(["writeback", "--apply"], {**env, "SHELFMATCH_ABS_API_KEY": "wrong-key"})
    text = done.stdout + done.stderr
    return CliOutcome(
        "wrong abs key (writeback --apply)",
        done.returncode,
        text.count("Traceback"),
        _failure_lines(text),
        "SHELFMATCH_ABS_API_KEY" in text and "wrong-key" not in text,
    )


# --- shelfmatch sql ----------------------------------------------------------------------------------------

SQL_BYPASSES = {
    "plain delete": "DELETE FROM matches",
    "attach, use, detach, re-attach read-write": (
        "ATTACH '{other}' AS other (READ_WRITE); USE other; DETACH warehouse; "
        "ATTACH '{db}' AS w (READ_WRITE); DELETE FROM w.matches"
    ),
    "attach the warehouse again read-write": "ATTACH '{db}' AS w (READ_WRITE)",
    "attach a new file": "ATTACH '{other}' AS other",
    "attach in memory": "ATTACH ':memory:' AS m",
    "copy to a file": "COPY (SELECT * FROM matches) TO '{out}'",
    "copy a table": "COPY matches TO '{out}' (FORMAT csv)",
    "export the database": "EXPORT DATABASE '{outdir}'",
    "turn read-write back on": "SET access_mode = 'READ_WRITE'",
    "turn file access back on": "SET enable_external_access = true",
    "a pragma that writes": "PRAGMA enable_profiling = 'json'",
    "install an extension": "INSTALL httpfs",
    "load an extension": "LOAD httpfs",
    "a temp table": "CREATE TEMP TABLE t AS SELECT * FROM matches",
    "a macro": "CREATE MACRO m() AS 1",
    "a checkpoint": "CHECKPOINT",
    "a select then a delete": "SELECT 1; DELETE FROM matches",
    "read a file": "SELECT * FROM read_csv('/etc/passwd')",
    "list files": "SELECT * FROM glob('{dir}/*')",
}


def sql_bypasses(tmp: Path) -> tuple[int, list[str]]:
    """Each bypass through the real `shelfmatch sql` on a real warehouse: how many changed the warehouse or
    wrote a file (and which)."""
    from typer.testing import CliRunner

    from flows.cli import app
    from tasks.warehouse import connect

    folder = tmp / "sql-bypasses"
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "shelfmatch.duckdb"
    with connect(db) as con:
        con.execute(
            "INSERT INTO matches (item_id, run_id, book_id, confidence, tier, scored_at) "
            "SELECT 'li-' || i, 'r', i, 0.9, 'pending', now() FROM range(5) t(i)"
        )
    broken = []
    for name, template in SQL_BYPASSES.items():
        sql = template.format(
            db=db, other=folder / "other.duckdb", out=folder / "out.csv", outdir=folder / "export", dir=folder
        )
        before = sorted(p.name for p in folder.iterdir())
        result = CliRunner().invoke(app, ["sql", "--db", str(db), sql])
        with connect(db, read_only=True) as con:
            rows = con.execute("SELECT count(*) FROM matches").fetchone()[0]
        if result.exit_code == 0 or rows != 5 or sorted(p.name for p in folder.iterdir()) != before:
            broken.append(name)
    return len(broken), broken
