"""After kill -9 of the command line: its Prefect API process goes too, and the next run marks the run crashed.

The real CLI runs in a subprocess with no PREFECT_API_URL (so it starts its own local API), against
the ABS emulator slowed down so the kill lands mid-extract.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.warehouse import connect, process_started, run_record

ROOT = Path(__file__).resolve().parent.parent


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, what: str, limit: float = 180.0) -> None:
    """Poll until `condition()` (a bound on a hang, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_cli_takes_its_prefect_api_along_and_the_next_run_marks_the_run_crashed(
    abs_server, tmp_path
):
    emu = abs_server(delay_seconds=2.0)
    db = tmp_path / "warehouse.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SHELFMATCH_"))} | {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "SHELFMATCH_ABS_URL": emu.url,
        "SHELFMATCH_ABS_API_KEY": "test-key",
        "SHELFMATCH_DUCKDB_PATH": str(db),
        "SHELFMATCH_LOG_FILE": str(tmp_path / "shelfmatch.log"),
    }
    cli = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "extract"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: emu.request_log or cli.poll() is not None, "the extract to reach ABS")
        assert cli.poll() is None, "the extract ended before it could be killed"
        servers = [p for p in children(cli.pid) if b"uvicorn" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert servers, "the CLI runs its local Prefect API as a child"
        cli.send_signal(signal.SIGKILL)
        cli.wait()
        wait_for(lambda: not any(alive(p) for p in servers), "the Prefect API process to end")
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()

    with connect(db) as con:
        (status, pid, host, started) = con.execute(
            "SELECT status, pid, host, pid_started FROM runs WHERE flow = 'extract_abs'"
        ).fetchone()
    assert status == "running" and pid == cli.pid and host
    assert started is None or started > 0

    with run_record(db, "next_run") as rec:
        rec.count("items", 0)
    with connect(db) as con:
        rows = dict(con.execute("SELECT flow, status FROM runs").fetchall())
        message = con.execute("SELECT message FROM runs WHERE flow = 'extract_abs'").fetchone()[0]
    assert rows == {"extract_abs": "crashed", "next_run": "completed"}
    assert f"pid {pid}" in message and "run the same command again" in message


def test_a_running_run_of_a_live_process_is_left_alone(db_path):
    with run_record(db_path, "first"), run_record(db_path, "second"):
        with connect(db_path) as con:
            statuses = dict(con.execute("SELECT flow, status FROM runs").fetchall())
        assert statuses == {"first": "running", "second": "running"}
    assert process_started(os.getpid()) is not None
