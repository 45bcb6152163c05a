"""Match quality on held-out generated corpora: precision/recall per tier, top-1 accuracy, calibration.

    uv run python bench/quality.py [--items 1500] [--seeds 913] [--profile hostile] [--path real|offline]
                                   [--no-listen]

By default: the real path with listening, on a held-out hostile library of 1,500 items (about 25 min
on 2 cores the first time, most of it rendering and transcribing audio).

`--path real --no-listen` runs the text path: the ABS emulator serving the generated library → `extract_abs` →
the Hardcover emulator → `fetch_candidates` → `score`, all into a temporary DuckDB file. With
listening (the default) it is the product's whole `sync` flow instead: every item also gets real audio (espeak-ng
speaking its true book's opening credits — the invented book's for distractors — encoded by ffmpeg
and tagged like its metaTags), and after scoring, `listen` transcribes (tiny.en) every item without
an auto match, streamed from the ABS emulator with HTTP Range, searches Hardcover from what it heard
and re-scores. The audio is cached per (profile, seed, items) under --audio-cache, so a re-run only
listens. `--path offline` builds candidate sets straight from the catalogue
(tasks/scoring/labelled.py) and scores them in memory.

Seeds must differ from the training seeds (bench/train_scoring.py uses 100–399). Writes the
calibration plot to docs/img/calibration.png with --plot. Ends with `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polars as pl  # noqa: E402

from tasks.settings import get_settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def offline_matches(n_items: int, seed: int, profile: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(matches, truth) for one corpus, candidates from the catalogue, scored in memory."""
    from tasks.scoring import choose_matches, score_pairs
    from tasks.scoring.labelled import catalogue_book_frame, labelled_corpus

    corpus = labelled_corpus(n_items, seed=seed, profile=profile)
    scored = score_pairs(corpus.candidates, corpus.items, catalogue_book_frame())
    s = get_settings()
    matches = choose_matches(
        scored, corpus.truth["item_id"], s.auto_threshold, s.pending_threshold, s.runner_up_margin
    )
    return matches, corpus.truth


def real_matches(
    n_items: int, seed: int, profile: str, workdir: Path, audio_cache: Path | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(matches, truth) through emulators + extract_abs + fetch_candidates + score into a DuckDB file;
    with `audio_cache`, through the whole sync flow (… → score → listen → re-score) over real audio."""
    import os

    from emulators.abs import run_abs_emulator
    from emulators.corpus import generate_library, write_audio
    from emulators.hardcover import Limits, run_hardcover_emulator
    from tasks.warehouse import connect

    lib = generate_library(n_items, seed=seed, profile=profile)
    if audio_cache is not None:
        root = audio_cache / f"{profile}-{seed}-{n_items}"
        t = time.perf_counter()
        write_audio(lib, root, audio="speech", seconds=2.0, workers=os.cpu_count() or 2, reuse=True)
        print(f"seed {seed}: audio for {len(lib.items)} items under {root} in {time.perf_counter() - t:.0f}s")
    truth = pl.DataFrame(
        [{"item_id": k, "truth_book_id": t.book_id, "kind": t.kind} for k, t in lib.truth.items()],
        schema={"item_id": pl.String, "truth_book_id": pl.Int64, "kind": pl.String},
    )
    db = workdir / f"quality-{seed}.duckdb"
    # The emulator enforces Hardcover's limits; a loopback bench does not need to wait out the minute.
    limits = Limits(per_minute=60_000, burst=1_000, daily=1_000_000)
    with (
        run_abs_emulator(
            lib.items, api_key="bench-key", library=lib.library, audio_root=lib.audio_root
        ) as abs_emu,
        run_hardcover_emulator(token="bench-token", limits=limits) as hc,
    ):
        os.environ.update(
            {
                "SHELFMATCH_ABS_URL": abs_emu.url,
                "SHELFMATCH_ABS_API_KEY": "bench-key",
                "SHELFMATCH_HARDCOVER_URL": hc.url,
                "SHELFMATCH_HARDCOVER_TOKEN": "bench-token",
                "SHELFMATCH_DUCKDB_PATH": str(db),
            }
        )
        from flows.candidates import fetch_candidates
        from flows.extract import extract_abs
        from flows.score import score
        from flows.sync import sync

        if audio_cache is not None:
            t = time.perf_counter()
            sync(db_path=str(db))
            print(
                f"seed {seed}: sync (extract → candidates → score → listen → score) in {time.perf_counter() - t:.0f}s"
            )
        else:
            extract_abs(db_path=str(db))
            fetch_candidates(db_path=str(db))
            score(db_path=str(db))
    with connect(db) as con:
        matches = con.sql(
            "SELECT m.item_id, m.book_id, m.tier, m.confidence, i.rel_path, i.title AS item_title, "
            "b.title AS book_title, m.explanation::VARCHAR AS explanation "
            "FROM matches m LEFT JOIN abs_items i USING (item_id) LEFT JOIN hc_books b ON b.book_id = m.book_id"
        ).pl()
        candidates = con.sql("SELECT item_id, book_id FROM candidates").pl()
        heard = con.sql(
            "SELECT item_id, verdict, book_id AS heard_book_id, credits::VARCHAR AS heard_credits FROM listen_results"
        ).pl()
    print(
        f"seed {seed}: {len(lib.items)} items, {candidates.height} candidate pairs via extract + fetch_candidates"
    )
    # Was the true book among the candidates at all? Separates retrieval misses from scoring misses.
    found = truth.join(
        candidates, left_on=["item_id", "truth_book_id"], right_on=["item_id", "book_id"], how="semi"
    )
    truth = truth.with_columns(truth_in_candidates=pl.col("item_id").is_in(found["item_id"].implode()))
    if heard.height:
        truth = truth.join(heard, on="item_id", how="left")
    return matches, truth


def evaluate(matches: pl.DataFrame, truth: pl.DataFrame) -> dict:
    m = matches.select("item_id", "book_id", "tier", "confidence").join(truth, on="item_id", how="right")
    m = m.with_columns(
        correct=(pl.col("book_id") == pl.col("truth_book_id")).fill_null(False),
        matchable=pl.col("truth_book_id").is_not_null(),
        tier=pl.col("tier").fill_null("reject"),
    )
    matchable = int(m["matchable"].sum())
    auto = m.filter(pl.col("tier") == "auto")
    per_tier = {}
    for tier in ("auto", "pending", "reject"):
        t = m.filter(pl.col("tier") == tier)
        per_tier[tier] = {
            "items": t.height,
            "precision": round(float(t["correct"].mean()), 4) if t.height else None,
            "recall": round(int(t["correct"].sum()) / matchable, 4) if matchable else None,
            "distractors": int((~t["matchable"]).sum()),
        }
    extra = {}
    if "truth_in_candidates" in m.columns:
        reachable = m.filter(pl.col("matchable") & pl.col("truth_in_candidates"))
        extra = {
            "candidate_recall": round(reachable.height / matchable, 4) if matchable else None,
            "top1_when_truth_in_candidates": round(float(reachable["correct"].mean()), 4)
            if reachable.height
            else None,
        }
    if "verdict" in m.columns:
        heard = m.filter(pl.col("verdict").is_not_null())
        identified = heard.filter(pl.col("verdict") == "identified")
        extra["listen"] = {
            "items_heard": heard.height,
            "identified": identified.height,
            "identified_right": int(
                (identified["heard_book_id"] == identified["truth_book_id"]).fill_null(False).sum()
            ),
            "identified_wrong": int(
                (identified["heard_book_id"] != identified["truth_book_id"]).fill_null(True).sum()
            ),
            "verdicts": dict(heard.group_by("verdict").len().sort("verdict").iter_rows()),
        }
    return {
        **extra,
        "items": m.height,
        "matchable": matchable,
        "auto_precision": round(float(auto["correct"].mean()), 4) if auto.height else None,
        "auto_recall": round(int(auto["correct"].sum()) / matchable, 4) if matchable else None,
        "pending_share": round(per_tier["pending"]["items"] / m.height, 4),
        "distractors_auto": int((~auto["matchable"]).sum()),
        "top1_accuracy": round(int(m.filter(pl.col("matchable"))["correct"].sum()) / matchable, 4)
        if matchable
        else None,
        "per_tier": per_tier,
        "frame": m,
    }


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


def plot(bands: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [b["mean_confidence"] for b in bands if b["items"]]
    ys = [b["share_correct"] for b in bands if b["items"]]
    ns = [b["items"] for b in bands if b["items"]]
    fig, ax = plt.subplots(figsize=(5, 5), dpi=110)
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.scatter(
        xs,
        ys,
        s=[max(15, min(400, n)) for n in ns],
        color="tab:blue",
        zorder=3,
        label="confidence band (size = items)",
    )
    ax.plot(xs, ys, color="tab:blue")
    for x, y, n in zip(xs, ys, ns, strict=True):
        ax.annotate(f"n={n}", (x, y), textcoords="offset points", xytext=(6, -10), fontsize=7)
    ax.axvline(0.95, color="tab:green", lw=0.8)
    ax.axvline(0.70, color="tab:orange", lw=0.8)
    ax.set_xlabel("confidence of the best candidate")
    ax.set_ylabel("share of items whose best candidate is right")
    ax.set_title("Calibration on held-out hostile corpora")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=1500)
    ap.add_argument("--seeds", type=int, nargs="+", default=[913])
    ap.add_argument("--profile", default="hostile")
    ap.add_argument("--path", choices=["offline", "real"], default="real")
    ap.add_argument("--plot", type=Path, default=None)
    ap.add_argument("--show-errors", action="store_true", help="print every wrong auto match")
    ap.add_argument(
        "--listen",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="--path real: the whole sync flow over real audio (default); --no-listen stops after score",
    )
    ap.add_argument(
        "--audio-cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "shelfmatch-bench-audio",
        help="where --listen keeps each corpus's generated audio between runs",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    frames = []
    if args.path == "real":
        import contextlib
        import os

        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        from prefect.testing.utilities import prefect_test_harness

        harness = prefect_test_harness(server_startup_timeout=120)
    else:
        import contextlib

        harness = contextlib.nullcontext()
    with harness:
        for seed in args.seeds:
            if args.path == "real":
                with tempfile.TemporaryDirectory() as tmp:
                    matches, truth = real_matches(
                        args.items, seed, args.profile, Path(tmp), args.audio_cache if args.listen else None
                    )
            else:
                matches, truth = offline_matches(args.items, seed, args.profile)
            frames.append((matches, truth))
    matches = pl.concat([f[0].select("item_id", "book_id", "tier", "confidence") for f in frames])
    truth = pl.concat([f[1] for f in frames], how="diagonal_relaxed")
    if args.show_errors:
        for m, t in frames:
            wrong = m.join(t, on="item_id").filter(
                (pl.col("tier") == "auto") & (pl.col("book_id") != pl.col("truth_book_id")).fill_null(True)
            )
            for row in wrong.iter_rows(named=True):
                print("WRONG AUTO", {k: v for k, v in row.items() if k not in ("tier",)})
            if "verdict" in t.columns:  # the audio identified a book that is not the item's
                misheard = m.join(t, on="item_id").filter(
                    (pl.col("verdict") == "identified")
                    & (pl.col("heard_book_id") != pl.col("truth_book_id")).fill_null(True)
                )
                for row in misheard.iter_rows(named=True):
                    print("WRONG HEARD", {k: v for k, v in row.items() if k not in ("explanation",)})
    res = evaluate(matches, truth)
    bands = calibration_bands(res.pop("frame"))
    if args.plot:
        plot(bands, args.plot)
    per_tier = res.pop("per_tier")
    print("tier      items  precision  recall  distractors")
    for tier, row in per_tier.items():
        print(
            f"{tier:<8} {row['items']:>6}  {row['precision']!s:>9}  {row['recall']!s:>6}  {row['distractors']:>5}"
        )
    print("band          items  mean_conf  share_correct")
    for b in bands:
        print(f"{b['band']:<12} {b['items']:>6}  {b['mean_confidence']!s:>9}  {b['share_correct']!s:>9}")
    res.update(
        {
            "path": args.path + ("+listen" if args.listen and args.path == "real" else ""),
            "profile": args.profile,
            "seeds": args.seeds,
            "per_tier": per_tier,
            "calibration": bands,
            "seconds": round(time.perf_counter() - t0, 1),
        }
    )
    print("RESULT " + json.dumps(res))


if __name__ == "__main__":
    main()
