"""Benchmark: the real `sync` flow end to end on a generated library, through both emulators.

    uv run python bench/sync.py --items 50000 [--seed 0] [--profile default] [--listen 8]

The ABS emulator (a generated library, every response serialised before the clock starts) and the
Hardcover emulator (`python -m emulators.hardcover`: the Free plan's 5 root fields, one search and
5,000 requests a day, but the per-minute refill lifted so the measurement is of shelfmatch, not of
waiting) run in their own processes; the flow runs here, under a local Prefect API started the way
every `shelfmatch` command starts it, with its own PREFECT_HOME. Three syncs without listening:

- the first one on a fresh warehouse (`seconds`, `step_seconds` per step from the `runs` table,
  `peak_rss_mb` of this process, `requests_per_item`; the daily cap is kept and reported apart:
  `hardcover`, `items_waiting_for_hardcover_budget`),
- a re-run with nothing changed (`rerun_seconds`),
- a re-run after 1 % of the items were changed in ABS — `AbsEmulator.touch()` adds " (Unabridged)" to
  their titles, as a rescan of re-tagged files would (`rerun_1pct_seconds`).

`--listen N` then runs one more sync that listens to N items (generated with spoken opening credits)
and reports `listen_cpu_seconds` and `listen_items_per_hour_per_worker`. Ends with `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.queries import bench_sql  # noqa: E402
from bench.server_process import start_server  # noqa: E402

ABS_KEY, HC_TOKEN = "bench-abs-key", "bench-hc-token"
TOUCH_SUFFIX = " (Unabridged)"


# --- the ABS emulator's process: serves the library, touches items when told on stdin ------------------


def serve_abs(items: int, seed: int, profile: str, audio_root: str | None) -> None:
    from emulators.abs import AbsEmulator
    from emulators.corpus import generate_library

    lib = generate_library(
        items, seed=seed, profile=profile, audio_root=audio_root, audio="speech" if audio_root else "silent"
    )

    async def main() -> None:
        emu = AbsEmulator(lib.items, api_key=ABS_KEY, library=lib.library)
        emu.prewarm()
        url = await emu.start()
        print(json.dumps({"url": url, "items": len(emu.items), "folder": lib.folder}), flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command, _, arg = line.strip().partition(" ")
            if command == "touch":  # touch <share>: every 1/share-th item, in id order
                step = max(1, round(1 / float(arg)))
                ids = sorted(emu.items)[::step]
                for item_id in ids:
                    title = emu.items[item_id]["media"]["metadata"].get("title") or ""
                    emu.touch(item_id, title=title + TOUCH_SUFFIX)
                emu.prewarm()
                print(json.dumps({"touched": len(ids)}), flush=True)
        await emu.stop()

    asyncio.run(main())


# --- the measuring process --------------------------------------------------------------------------------


def step_seconds(db: Path, since) -> dict[str, float]:
    """Seconds per flow run recorded in `runs` since `since` (the sync's own row included)."""
    from tasks.warehouse import connect

    with connect(db, read_only=True) as con:
        rows = con.execute(bench_sql("flow_seconds_since"), [since]).fetchall()
    out: dict[str, float] = {}
    for flow, seconds in rows:
        name = {"extract_abs": "extract", "fetch_candidates": "candidates"}.get(flow, flow)
        name = f"re{name}" if name in out and name != "sync" else name
        out[name] = round(seconds, 2)
    return out


def timed_sync(db: Path, **params) -> tuple[dict, float, dict]:
    from flows.sync import sync
    from tasks.warehouse import now

    since = now()
    t0, cpu0 = time.perf_counter(), _cpu_seconds()
    state = sync(db_path=str(db), return_state=True, **params)
    seconds = time.perf_counter() - t0
    result = state.result(raise_on_failure=False)
    # CPU of this process and of the extract workers: on a shared machine, wall time also measures the others.
    result["cpu_seconds"] = round(_cpu_seconds() - cpu0, 1)
    if not state.is_completed():
        raise SystemExit(f"the sync did not complete: {state.message}")
    return result, seconds, step_seconds(db, since)


def measure(args: argparse.Namespace, tmp: Path) -> dict:
    from flows.cli_runtime import prefect_api

    audio_root = tmp / "audio" if args.listen else None
    t0 = time.perf_counter()
    serve = [__file__, "--serve-abs", "--items", str(args.items), "--seed", str(args.seed)]
    serve += ["--profile", args.profile] + (["--audio-root", str(audio_root)] if audio_root else [])
    abs_proc, abs_info = start_server(serve)
    hc_proc, hc_info = start_server(
        ["-m", "emulators.hardcover", "--token", HC_TOKEN, "--per-minute", "6000000", "--burst", "100000"]
    )
    setup = time.perf_counter() - t0
    print(f"emulators ready in {setup:.1f}s: {abs_info} {hc_info}", flush=True)
    db = tmp / "sync.duckdb"
    os.environ.update(
        SHELFMATCH_ABS_URL=abs_info["url"],
        SHELFMATCH_ABS_API_KEY=ABS_KEY,
        SHELFMATCH_HARDCOVER_URL=hc_info["url"],
        SHELFMATCH_HARDCOVER_TOKEN=HC_TOKEN,
        SHELFMATCH_DUCKDB_PATH=str(db),
    )
    if audio_root:
        os.environ["SHELFMATCH_PATH_MAP"] = json.dumps({abs_info["folder"]: str(audio_root)})
    out: dict = {
        "items": abs_info["items"],
        "profile": args.profile,
        "load_average_1m": [round(os.getloadavg()[0], 2)],
    }
    try:
        with prefect_api(timeout=180):
            first, seconds, steps = timed_sync(db, skip_listen=True)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"first sync {seconds:.1f}s {steps} {first}", flush=True)
            rerun, rerun_seconds, rerun_steps = timed_sync(db, skip_listen=True)
            print(f"re-run {rerun_seconds:.1f}s {rerun_steps}", flush=True)
            abs_proc.stdin.write(f"touch {args.changed}\n")
            abs_proc.stdin.flush()
            touched = json.loads(abs_proc.stdout.readline())["touched"]
            changed, changed_seconds, changed_steps = timed_sync(db, skip_listen=True)
            print(f"1 % changed ({touched} items) {changed_seconds:.1f}s {changed_steps}", flush=True)
            out.update(
                seconds=round(seconds, 2),
                cpu_seconds=first["cpu_seconds"],
                step_seconds=steps,
                peak_rss_mb=round(peak, 1),
                extract_workers_peak_rss_mb=round(
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
                ),
                requests_per_item=round(first["hardcover_requests_used"] / max(1, first["items_seen"]), 4),
                hardcover={
                    "requests": first["hardcover_requests_used"],
                    "budget_left": first["hardcover_budget_left"],
                    "items_waiting_for_hardcover_budget": first["items_waiting_for_hardcover_budget"],
                },
                tiers={k: first[k] for k in ("auto", "pending", "reject", "unscored", "waiting")},
                errors=first["errors"],
                rerun_seconds=round(rerun_seconds, 2),
                rerun_cpu_seconds=rerun["cpu_seconds"],
                rerun_step_seconds=rerun_steps,
                rerun_items_changed=rerun["items_changed"],
                rerun_1pct_seconds=round(changed_seconds, 2),
                rerun_1pct_cpu_seconds=changed["cpu_seconds"],
                rerun_1pct_step_seconds=changed_steps,
                rerun_1pct_items_changed=changed["items_changed"],
                rerun_1pct_hardcover_requests=changed["hardcover_requests_used"],
            )
            if args.listen:
                out.update(listen_sample(db, args.listen))
    finally:
        for proc in (abs_proc, hc_proc):
            proc.stdin.close()
            proc.terminate()
            proc.wait(timeout=30)
    out["db_mb"] = round(db.stat().st_size / 1024**2, 1)
    out["load_average_1m"].append(round(os.getloadavg()[0], 2))
    out["setup_seconds"] = round(setup, 1)
    return out


def listen_sample(db: Path, n: int) -> dict:
    """One more sync that listens to at most `n` items; CPU of this process and its children."""
    from tasks.settings import get_settings

    workers = get_settings().listen_workers
    cpu0 = _cpu_seconds()
    result, seconds, steps = timed_sync(db, max_listen=n)
    cpu = _cpu_seconds() - cpu0
    items = result.get("items_listened") or 0
    return {
        "listen_items": items,
        "listen_seconds": steps.get("listen"),
        "listen_cpu_seconds": round(cpu, 1),
        "listen_workers": workers,
        "listen_items_per_hour_per_worker": round(
            items / (steps.get("listen") or seconds) * 3600 / workers, 1
        )
        if items
        else None,
    }


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="default")
    parser.add_argument(
        "--changed", type=float, default=0.01, help="share of items changed before the last run"
    )
    parser.add_argument("--listen", type=int, default=0, help="items to listen to in a last sync (0: none)")
    parser.add_argument("--serve-abs", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--audio-root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_abs:
        serve_abs(args.items, args.seed, args.profile, args.audio_root)
        return
    with tempfile.TemporaryDirectory() as tmp:
        # Prefect's own database for this run only: other runs on the machine keep theirs.
        os.environ["PREFECT_HOME"] = str(Path(tmp) / "prefect")
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        result = measure(args, Path(tmp))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    result["commit"] = commit.stdout.strip()
    result["utc"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    result["cores"] = os.cpu_count()
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
