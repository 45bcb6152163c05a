"""Match quality on generator families the model was not fitted on: the evaluation protocol.

    uv run python bench/quality.py --families all --protocol leave-one-out [--items 600] [--listen]
    uv run python bench/quality.py --protocol frozen
    uv run python bench/quality.py --families shelfmatch-hostile --protocol shipped --listen

Protocols (docs/quality.md explains them):
- `leave-one-out`: for each development family F, a model is fitted on the *other* development
  families (training seeds) and F is evaluated with it (development-evaluation seeds). The report's
  `worst_family` holds the worst value of each metric over the left-out families: a stranger's
  library is judged by the family the model did worst on, not by the average.
- `frozen`: the shipped model (`tasks/scoring/model_v2.json`, fitted on every development family) on
  the frozen families and frozen seeds. Run only to report; never to decide a change.
- `shipped`: the shipped model on the named families at development-evaluation seeds (a check of the
  shipped file; optimistic for families it was fitted on, and labelled so).

Every evaluation runs the product's path: the ABS emulator serving the generated library →
`extract_abs` → the Hardcover emulator (real schema and limits, per-minute limit lifted) →
`fetch_candidates` → `score` into a DuckDB file, all Prefect flows under a temporary API; with
`--listen`, the whole `sync` flow over real speech instead (slow: audio is rendered per item).
Per family: `auto_precision`, `auto_recall`, `top1_accuracy`, `distractors_auto`,
`silent_reject_right` (share of matchable items left in `reject` with the right book on top),
`requests_per_item` (Hardcover requests billed on the first sync / items), `rerun_requests`
(billed by a second candidates run with nothing changed), `auto_band_right` (share right among
best candidates with confidence ≥ the auto threshold, caps ignored: what 0.95 means). Ends with
`RESULT {json}`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polars as pl  # noqa: E402

from bench.queries import bench_sql  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LOWER_IS_WORSE = ("auto_precision", "auto_recall", "top1_accuracy", "auto_band_right")
HIGHER_IS_WORSE = ("distractors_auto", "silent_reject_right", "requests_per_item", "rerun_requests")


@dataclass
class Evaluation:
    family: str
    seeds: list[int]
    matches: pl.DataFrame  # item_id, book_id, tier, confidence, caps, explanation, rel_path, titles
    truth: pl.DataFrame  # item_id, truth_book_id, kind, truth_in_candidates (+ listen columns)
    billed_first: int
    billed_rerun: int
    requests_by_strategy: dict[str, int]
    http_first: int  # HTTP requests the first sync sent (each bills its root fields)


def run_family(
    family: str,
    seeds: list[int],
    n_items: int,
    workdir: Path,
    model_path: Path | None,
    listen: bool,
    audio_cache: Path,
) -> Evaluation:
    """The product's path on `n_items` items of `family` per seed, with the model at `model_path`."""
    from emulators.abs import run_abs_emulator
    from emulators.corpus import write_audio
    from emulators.families import generate
    from emulators.hardcover import Limits, run_hardcover_emulator
    from tasks.warehouse import connect

    matches, truths = [], []
    billed_first = billed_rerun = http_first = 0
    by_strategy: dict[str, int] = {}
    for seed in seeds:
        lib = generate(family, n_items, seed)
        if listen:
            root = audio_cache / f"{family}-{seed}-{n_items}"
            write_audio(lib, root, audio="speech", seconds=2.0, workers=os.cpu_count() or 2, reuse=True)
        truth = pl.DataFrame(
            [{"item_id": k, "truth_book_id": t.book_id, "kind": t.kind} for k, t in lib.truth.items()],
            schema={"item_id": pl.String, "truth_book_id": pl.Int64, "kind": pl.String},
        )
        db = workdir / f"quality-{family}-{seed}.duckdb"
        limits = Limits(per_minute=60_000, burst=1_000, daily=1_000_000)
        env = {
            "SHELFMATCH_ABS_API_KEY": "bench-key",
            "SHELFMATCH_HARDCOVER_TOKEN": "bench-token",
            "SHELFMATCH_DUCKDB_PATH": str(db),
        }
        if model_path is not None:
            env["SHELFMATCH_MODEL_PATH"] = str(model_path)
        with (
            run_abs_emulator(
                lib.items, api_key="bench-key", library=lib.library, audio_root=lib.audio_root
            ) as abs_emu,
            run_hardcover_emulator(token="bench-token", limits=limits) as hc,
        ):
            env |= {"SHELFMATCH_ABS_URL": abs_emu.url, "SHELFMATCH_HARDCOVER_URL": hc.url}
            if lib.audio_root is not None:
                env["SHELFMATCH_PATH_MAP"] = json.dumps(lib.path_map)
            os.environ.update(env)
            from flows.candidates import fetch_candidates
            from flows.extract import extract_abs
            from flows.score import score
            from flows.sync import sync

            t = time.perf_counter()
            if listen:
                sync(db_path=str(db))
            else:
                extract_abs(db_path=str(db))
                fetch_candidates(db_path=str(db))
                score(db_path=str(db))
            first = hc.billed()
            http_first += sum(1 for e in hc.request_log if e.status != 401 and e.reason != "bad_request")
            with connect(db) as con:
                runs = con.execute(bench_sql("run_counts"), ["fetch_candidates"]).fetchall()
                for k, (counts,) in enumerate(runs):
                    # After the first, a sync's candidates runs ask for what listening added.
                    prefix = "heard:" if k else ""
                    for strategy, n in (json.loads(counts).get("requests_by_strategy") or {}).items():
                        by_strategy[prefix + strategy] = by_strategy.get(prefix + strategy, 0) + n
                # The listen flow's own lookups, by operation (its searches for spoken names apart).
                for (counts,) in con.execute(bench_sql("run_counts"), ["listen"]).fetchall():
                    for operation, n in (
                        json.loads(counts).get("search_requests_by_operation") or {}
                    ).items():
                        by_strategy[f"listen:{operation}"] = by_strategy.get(f"listen:{operation}", 0) + n
            fetch_candidates(db_path=str(db))  # nothing changed: everything must come from the cache
            billed_first += first
            billed_rerun += hc.billed() - first
            print(
                f"{family} seed {seed}: {len(lib.items)} items in {time.perf_counter() - t:.0f}s, {first} requests"
            )
        with connect(db) as con:
            m = con.sql(bench_sql("quality_matches")).pl()
            cands = con.sql(bench_sql("candidate_pairs")).pl()
            heard = con.sql(bench_sql("heard_books")).pl()
        found = truth.join(
            cands, left_on=["item_id", "truth_book_id"], right_on=["item_id", "book_id"], how="semi"
        )
        truth = truth.with_columns(truth_in_candidates=pl.col("item_id").is_in(found["item_id"].implode()))
        if heard.height:
            truth = truth.join(heard, on="item_id", how="left")
        matches.append(m)
        truths.append(truth)
    return Evaluation(
        family,
        seeds,
        pl.concat(matches, how="diagonal_relaxed"),
        pl.concat(truths, how="diagonal_relaxed"),
        billed_first,
        billed_rerun,
        by_strategy,
        http_first,
    )


def metrics(ev: Evaluation, auto_threshold: float) -> dict:
    m = ev.matches.select("item_id", "book_id", "tier", "confidence").join(
        ev.truth, on="item_id", how="right"
    )
    m = m.with_columns(
        correct=(pl.col("book_id") == pl.col("truth_book_id")).fill_null(False),
        matchable=pl.col("truth_book_id").is_not_null(),
        tier=pl.col("tier").fill_null("reject"),
    )
    n, matchable = m.height, int(m["matchable"].sum())
    auto = m.filter(pl.col("tier") == "auto")
    band = m.filter((pl.col("confidence") >= auto_threshold) & pl.col("book_id").is_not_null())
    silent = m.filter(pl.col("matchable") & (pl.col("tier") == "reject") & pl.col("correct"))
    reachable = m.filter(pl.col("matchable") & pl.col("truth_in_candidates"))
    per_tier = {}
    for tier in ("auto", "pending", "reject"):
        t = m.filter(pl.col("tier") == tier)
        per_tier[tier] = {
            "items": t.height,
            "precision": _ratio(int(t["correct"].sum()), t.height),
            "recall": _ratio(int(t["correct"].sum()), matchable),
            "distractors": int((~t["matchable"]).sum()),
        }
    return {
        "items": n,
        "matchable": matchable,
        "auto_precision": _ratio(int(auto["correct"].sum()), auto.height),
        "auto_recall": _ratio(int(auto["correct"].sum()), matchable),
        "top1_accuracy": _ratio(int(m.filter(pl.col("matchable"))["correct"].sum()), matchable),
        "distractors_auto": int((~auto["matchable"]).sum()),
        "silent_reject_right": _ratio(silent.height, matchable),
        "requests_per_item": _ratio(ev.billed_first, n),
        "rerun_requests": ev.billed_rerun,
        "requests_by_strategy": ev.requests_by_strategy,
        "http_requests_per_item": _ratio(ev.http_first, n),
        "auto_band_right": _ratio(int(band["correct"].sum()), band.height),
        "pending_share": _ratio(per_tier["pending"]["items"], n),
        "candidate_recall": _ratio(reachable.height, matchable),
        "per_tier": per_tier,
        "calibration": calibration_bands(m),
    }


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def calibration_bands(m: pl.DataFrame) -> list[dict]:
    edges = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001]
    out = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        band = m.filter(
            (pl.col("confidence") >= lo) & (pl.col("confidence") < hi) & pl.col("book_id").is_not_null()
        )
        out.append(
            {
                "band": f"{lo:.2f}–{min(hi, 1):.2f}",
                "items": band.height,
                "mean_confidence": round(float(band["confidence"].mean()), 4) if band.height else None,
                "share_correct": round(float(band["correct"].mean()), 4) if band.height else None,
            }
        )
    return out


def worst(per_family: dict[str, dict]) -> dict:
    """Each metric's worst value over the families, and which family it came from."""
    out: dict = {}
    for key in LOWER_IS_WORSE + HIGHER_IS_WORSE:
        values = [(res[key], fam) for fam, res in per_family.items() if res.get(key) is not None]
        if not values:
            continue
        value, fam = min(values) if key in LOWER_IS_WORSE else max(values)
        out[key] = value
        out[f"{key}_family"] = fam
    return out


def plot(per_family: dict[str, dict], out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=110)
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    for fam, res in per_family.items():
        bands = [b for b in res["calibration"] if b["items"]]
        xs = [b["mean_confidence"] for b in bands]
        ys = [b["share_correct"] for b in bands]
        ax.plot(xs, ys, marker="o", ms=4, label=fam)
    ax.axvline(0.95, color="tab:green", lw=0.8)
    ax.axvline(0.70, color="tab:orange", lw=0.8)
    ax.set_xlabel("confidence of the best candidate")
    ax.set_ylabel("share of items whose best candidate is right")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", fontsize=7)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)


def show_errors(ev: Evaluation) -> None:
    """Every wrong auto match, and every matchable item that is not auto with why (development families
    only: looking at a family's errors makes it development data)."""
    m = ev.matches.join(ev.truth, on="item_id")
    shown = ("rel_path", "item_title", "book_title", "kind", "tier", "confidence", "caps")
    wrong = m.filter(
        (pl.col("tier") == "auto") & (pl.col("book_id") != pl.col("truth_book_id")).fill_null(True)
    )
    for row in wrong.iter_rows(named=True):
        print("WRONG AUTO", ev.family, {k: row[k] for k in shown}, _levels(row["explanation"]))
    missed = m.filter(pl.col("truth_book_id").is_not_null() & (pl.col("tier") != "auto"))
    for row in missed.sort("tier", "confidence").iter_rows(named=True):
        right = "right" if row["book_id"] == row["truth_book_id"] else "WRONG-BOOK"
        print("NOT AUTO", ev.family, right, {k: row[k] for k in shown}, _levels(row["explanation"]))


def _levels(explanation: str | None) -> dict[str, str]:
    found = json.loads(explanation) if explanation else {}
    return {name: f"{v['level']}{v['weight']:+.1f}" for name, v in found.items() if v["level"] != "null"}


def main() -> None:
    from emulators.families import FAMILIES
    from emulators.families import seeds as seed_range

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--families", nargs="+", default=["all"], help="family names, or all")
    ap.add_argument("--protocol", choices=["leave-one-out", "frozen", "shipped"], default="leave-one-out")
    ap.add_argument("--items", type=int, default=600, help="items per family and seed")
    ap.add_argument("--eval-seeds", type=int, default=1, help="evaluation seeds per family")
    ap.add_argument("--train-items", type=int, default=1500, help="items per training corpus")
    ap.add_argument("--train-seeds", type=int, default=2, help="training corpora per family")
    ap.add_argument("--listen", action=argparse.BooleanOptionalAction, default=False)
    ap.add_argument(
        "--adapt",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="per-library adaptation on/off (SHELFMATCH_ADAPT_MODEL); default: the product's setting",
    )
    ap.add_argument("--plot", type=Path, default=None)
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument(
        "--audio-cache", type=Path, default=Path(tempfile.gettempdir()) / "shelfmatch-bench-audio"
    )
    args = ap.parse_args()

    frozen = sorted(name for name, fam in FAMILIES.items() if fam.frozen)
    dev = sorted(name for name, fam in FAMILIES.items() if not fam.frozen)
    if args.protocol == "frozen":
        families = frozen if args.families == ["all"] else args.families
        if set(families) - set(frozen):
            ap.error(f"--protocol frozen runs only frozen families: {frozen}")
        seeds = list(seed_range("frozen"))[: args.eval_seeds]
    else:
        families = dev if args.families == ["all"] else args.families
        if set(families) & set(frozen):
            ap.error(f"frozen families are only run with --protocol frozen: {frozen}")
        seeds = list(seed_range("development"))[: args.eval_seeds]

    from bench.train_scoring import train
    from tasks.settings import get_settings

    if args.adapt is not None:
        os.environ["SHELFMATCH_ADAPT_MODEL"] = "true" if args.adapt else "false"
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.testing.utilities import prefect_test_harness

    t0 = time.perf_counter()
    auto_threshold = get_settings().auto_threshold
    per_family: dict[str, dict] = {}
    models: dict[str, str] = {}
    with prefect_test_harness(server_startup_timeout=120), tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for family in families:
            model_path = None
            if args.protocol == "leave-one-out":
                others = [f for f in dev if f != family]
                model_path = workdir / f"model-without-{family}.json"
                model = train(others, list(seed_range("training"))[: args.train_seeds], args.train_items)
                model.save(model_path)
                models[family] = f"fitted on {', '.join(others)}"
            else:
                models[family] = "shipped"
            ev = run_family(family, seeds, args.items, workdir, model_path, args.listen, args.audio_cache)
            per_family[family] = metrics(ev, auto_threshold)
            if args.show_errors:
                show_errors(ev)
            res = per_family[family]
            print(
                f"{family:<20} auto_precision {res['auto_precision']} auto_recall {res['auto_recall']} "
                f"top1 {res['top1_accuracy']} distractors_auto {res['distractors_auto']} "
                f"silent_reject_right {res['silent_reject_right']} requests/item {res['requests_per_item']}"
            )
    if args.plot:
        plot(per_family, args.plot, f"Calibration per family ({args.protocol})")
    result = {
        "protocol": args.protocol,
        "families": per_family,
        "worst_family": worst(per_family),
        "models": models,
        "seeds": seeds,
        "items_per_family": args.items * len(seeds),
        "listen": args.listen,
        "adapt": get_settings().adapt_model,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    with contextlib.suppress(KeyError):
        print(json.dumps(result["worst_family"], indent=1))
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
