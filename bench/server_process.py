"""Starting a server (an emulator) in its own process for a benchmark, so its CPU, memory and JSON
encoding are not the measured code's.

The child runs from the repository root, prints one JSON line describing itself once it serves
(`python -m emulators.abs`, `python -m emulators.hardcover` do), and dies with the benchmark, so an
interrupted run leaves no server behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_server(args: list[str]) -> tuple[subprocess.Popen, dict]:
    """`python <args>` in a child process; returns it and the JSON line it printed when ready.

    Its stdin is a pipe, for servers that take commands there."""
    from flows.cli_runtime import _die_with_parent

    proc = subprocess.Popen(
        [sys.executable, *args],
        preexec_fn=_die_with_parent,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if not line:
        proc.kill()
        raise SystemExit(f"{' '.join(args[:2])} did not start (see its stderr above)")
    return proc, json.loads(line)
