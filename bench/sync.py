"""Benchmark: the real `sync` flow end to end on a generated library, through both emulators.

    uv run python bench/sync.py --items 50000 [--seed 0] [--profile default] [--listen 48] [--listen-only]

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

Then listening, measured on its own sample (`--listen N`, 48 by default; 0 skips it): N of the items
the syncs leave for the listen flow (no positive match; a seeded choice) get spoken credits followed by
`--listen-audio-seconds` of prose, rendered by the ABS emulator's process for those N items only (no
other item has audio). The real `listen` flow hears them twice, each time cold on its own copy of the
warehouse as the syncs left it: on a Dask LocalCluster of 1 worker (1 thread), then of 2 workers (1
thread each), which the flow reaches through SHELFMATCH_DASK_ADDRESS as a deployment does. Reported:
`listen_cpu_seconds` (median per item of the CPU Whisper recorded, 1-worker run),
`listen_items_per_hour_per_worker` (1-worker run), `listen_items_per_hour_2_workers`,
`listen_speedup_2_workers`; rates are over the flow's wall time less its re-score of the heard items
(a score run of its own). Each run also reports its processes' CPU and
`workers_runqueue_wait_seconds`, the time the workers were ready to run but had no free core: on a
shared machine that tells CPU taken by others from workers idle or blocked. `--listen-only` skips the re-runs: the first sync is then setup, reported as
`setup_sync_seconds`, not measured figures.
Ends with `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.listen_cluster import (  # noqa: E402
    RoleSampler,
    busy_seconds,
    dask_cluster,
    process_cpu_seconds,
    tree_cpu_seconds,
    workers_cpu_seconds,
    workers_runqueue_wait_seconds,
)
from bench.queries import bench_sql  # noqa: E402
from bench.server_process import start_server  # noqa: E402

ABS_KEY, HC_TOKEN = "bench-abs-key", "bench-hc-token"
TOUCH_SUFFIX = " (Unabridged)"


# --- the ABS emulator's process: serves the library, touches items or speaks them when told on stdin -----


def serve_abs(items: int, seed: int, profile: str) -> None:
    from emulators.abs import AbsEmulator
    from emulators.corpus import generate_library

    lib = generate_library(items, seed=seed, profile=profile)

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
            elif command == "speak":  # speak <seconds of prose> <audio root> <id,id,...>
                seconds, root, ids = arg.split(" ", 2)
                print(json.dumps(speak(lib, Path(root), ids.split(","), float(seconds))), flush=True)
        await emu.stop()

    asyncio.run(main())


def speak(lib, root: Path, item_ids: list[str], seconds: float) -> dict:
    """Audio files for these items only: spoken credits, then `seconds` of prose, on each first file."""
    from dataclasses import replace

    from emulators.corpus import write_audio

    wanted = set(item_ids)
    sample = replace(lib, items=[item for item in lib.items if item["id"] in wanted])
    t0 = time.perf_counter()
    write_audio(sample, root, audio="speech", seconds=seconds, workers=os.cpu_count() or 1)
    files = sum(len(item["media"]["audioFiles"]) for item in sample.items)
    return {"items": len(sample.items), "files": files, "seconds": round(time.perf_counter() - t0, 1)}


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


def timed_flow(flow, db: Path, **params) -> tuple[dict, float, dict]:
    """Run a flow on `db`: its result (plus `cpu_seconds`), its wall seconds, its steps' seconds."""
    from tasks.warehouse import now

    since = now()
    t0, cpu0 = time.perf_counter(), process_cpu_seconds()
    state = flow(db_path=str(db), return_state=True, **params)
    seconds = time.perf_counter() - t0
    if not state.is_completed():
        raise SystemExit(f"the {flow.name} flow did not complete: {state.message}")
    result = state.result()
    # CPU of this process and of the extract workers: on a shared machine, wall time also measures the others.
    result["cpu_seconds"] = round(process_cpu_seconds() - cpu0, 1)
    return result, seconds, step_seconds(db, since)


def timed_sync(db: Path, **params) -> tuple[dict, float, dict]:
    from flows.sync import sync

    return timed_flow(sync, db, **params)


def measure(args: argparse.Namespace, tmp: Path) -> dict:
    from flows.cli_runtime import prefect_api

    t0 = time.perf_counter()
    serve = [__file__, "--serve-abs", "--items", str(args.items), "--seed", str(args.seed)]
    abs_proc, abs_info = start_server(serve + ["--profile", args.profile])
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
    out: dict = {
        "items": abs_info["items"],
        "profile": args.profile,
        "load_average_1m": [round(os.getloadavg()[0], 2)],
    }
    try:
        with prefect_api(timeout=180):
            if args.listen_only:
                _, seconds, _ = timed_sync(db, skip_listen=True)
                print(f"first sync (setup, not measured) {seconds:.1f}s", flush=True)
                out["setup_sync_seconds"] = round(seconds, 1)
            else:
                out.update(sync_figures(db, abs_proc, args.changed))
            if args.listen:
                sample = listen_sample(db, args.listen, args.seed)
                audio_root = tmp / "audio"
                abs_proc.stdin.write(f"speak {args.listen_audio_seconds} {audio_root} {','.join(sample)}\n")
                abs_proc.stdin.flush()
                out["listen_audio"] = json.loads(abs_proc.stdout.readline())
                print(f"spoke the listen sample: {out['listen_audio']}", flush=True)
                # Set before the Dask workers start: they read the sample's files through this map.
                os.environ["SHELFMATCH_PATH_MAP"] = json.dumps({abs_info["folder"]: str(audio_root)})
                out.update(listen_figures(db, sample, tmp))
    finally:
        for proc in (abs_proc, hc_proc):
            proc.stdin.close()
            proc.terminate()
            proc.wait(timeout=30)
    out["db_mb"] = round(db.stat().st_size / 1024**2, 1)
    out["load_average_1m"].append(round(os.getloadavg()[0], 2))
    out["setup_seconds"] = round(setup, 1)
    return out


def sync_figures(db: Path, abs_proc: subprocess.Popen, changed_share: float) -> dict:
    """The first sync, a re-run with nothing changed, and one after `changed_share` of the items changed."""
    first, seconds, steps = timed_sync(db, skip_listen=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"first sync {seconds:.1f}s {steps} {first}", flush=True)
    rerun, rerun_seconds, rerun_steps = timed_sync(db, skip_listen=True)
    print(f"re-run {rerun_seconds:.1f}s {rerun_steps}", flush=True)
    abs_proc.stdin.write(f"touch {changed_share}\n")
    abs_proc.stdin.flush()
    touched = json.loads(abs_proc.stdout.readline())["touched"]
    changed, changed_seconds, changed_steps = timed_sync(db, skip_listen=True)
    print(f"1 % changed ({touched} items) {changed_seconds:.1f}s {changed_steps}", flush=True)
    return dict(
        seconds=round(seconds, 2),
        cpu_seconds=first["cpu_seconds"],
        step_seconds=steps,
        peak_rss_mb=round(peak, 1),
        extract_workers_peak_rss_mb=round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
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


# --- listening, measured on its own sample ------------------------------------------------------------------


def listen_sample(db: Path, n: int, seed: int) -> list[str]:
    """A seeded choice of `n` of the items the listen flow would hear next (the product's own query)."""
    from tasks.listen.store import items_to_listen
    from tasks.warehouse import connect

    with connect(db, read_only=True) as con:
        waiting = items_to_listen(con, None, None)
    if len(waiting) < n:
        raise SystemExit(f"only {len(waiting)} items are left for listening, fewer than --listen {n}")
    return sorted(random.Random(seed).sample(waiting, n))


def listen_figures(db: Path, sample: list[str], tmp: Path) -> dict:
    """The listen flow on the sample with 1 and with 2 Dask workers, each cold on its own copy of `db`."""
    one, two = (listen_run(db, sample, workers, tmp) for workers in (1, 2))
    per_hour_1 = len(sample) / one["hearing_seconds"] * 3600
    per_hour_2 = len(sample) / two["hearing_seconds"] * 3600
    return {
        "listen_items": len(sample),
        "listen_cpu_seconds": one["median_cpu_seconds"],
        "listen_items_per_hour_per_worker": round(per_hour_1, 1),
        "listen_items_per_hour_2_workers": round(per_hour_2, 1),
        "listen_speedup_2_workers": round(per_hour_2 / per_hour_1, 2),
        "listen_runs": {"1_worker": one, "2_workers": two},
    }


def listen_run(db: Path, sample: list[str], workers: int, tmp: Path) -> dict:
    """One cold listen flow run over `sample` on a fresh cluster of `workers` one-thread workers."""
    from distributed import get_task_stream

    from flows.listen import listen
    from tasks.warehouse import connect, fetch_dicts, now

    copy = tmp / f"listen-{workers}.duckdb"
    for suffix in ("", ".wal"):  # the warehouse as the sync left it, with what DuckDB has not checkpointed
        if Path(f"{db}{suffix}").exists():
            shutil.copyfile(f"{db}{suffix}", f"{copy}{suffix}")
    load0 = os.getloadavg()[0]
    with dask_cluster(workers) as client:
        cpu0, all0 = workers_cpu_seconds(client), tree_cpu_seconds()
        wait0, since = workers_runqueue_wait_seconds(client), now()
        with get_task_stream(client) as stream, RoleSampler(client) as sampler:
            summary, seconds, steps = timed_flow(listen, copy, item_ids=sample)
        workers_cpu, all_cpu = workers_cpu_seconds(client) - cpu0, tree_cpu_seconds() - all0
        workers_wait = workers_runqueue_wait_seconds(client) - wait0
    roles = sampler.between(sampler.samples[0][0], sampler.samples[-1][0])
    hearing = sampler.between(*hearing_span(copy, since))
    with connect(copy, read_only=True) as con:
        results = fetch_dicts(con, bench_sql("listen_run_results"), [summary["run_id"]])
    failed = [r["item_id"] for r in results if r["verdict"] == "error"]
    if len(results) != len(sample) or failed:
        raise SystemExit(f"with {workers} worker(s) {len(results)} of {len(sample)} heard; failed: {failed}")
    run = {
        # the flow's run less its re-score of the heard items (a score run of its own)
        "hearing_seconds": round(steps["listen"] - steps.get("score", 0.0), 2),
        "flow_seconds": round(seconds, 2),
        "step_seconds": steps,
        "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in results), 3),
        "workers_cpu_seconds": round(workers_cpu, 1),
        # the workers' CPU before the flow started: each worker's start (Dask, then deploy/dask's preload
        # importing the listen code and loading the model), paid once per worker, not per run
        "workers_start_cpu_seconds": round(cpu0, 1),
        # ready to run but not given a core: the machine was short of CPU (others' load or our own),
        # as opposed to workers idle or blocked
        "workers_runqueue_wait_seconds": round(workers_wait, 1),
        # Dask tasks run and the seconds the workers spent in them: the rest of workers × hearing
        # seconds they sat idle (waiting for work the flow had not handed out yet, or for the last task)
        "dask_tasks": len(stream.data),
        "workers_busy_seconds": round(busy_seconds(stream.data), 1),
        "main_process_cpu_seconds": summary["cpu_seconds"],
        # the workers, this process, the Prefect API server and both emulators: the 2 cores' whole load
        # from this run (the workers' share of it bounds what a second worker can add)
        "all_processes_cpu_seconds": round(all_cpu, 1),
        # the same CPU per heard item, by process: what competes with the workers for the cores
        "cpu_seconds_per_item": {k: round(v / len(sample), 3) for k, v in roles.items()},
        # the same over `hearing_seconds` only (the re-score left out): what the rates are measured on
        "hearing_cpu_seconds_per_item": {k: round(v / len(sample), 3) for k, v in hearing.items()},
        "windows": sum(r["windows"] for r in results),
        "verdicts": dict(Counter(r["verdict"] for r in results)),
        "search_requests": summary.get("search_requests"),
        "load_average_1m": [round(load0, 2), round(os.getloadavg()[0], 2)],
    }
    print(f"listened with {workers} worker(s): {run}", flush=True)
    return run


def hearing_span(db: Path, since) -> tuple[float, float]:
    """When the listen run started `since` began, and when its re-score began (epoch seconds)."""
    from tasks.warehouse import connect

    with connect(db, read_only=True) as con:
        starts = con.execute(bench_sql("flow_starts_since"), [since]).fetchall()
    listen = next(t for flow, t in starts if flow == "listen")
    score = next((t for flow, t in starts if flow == "score" and t >= listen), None)
    return float(listen), float(score if score is not None else time.time())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="default")
    parser.add_argument(
        "--changed", type=float, default=0.01, help="share of items changed before the last run"
    )
    parser.add_argument(
        "--listen", type=int, default=48, help="items the listen flow hears after the syncs (0: none)"
    )
    parser.add_argument(
        "--listen-only", action="store_true", help="one sync as setup, then the listening figures only"
    )
    parser.add_argument(
        "--listen-audio-seconds", type=float, default=60.0, help="prose after each sampled item's credits"
    )
    parser.add_argument("--serve-abs", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_abs:
        serve_abs(args.items, args.seed, args.profile)
        return
    if args.listen < 0 or (args.listen_only and not args.listen):
        parser.error("--listen takes a number of items ≥ 0 (--listen-only needs ≥ 1)")
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
