"""Fault drills, all of them, for one figure: the drill code the tests run.

The drills are emulators/drills.py and emulators/bad_input.py.

    uv run python bench/faults.py

Under a temporary Prefect API: every write drill (429 with Retry-After, 503 bursts, a reset before
and after the upstream write, a timeout, ABS down briefly and for good, an item edited in ABS, a
payload that crashes ABS 2.36), each followed by a rollback under a fault; the Hardcover drill; every
bad-input case through the real CLI in a subprocess (plus a wrong ABS key in `writeback --apply`),
counting "Traceback" on the terminal; every `shelfmatch sql` bypass on a real warehouse.

Ends with one `RESULT {json}` line: drills, passed, double_writes, lost_writes, stale_writes,
rollback_exact, tracebacks_on_terminal, sql_bypasses, and what failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="write drills to run (default: all)")
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    from emulators import bad_input, drills
    from emulators.abs import fixture_items, run_abs_emulator

    started = time.monotonic()
    results: list[dict] = []
    cli_outcomes: list = []
    with (
        tempfile.TemporaryDirectory(prefix="shelfmatch-faults-") as tmp_name,
        prefect_test_harness(server_startup_timeout=120),
    ):
        tmp = Path(tmp_name)
        for name, drill in drills.WRITE_DRILLS.items():
            if args.only and name not in args.only:
                continue
            t0 = time.monotonic()
            result = drill(tmp)
            results.append({**result.as_dict(), "seconds": round(time.monotonic() - t0, 1)})
            print(f"{name}: {'pass' if result.passed else 'FAIL'} {result.notes[-1:]}", file=sys.stderr)
        hc = drills.hardcover_drill(tmp)
        results.append(hc.as_dict())
        with run_abs_emulator(fixture_items(), api_key=drills.API_KEY) as emu:
            for case in bad_input.bad_input_cases(tmp / "bad-input", emu.url):
                cli_outcomes.append(bad_input.run_bad_input(case))
        with drills.world(tmp / "wrong-key") as w:
            env = {
                "SHELFMATCH_ABS_URL": w.proxy.url,
                "SHELFMATCH_DUCKDB_PATH": str(w.db),
                "SHELFMATCH_LOG_FILE": str(tmp / "shelfmatch.log"),
            }
            cli_outcomes.append(bad_input.wrong_key_writeback(env))
        bypasses, broken = bad_input.sql_bypasses(tmp)

    write = [r for r in results if r["name"] in drills.WRITE_DRILLS]
    failed = [r["name"] for r in results if not r["passed"]] + [o.case for o in cli_outcomes if not o.ok]
    if bypasses:
        failed.append("sql: " + ", ".join(broken))
    summary = {
        "drills": len(results) + len(cli_outcomes) + 1,
        "passed": sum(r["passed"] for r in results) + sum(o.ok for o in cli_outcomes) + (bypasses == 0),
        "write_drills": len(write),
        "double_writes": sum(r["double_writes"] for r in write),
        "lost_writes": sum(r["lost_writes"] for r in write),
        "stale_writes": sum(r["stale_writes"] for r in write),
        "rollback_exact": all(r["rollback_exact"] for r in write),
        "bad_input_cases": len(cli_outcomes),
        "tracebacks_on_terminal": sum(o.tracebacks for o in cli_outcomes),
        "sql_bypass_attempts": len(bad_input.SQL_BYPASSES),
        "sql_bypasses": bypasses,
        "failed": failed,
        "seconds": round(time.monotonic() - started, 1),
        "per_drill_seconds": {r["name"]: r.get("seconds") for r in write},
    }
    print("RESULT " + json.dumps(summary))


if __name__ == "__main__":
    main()
