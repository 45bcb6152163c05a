"""Fit the scoring model on labelled corpora of the development generator families and write it.

    uv run python bench/train_scoring.py [--families all] [--seeds 2] [--items 1500]

Corpora come from `emulators.families.generate` at the registry's *training* seeds (truth known), with
candidate sets built from the emulated catalogue (bench/labelled.py). The frozen families are never
used here. Estimation (m/u with priors, monotone levels, soft evidence) is `tasks.scoring.estimate.fit`.
Labelled features are cached per (family, seed, items) under --cache, so leave-one-out runs
(bench/quality.py) fit many models from the same corpora without generating them again. Ends with
`RESULT {json}`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polars as pl  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "shelfmatch-labelled"


def _code_version() -> str:
    """A hash of the code a labelled corpus's features come from (generators, evidence, scoring): a cached
    corpus is used only by the code that made it."""
    root = Path(__file__).resolve().parent.parent
    files = sorted(
        [
            *root.glob("emulators/**/*.py"),
            *root.glob("tasks/scoring/*.py"),
            *root.glob("tasks/evidence/*.py"),
            *root.glob("tasks/normalise/*.py"),
            root / "bench" / "labelled.py",
        ]
    )
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def labelled_features(family: str, seed: int, n_items: int, cache: Path | None = CACHE) -> pl.DataFrame:
    """Every candidate pair of one generated corpus with its levels and `is_match`."""
    from bench.labelled import catalogue_book_frame, labelled_corpus
    from tasks.scoring import pair_features

    path = None
    if cache is not None:
        path = cache / f"{family}-{seed}-{n_items}-{_code_version()}.parquet"
        if path.exists():
            return pl.read_parquet(path)
    corpus = labelled_corpus(n_items, seed=seed, family=family)
    feats = pair_features(corpus.candidates, corpus.items, catalogue_book_frame())
    feats = feats.join(corpus.truth, on="item_id", how="left").with_columns(
        is_match=(pl.col("book_id") == pl.col("truth_book_id")).fill_null(False)
    )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        feats.write_parquet(path)
    return feats


def train(families: list[str], seeds: list[int], n_items: int, version: str = "v2", meta: dict | None = None):
    """A model fitted on `families` × `seeds` (training seeds of the registry)."""
    from tasks.scoring.estimate import fit

    frames, corpora = [], []
    for family in families:
        for seed in seeds:
            frames.append(labelled_features(family, seed, n_items))
            corpora.append({"family": family, "seed": seed, "items": n_items})
    feats = pl.concat(frames, how="diagonal_relaxed")
    meta = {
        **(meta or {}),
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "training_corpus": {
            "generator": "emulators.families.generate",
            "candidates": "bench/labelled.py search_like_candidates (truth + series/author neighbours "
            "+ same title + rare-word search)",
            "corpora": corpora,
            "pairs": feats.height,
            "matching_pairs": int(feats["is_match"].sum()),
        },
    }
    return fit(feats, version=version, meta=meta)


def main() -> None:
    from emulators.families import FAMILIES, seeds
    from tasks.scoring import MODEL_PATH

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--families", nargs="+", default=["all"])
    ap.add_argument("--seeds", dest="n_seeds", type=int, default=2, help="training corpora per family")
    ap.add_argument("--items", type=int, default=1500)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--version", default="v2")
    args = ap.parse_args()

    dev = sorted(name for name, fam in FAMILIES.items() if not fam.frozen)
    families = dev if args.families == ["all"] else args.families
    if any(FAMILIES[f].frozen for f in families):
        ap.error("frozen families are never trained on")
    t0 = time.perf_counter()
    model = train(
        families,
        list(seeds("training"))[: args.n_seeds],
        args.items,
        version=args.version,
        meta={"command": "uv run python " + " ".join(sys.argv)},
    )
    model.save(args.out)
    for comp, levels in model.weights.items():
        print(f"{comp:<11}", "  ".join(f"{lvl}={w:+.2f}" for lvl, w in levels.items()))
    result = {
        "families": families,
        "pairs": model.meta["training_corpus"]["pairs"],
        "matching_pairs": model.meta["training_corpus"]["matching_pairs"],
        "prior_log2_odds": model.prior_log2_odds,
        "seconds": round(time.perf_counter() - t0, 1),
        "out": str(args.out),
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
