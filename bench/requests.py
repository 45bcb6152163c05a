"""Hardcover requests per library item for fetch_candidates, against the emulator's real limits.

    uv run python bench/requests.py --items 10000 [--profile default] [--seed 0] [--per-minute 60000 --burst 50]

A generated library (`emulators.corpus.generate_library`) is served by the ABS emulator and
extracted into `abs_items`/`item_evidence` by extract_abs's own code (`tasks.extract.fetch.run_extract`),
then `fetch_candidates` runs against the Hardcover
emulator: the Free plan's limits (5 root fields, one search, 5,000/day) except a raised per-minute
refill and burst so it finishes in minutes — which the client must learn from the headers. A second
run on the unchanged library measures what a re-run costs. "requests" are root fields (what
Hardcover bills). Ends with `RESULT {json}`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli import library_parser, print_result  # noqa: E402
from bench.queries import bench_sql  # noqa: E402
from emulators.corpus import generate_library  # noqa: E402
from emulators.hardcover import HardcoverEmulator, Limits, run_hardcover_emulator  # noqa: E402
from tasks.candidates.fetch import fetch_candidates_for  # noqa: E402
from tasks.settings import get_settings  # noqa: E402
from tasks.warehouse import connect  # noqa: E402

TOKEN = "bench-token"


def load_library(db: Path, lib) -> int:
    """extract_abs's own path (ABS emulator → AbsClient → flatten → DuckDB), without Prefect."""
    from emulators.abs import run_abs_emulator
    from tasks.extract.fetch import run_extract

    with run_abs_emulator(lib.items, library=lib.library) as abs_emu:
        settings = get_settings(abs_url=abs_emu.url, abs_api_key="test-key", duckdb_path=db)
        run_extract(settings, db, "bench-extract")
    with connect(db) as con:
        return con.execute(bench_sql("abs_item_count")).fetchone()[0]


def main() -> None:
    ap = library_parser(__doc__, items=2000)
    ap.add_argument("--per-minute", type=int, default=60_000, help="emulator refill per minute (real: 60)")
    ap.add_argument("--burst", type=int, default=50, help="emulator burst (real: 10)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    lib = generate_library(args.items, seed=args.seed, profile=args.profile)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "requests.duckdb"
        loaded = load_library(db, lib)
        t_load = time.perf_counter() - t0
        emu = HardcoverEmulator(token=TOKEN, limits=Limits(per_minute=args.per_minute, burst=args.burst))
        with run_hardcover_emulator(emu):
            settings = get_settings(hardcover_url=emu.url, hardcover_token=TOKEN, duckdb_path=db)
            t1 = time.perf_counter()
            first = fetch_candidates_for(str(db), settings, run_id="bench-1")
            t_fetch = time.perf_counter() - t1
            sent_first = emu.billed()
            rerun = fetch_candidates_for(str(db), settings, run_id="bench-2")
            rerun_requests = emu.billed() - sent_first
            violations = len(emu.violations())
            http_first = first.http_requests
        with connect(db) as con:
            found: dict[str, set[int]] = {}
            for item_id, book_ids in con.execute(bench_sql("candidate_books_by_item")).fetchall():
                found[item_id] = set(book_ids)
    matchable = {k: t.book_id for k, t in lib.truth.items() if t.book_id is not None}
    hit = sum(1 for k, b in matchable.items() if b in found.get(k, set()))
    missed = [k for k, b in matchable.items() if b not in found.get(k, set())]
    by_strategy = {k: v for k, v in sorted(first.requests.items())}
    result = {
        "items": args.items,
        "items_loaded": loaded,
        "profile": args.profile,
        "requests": first.requests_total,
        "requests_per_item": round(first.requests_total / args.items, 4),
        "http_requests": http_first,
        "requests_by_strategy": by_strategy,
        "rerun_requests": rerun_requests,
        "rerun_items_skipped": rerun.skipped_unchanged,
        "limit_violations": violations,
        "items_with_candidates": len(found),
        "matchable": len(matchable),
        "true_book_in_candidates": round(hit / len(matchable), 4) if matchable else None,
        "stopped_by_budget": first.stopped_by_budget,
        "errors": first.errors,
        "fetch_seconds": round(t_fetch, 1),
        "setup_seconds": round(t_load, 1),
        "emulator_limits": {"per_minute": args.per_minute, "burst": args.burst, "daily": emu.limits.daily},
    }
    print("missed (first 10):", missed[:10], file=sys.stderr)
    print_result(result)


if __name__ == "__main__":
    main()
