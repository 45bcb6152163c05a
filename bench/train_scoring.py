"""Estimate the scoring model's m/u per comparison level from labelled corpora and write the parameter file.

    uv run python bench/train_scoring.py [--items 1500] [--seeds 1 2 3] [--profiles clean default hostile]
                                         [--shrink 0.03] [--version v2] [--out PATH]

The estimate is `tasks.scoring.estimate.fit`: m/u under a prior towards "no information" (so a level
the generator rarely makes cannot become a veto), monotone levels and soft floors (estimate.py).

Corpora come from `emulators.corpus.generate_library` (truth known) with candidate sets built from
the emulated catalogue (tasks/scoring/labelled.py). Held-out evaluation uses other seeds
(bench/quality.py). Ends with `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polars as pl  # noqa: E402

from tasks.scoring import MODEL_PATH, pair_features  # noqa: E402
from tasks.scoring.estimate import SHRINK, fit  # noqa: E402
from tasks.scoring.labelled import catalogue_book_frame, labelled_corpus  # noqa: E402


def labelled_features(n_items: int, seed: int, profile: str) -> pl.DataFrame:
    corpus = labelled_corpus(n_items, seed=seed, profile=profile)
    feats = pair_features(corpus.candidates, corpus.items, catalogue_book_frame())
    return feats.join(corpus.truth, on="item_id", how="left").with_columns(
        is_match=(pl.col("book_id") == pl.col("truth_book_id")).fill_null(False)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=1500)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--profiles", nargs="+", default=["clean", "default", "hostile", "hostile"])
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--version", default="v2")
    ap.add_argument(
        "--shrink",
        type=float,
        default=SHRINK,
        help="the prior's pseudo-counts as a share of each side's pairs",
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    frames = []
    corpora = []
    for seed in args.seeds:
        for i, profile in enumerate(args.profiles):
            s = seed * 100 + i  # each (seed, profile) slot its own library
            frames.append(labelled_features(args.items, s, profile))
            corpora.append({"seed": s, "profile": profile, "items": args.items})
    feats = pl.concat(frames, how="diagonal_relaxed")
    meta = {
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "training_corpus": {
            "generator": "emulators.corpus.generate_library",
            "candidates": "tasks.scoring.labelled.search_like_candidates (truth + series/author neighbours + same title + rare-word search)",
            "corpora": corpora,
            "pairs": feats.height,
            "matching_pairs": int(feats["is_match"].sum()),
        },
        "command": "uv run python " + " ".join(sys.argv),
    }
    model = fit(feats, version=args.version, meta=meta, shrink=args.shrink)
    model.save(args.out)
    result = {
        "pairs": feats.height,
        "matching_pairs": int(feats["is_match"].sum()),
        "prior_log2_odds": model.prior_log2_odds,
        "slope": model.slope,
        "intercept": model.intercept,
        "seconds": round(time.perf_counter() - t0, 1),
        "out": str(args.out),
    }
    for comp, levels in model.weights.items():
        print(f"{comp:<11}", "  ".join(f"{lvl}={w:+.2f}" for lvl, w in levels.items()))
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
