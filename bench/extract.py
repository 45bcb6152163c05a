"""Benchmark: extract N items from the ABS emulator into a fresh DuckDB file, then re-run at once.

    uv run python bench/extract.py --items 50000

The emulator runs in a subprocess (`python -m emulators.abs --prewarm`, serving
`emulators.corpus.generate_library`, every response body serialised before the clock starts) so
`peak_rss_mb` is the extractor's own and the emulator's JSON encoding is not timed. What is timed is the plain function `tasks.extract.fetch.extract`
(the work inside the `extract_abs` flow, without Prefect's ~1 s of orchestration), evidence included.
Ends with one line: RESULT {json}.
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cli import library_parser, print_result  # noqa: E402
from bench.server_process import start_server  # noqa: E402
from tasks import warehouse  # noqa: E402
from tasks.abs import AbsClient  # noqa: E402
from tasks.extract.fetch import extract  # noqa: E402
from tasks.extract.flatten import default_evidence  # noqa: E402


def start_emulator(n: int, seed: int, profile: str) -> tuple[subprocess.Popen, dict]:
    args = ["-m", "emulators.abs", "--items", str(n), "--seed", str(seed), "--profile", profile, "--prewarm"]
    return start_server(args)


async def timed_extract(url: str, db: Path, run_id: str, workers: int = 2) -> tuple[dict, float]:
    """One extract run; its summary gains the CPU seconds it used here and in its worker processes."""
    cpu0 = time.process_time()
    start = time.perf_counter()
    async with AbsClient(url, "test-key", timeout=300) as client:
        with warehouse.connect(db) as con:
            summary = await extract(client, con, run_id, evidence_fn=default_evidence(None), workers=workers)
    wall = time.perf_counter() - start
    summary["cpu_main_s"] = round(time.process_time() - cpu0, 1)
    summary["cpu_preparing_s"] = summary["seconds"].get("preparing_cpu", 0.0)  # in the workers
    return summary, wall


def main() -> None:
    parser = library_parser(__doc__, items=50_000)
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes that parse and flatten batches"
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    proc, info = start_emulator(args.items, args.seed, args.profile)
    print(
        f"emulator: {info['items']} items at {info['url']} (ready in {time.perf_counter() - t0:.1f}s)",
        flush=True,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.duckdb"
            first, seconds = asyncio.run(timed_extract(info["url"], db, "bench-1", args.workers))
            print(f"first run: {seconds:.1f}s {first}", flush=True)
            second, rerun_seconds = asyncio.run(timed_extract(info["url"], db, "bench-2", args.workers))
            print(f"re-run: {rerun_seconds:.1f}s {second}", flush=True)
            db_mb = db.stat().st_size / 1024**2
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    result = {
        "items": info["items"],
        "extracted": first["extracted"],
        "errors": first["error_count"],
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "worker_peak_rss_mb": first["preparing_peak_rss_mb"],  # the flattening worker processes
        "emulator_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "rerun_seconds": round(rerun_seconds, 2),
        "cpu_main_s": first["cpu_main_s"],
        "cpu_preparing_s": first["cpu_preparing_s"],
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "rerun_full_fetches": second["fetched"],
        "db_mb": round(db_mb, 1),
        "profile": args.profile,
        "workers": args.workers,
        "what": "tasks.extract.fetch.extract (plain function, evidence included); emulator in a subprocess",
    }
    print_result(result)


if __name__ == "__main__":
    main()
