"""A whole score run at scale: N generated items × K candidates on a DuckDB file, as the score flow runs it.

    uv run python bench/scoring.py --items 50000 --candidates 10 --warehouse

Setup (not timed): a generated library (emulators.corpus, profile default), its evidence rows
(tasks.evidence), up to K search-like candidates per item from the emulated catalogue and the candidate
books' hc_* rows, written into a fresh warehouse file (abs_items, item_evidence, candidates, hc_*).

Timed (`--warehouse`, the default): `tasks.scoring.store.score_warehouse` — what `flows/score.py` runs —
each time in a fresh Python process, so nothing is warm (imports, model, normalisation caches):
- `seconds`: the first, cold run on the fresh file: every item and book normalised and its keys stored,
  candidates read, every pair scored, ranked and one match chosen per item, match_scores + matches +
  tier tables written in one transaction. `breakdown_seconds` splits it as score_warehouse reports it
  (`load` the inputs and prepare keys, `score`, `write`); `peak_rss_mb` is that process's peak RSS;
  `process_seconds` the whole process, interpreter start and imports included; `cpu_seconds` the run's
  CPU time, all threads (the machine is shared: wall time grows with the neighbours' load, CPU time
  much less).
- `warm_seconds`: a second run on the same file, nothing changed (nothing to prepare), with its own
  breakdown and peak RSS.

`--step` also times the score step alone in this process (prepared frames in memory, no DuckDB):
`tasks.scoring.score_and_choose`'s parts (pair_features, apply, rank_and_choose).

Ends with `RESULT {json}` (with the machine's cores, the 1-minute load average before and after, the
commit and the UTC time: the machine is shared).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402


def setup(n_items: int, k: int, seed: int) -> dict[str, pl.DataFrame]:
    from bench.labelled import search_like_candidates
    from emulators.corpus import generate_library
    from emulators.hc_tables import catalogue_tables
    from tasks.evidence import evidence_for_item

    lib = generate_library(n_items, seed=seed, profile="default")
    rng = random.Random(seed)
    ev, items, cands = [], [], []
    for it in lib.items:
        iid = it["id"]
        rows = evidence_for_item(it)
        ev += [(iid, e.source, e.field, e.value, e.ordinal, e.rule) for e in rows]
        items.append((iid, float(it["media"].get("duration") or 0) or None))
        titles = [e.value for e in rows if e.field == "title"]
        cands += [(iid, b) for b, _ in search_like_candidates(titles, lib.truth[iid].book_id, rng, k=k)[:k]]
    book_ids = sorted({b for _, b in cands})
    return {
        "evidence": pl.DataFrame(
            ev, schema=["item_id", "source", "field", "value", "ordinal", "rule"], orient="row"
        ),
        "items": pl.DataFrame(items, schema={"item_id": pl.String, "duration": pl.Float64}, orient="row"),
        "candidates": pl.DataFrame(cands, schema={"item_id": pl.String, "book_id": pl.Int64}, orient="row"),
        **catalogue_tables(book_ids),
    }


def seed_warehouse(data: dict[str, pl.DataFrame], db: Path) -> None:
    """A fresh warehouse file holding the bench's library, candidates and catalogue rows."""
    from tasks.warehouse import connect, now

    stamp = now()
    tables = {
        "abs_items": data["items"].with_columns(
            library_id=pl.lit("bench"), extracted_at=pl.lit(stamp), title=pl.lit(None, pl.String)
        ),
        "item_evidence": data["evidence"],
        "candidates": data["candidates"].with_columns(
            strategy=pl.lit("search"),
            rank=pl.int_range(pl.len()).over("item_id").cast(pl.Int32),
            found_at=pl.lit(stamp),
        ),
        # Every item was asked about (as after a finished candidates run): none is waiting.
        "hc_item_status": data["items"].select("item_id", evidence_hash=pl.lit(""), fetched_at=pl.lit(stamp)),
        **{name: data[name] for name in ("hc_books", "hc_editions", "hc_contributions", "hc_series")},
    }
    with connect(db) as con:
        for table, frame in tables.items():  # table names are the bench's own constants
            con.register("seed", frame)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM seed")
            con.unregister("seed")


def _peak_rss_mb() -> float:
    """This process's peak resident memory. From /proc (VmHWM, this program's own memory): `ru_maxrss` of
    a process started by fork + exec counts the parent's peak too."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def score_run(db: str, run_id: str) -> None:
    """One score run in this (fresh) process; prints its figures as one JSON line."""
    from tasks.scoring.store import score_warehouse
    from tasks.settings import get_settings

    clock, cpu = time.perf_counter(), time.process_time()
    summary = score_warehouse(db, run_id, None, get_settings(duckdb_path=db))
    seconds, cpu = time.perf_counter() - clock, time.process_time() - cpu
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "breakdown_seconds": {name: round(value, 2) for name, value in summary.seconds.items()},
                "items": summary.items,
                "pairs": summary.pairs,
                "items_prepared": summary.items_prepared,
                "books_prepared": summary.books_prepared,
                "tiers": summary.tiers,
                "peak_rss_mb": _peak_rss_mb(),
            }
        )
    )


def fresh_process_run(db: Path, run_id: str) -> dict:
    """`score_run` in a new Python process: its figures, and the whole process's wall time."""
    clock = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--run", str(db), run_id], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"the score run in a fresh process failed:\n{done.stderr.strip()}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["process_seconds"] = round(time.perf_counter() - clock, 2)
    return figures


def score_step(data: dict[str, pl.DataFrame]) -> dict:
    """The score step alone, in memory: prepared frames in (as the warehouse returns them, in item order),
    scored pairs and matches out — `score_and_choose`'s parts."""
    from tasks.scoring import apply, book_frame, item_frame, load_model, pair_features, rank_and_choose

    items = item_frame(data["evidence"], data["items"]).sort("item_id")
    books = book_frame(data["hc_books"], data["hc_editions"], data["hc_contributions"], data["hc_series"])
    candidates = data["candidates"].sort("item_id", "book_id")
    model = load_model()
    parts: dict[str, float] = {}
    start = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        parts[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    features = pair_features(candidates, items, books)
    lap("pair_features")
    scored = apply(features, model)
    lap("apply")
    scored, _ = rank_and_choose(scored, items["item_id"])
    lap("rank_and_choose")
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "pairs": scored.height,
        "breakdown_seconds": {name: round(value, 2) for name, value in parts.items()},
    }


def _commit() -> str | None:
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or None


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--run":  # the child process of fresh_process_run
        score_run(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=50000)
    ap.add_argument("--candidates", type=int, default=10)
    ap.add_argument("--seed", type=int, default=77)
    ap.add_argument(
        "--warehouse", action="store_true", help="whole score runs on a DuckDB file (the default)"
    )
    ap.add_argument("--step", action="store_true", help="also the score step alone, in memory, by part")
    args = ap.parse_args()

    clock = time.perf_counter()
    data = setup(args.items, args.candidates, args.seed)
    setup_seconds = round(time.perf_counter() - clock, 1)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="shelfmatch-bench-") as folder:
        db = Path(folder) / "bench-scoring.duckdb"
        seed_warehouse(data, db)
        cold = fresh_process_run(db, "bench-cold")
        warm = fresh_process_run(db, "bench-warm")
        db_mb = round(db.stat().st_size / 2**20, 1)
    result = {
        "items": cold["items"],
        "pairs": cold["pairs"],
        "seconds": cold["seconds"],
        "warm_seconds": warm["seconds"],
        "cpu_seconds": cold["cpu_seconds"],
        "warm_cpu_seconds": warm["cpu_seconds"],
        "breakdown_seconds": cold["breakdown_seconds"],
        "warm_breakdown_seconds": warm["breakdown_seconds"],
        "peak_rss_mb": cold["peak_rss_mb"],
        "warm_peak_rss_mb": warm["peak_rss_mb"],
        "process_seconds": cold["process_seconds"],
        "items_prepared": cold["items_prepared"],
        "books_prepared": cold["books_prepared"],
        "warm_items_prepared": warm["items_prepared"],
        "tiers": cold["tiers"],
        "db_mb": db_mb,
        "setup_seconds": setup_seconds,
    }
    if args.step:
        result["step"] = score_step(data)
    result.update(
        cores=os.cpu_count(),
        load_average_1m=[round(load_before, 2), round(os.getloadavg()[0], 2)],
        commit=_commit(),
        utc=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
    )
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
