"""How long the first hour's first command takes: `shelfmatch demo` (or `--quick`) end to end.

Runs the demo in a fresh process, exactly as a user would (`uv run shelfmatch demo …`), with its own
temporary PREFECT_HOME when `--cold` (first run on a new machine: Prefect creates its database).

    uv run python bench/demo.py --quick
    uv run python bench/demo.py --cold

Prints one final line `RESULT {json}` (seconds, exit code, load average, the demo's own tier table
is in its output).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="demo --quick (80 items, no listening)")
    parser.add_argument(
        "--cold", action="store_true", help="a brand-new PREFECT_HOME (first run on a machine)"
    )
    args = parser.parse_args()

    env = dict(os.environ)
    home = None
    if args.cold:
        home = tempfile.TemporaryDirectory(prefix="prefect-home-")
        env["PREFECT_HOME"] = home.name
    cmd = [sys.executable, "-m", "flows.cli", "demo", "--db", "data/bench-demo.duckdb"]
    if args.quick:
        cmd.append("--quick")
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    out = proc.stdout + proc.stderr
    sys.stdout.write(out[-3000:])
    tiers = dict(re.findall(r"│ (auto|pending|reject)\s+│\s+(\d+) │", out))
    result = {
        "command": "demo --quick" if args.quick else "demo",
        "cold_prefect_home": args.cold,
        "exit_code": proc.returncode,
        "seconds": round(seconds, 1),
        "under_3_minutes": seconds < 180,
        "tiers": {k: int(v) for k, v in tiers.items()},
        "load_average_1m_before": round(load_before, 2),
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }
    if home is not None:
        home.cleanup()
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
