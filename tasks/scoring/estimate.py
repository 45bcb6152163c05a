"""Estimating the match model so that it degrades gracefully on libraries it has never seen.

Training corpora are generated, and a generator makes some things (a one-letter typo, another release
of the audio 4 % longer, the audio release year) rarely or never. Counted naively, a level seen twice
among 15 k matching pairs becomes a −8-bit veto that throws away right answers in a real library.
Three rules hold for every estimate made here — `fit` (labelled pairs → Model, for training) and
`adapt` (one library's candidate pairs → Model, in every score run):

1. **m/u with a Dirichlet prior.** m = P(level | match) and u = P(level | non-match) are posterior
   means under pseudo-counts. `fit` centres them on "no information": both m and u get the level's
   pooled frequency f (a little of it spread evenly over the levels), as `shrink` (ρ) × the side's
   pair count. Whatever the corpus size, a level never seen among matches then weighs no less than
   log2(ρ·N_u / ((1 + ρ)(N/(1 − spread) + ρ·N_u))), ≈ −5.4 bits on the training corpora, and a level
   seen twice, both times among matches, cannot claim much either. Identifiers and the exact title /
   author are `STRONG_LEVELS`: their u takes a Laplace prior, so their rarity among non-matches
   speaks in full. `adapt` centres the pseudo-counts on the shipped model's m/u instead, worth
   `strength` pairs.
2. **Monotone levels.** `ORDERS` declares, per comparison, chains of levels from closest to
   farthest; along a chain a closer level never weighs less. Enforced by weighted isotonic
   regression (pool adjacent violators, weights = evidence counts) between the bounds below.
3. **Soft evidence stays soft.** `SOFT_FLOORS` bounds the negative weight of duration, year, series
   and narrator levels, so that one of them alone lowers the confidence of a pair whose title,
   author and series agree but cannot sink it (the tier caps in tiers.py still act on the levels).

The outer bounds stay ±`MAX_BITS` (±`MAX_IDENTIFIER_BITS` for identifiers). Level frames are Polars
frames with one `<comparison>_level` column per comparison, as Enums or plain strings (null = the
`null` level).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from tasks.scoring.comparisons import COMPARISONS, NULL
from tasks.scoring.model import (
    SEGMENT_MIN_BLOCK,
    SEGMENT_PRIOR_ITEMS,
    SEGMENTS,
    Model,
    _platt,
    isotonic_knots,
    segments,
)
from tasks.scoring.rules import (
    ORDERS,
    SHRINK,
    SOFT_FLOORS,
    SPREAD,
    Table,
    check_rules,
    constrain,
    log_ratio,
    posterior_mean,
    uninformative_pseudocounts,
)


def level_codes(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    """Each comparison's level as an index into its `level_names` (null → the `null` level), from
    `<comparison>_level` columns that are the comparison's Enum or text."""
    out = {}
    for comp in COMPARISONS:
        column = f"{comp.name}_level"
        if column not in frame.columns:
            raise ValueError(
                f"the pairs have no {column!r} column (one level column per comparison is needed)"
            )
        names = comp.level_names
        null_code = names.index(NULL)
        col = frame[column]
        if col.dtype == comp.dtype:
            codes = col.to_physical().fill_null(null_code).to_numpy()
        else:
            try:
                text = col.cast(pl.String)
            except pl.exceptions.PolarsError as exc:
                raise ValueError(f"{column} is {col.dtype}, not level names: {exc}") from None
            found = text.replace_strict(names, list(range(len(names))), default=-1, return_dtype=pl.Int16)
            unknown = (found == -1) & text.is_not_null()
            if unknown.any():
                bad = sorted(text.filter(unknown).unique().to_list())[:5]
                raise ValueError(f"{column} holds {bad}, which are not levels of {comp.name} ({names})")
            codes = found.fill_null(null_code).to_numpy()
        out[comp.name] = np.ascontiguousarray(codes, dtype=np.intp)
    return out


def count_levels(codes: dict[str, np.ndarray], weight: np.ndarray | None = None) -> Table:
    """Per comparison, the (weighted) number of pairs at each level."""
    return {
        comp.name: np.bincount(codes[comp.name], weights=weight, minlength=len(comp.level_names)).astype(
            float
        )
        for comp in COMPARISONS
    }


def model_probabilities(model: Model) -> tuple[Table, Table]:
    """The model's m and u per comparison (normalised, never 0), from its stored level table."""
    m0: Table = {}
    u0: Table = {}
    for comp in COMPARISONS:
        table = model.levels.get(comp.name)
        if not table:
            raise ValueError(
                f"model {model.version} stores no m/u for {comp.name!r}: it cannot serve as a prior"
            )
        missing = [level for level in comp.level_names if level not in table]
        if missing:
            raise ValueError(
                f"model {model.version} has no m/u for {comp.name} level(s) {missing}: retrain it"
            )
        for side, out in (("m", m0), ("u", u0)):
            p = np.array([max(float(table[level][side]), 1e-12) for level in comp.level_names])
            out[comp.name] = p / p.sum()
    return m0, u0


def estimate(
    m_counts: Table,
    u_counts: Table,
    shrink: float = SHRINK,
    orders: dict[str, tuple[tuple[str, ...], ...]] = ORDERS,
    floors: dict[str, dict[str, float]] = SOFT_FLOORS,
    spread: float = SPREAD,
) -> dict[str, dict[str, dict[str, Any]]]:
    """The level table (m, u, weight, the unconstrained weight, counts) from counts of labelled pairs,
    with the uninformative prior and the three rules."""
    check_rules(orders, floors)
    alpha_m, alpha_u = uninformative_pseudocounts(m_counts, u_counts, shrink, spread)
    table = {}
    for comp in COMPARISONS:
        name = comp.name
        m = posterior_mean(m_counts[name], alpha_m[name])
        u = posterior_mean(u_counts[name], alpha_u[name])
        raw = log_ratio(m, u)
        evidence = m_counts[name] + u_counts[name] + alpha_m[name] + alpha_u[name]
        weight = constrain(name, raw, evidence, orders=orders, floors=floors)
        table[name] = level_table(comp.level_names, m, u, raw, weight, m_counts[name], u_counts[name])
    return table


def level_table(
    names: Sequence[str],
    m: np.ndarray,
    u: np.ndarray,
    raw: np.ndarray,
    weight: np.ndarray,
    n_match: np.ndarray,
    n_non: np.ndarray,
) -> dict[str, dict[str, Any]]:
    def count(x: float) -> float | int:
        return int(x) if float(x).is_integer() else round(float(x), 2)

    return {
        level: {
            "m": round(float(m[k]), 8),
            "u": round(float(u[k]), 8),
            "weight": round(float(weight[k]), 4),
            "raw_weight": 0.0 if level == NULL else round(float(raw[k]), 4),
            "n_match": count(n_match[k]),
            "n_non_match": count(n_non[k]),
        }
        for k, level in enumerate(names)
    }


def weights_of(table: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    return {name: {level: spec["weight"] for level, spec in levels.items()} for name, levels in table.items()}


def weight_arrays(weights: dict[str, dict[str, float]]) -> Table:
    return {
        comp.name: np.array(
            [
                0.0 if level == NULL else float(weights[comp.name].get(level, 0.0))
                for level in comp.level_names
            ]
        )
        for comp in COMPARISONS
    }


def match_weights(model: Model, codes: dict[str, np.ndarray]) -> np.ndarray:
    """Each pair's match weight (the prior plus its levels' weights, bits)."""
    arrays = weight_arrays(model.weights)
    total = np.full(len(codes[COMPARISONS[0].name]), float(model.prior_log2_odds))
    for comp in COMPARISONS:
        total += arrays[comp.name][codes[comp.name]]
    return total


def best_rows(item_id: pl.Series, weight: np.ndarray) -> np.ndarray:
    """The row of each item's best pair by weight (the first row among equals)."""
    if item_id.null_count():
        raise ValueError("item_id has nulls: every pair must name its item")
    frame = pl.DataFrame({"item": item_id.cast(pl.String), "w": weight, "row": np.arange(len(weight))})
    best = frame.sort(["item", "w", "row"], descending=[False, True, False]).unique(
        "item", keep="first", maintain_order=True
    )
    return best["row"].to_numpy()


def fit(
    features: pl.DataFrame,
    label: str = "is_match",
    version: str = "v2",
    meta: dict[str, Any] | None = None,
    shrink: float = SHRINK,
    orders: dict[str, tuple[tuple[str, ...], ...]] = ORDERS,
    floors: dict[str, dict[str, float]] = SOFT_FLOORS,
    spread: float = SPREAD,
) -> Model:
    """Labelled pairs (`item_id`, the level columns, a boolean `label`) → Model: m/u under the
    uninformative prior, monotone levels and soft floors; the prior odds; and the calibration as
    isotonic knots on each item's best candidate (a logistic fit as the fallback of a model without knots)."""
    for column in ("item_id", label):
        if column not in features.columns:
            raise ValueError(f"training pairs have no {column!r} column")
    y_series = features[label]
    if y_series.null_count():
        raise ValueError(f"{label} has nulls: every training pair must be labelled")
    y = y_series.cast(pl.Boolean).to_numpy()
    n_match, n_non = int(y.sum()), int((~y).sum())
    if n_match == 0 or n_non == 0:
        raise ValueError("training needs both matching and non-matching pairs")
    codes = level_codes(features)
    m_counts, u_counts = count_levels(codes, y.astype(float)), count_levels(codes, (~y).astype(float))
    table = estimate(m_counts, u_counts, shrink, orders, floors, spread)
    lam = n_match / (n_match + n_non)
    model = Model(
        version=version,
        prior_log2_odds=round(math.log2(n_match / n_non), 4),
        weights=weights_of(table),
        meta={
            **(meta or {}),
            "prior": {"lambda": round(lam, 6), "pairs": features.height},
            "estimation": {
                "method": "Dirichlet prior towards weight 0 (pooled level frequency), monotone levels "
                "(isotonic along ORDERS), soft floors (SOFT_FLOORS)",
                "shrink": shrink,
                "spread": spread,
                "orders": {name: [list(chain) for chain in chains] for name, chains in orders.items()},
                "floors": floors,
            },
        },
        levels=table,
    )
    calibrate(model, features, codes, y)
    return model


def calibrate(model: Model, features: pl.DataFrame, codes: dict[str, np.ndarray], y: np.ndarray) -> None:
    """Set `model`'s calibration from labelled pairs: isotonic knots, pooled and per segment, and the
    logistic fallback, on each item's best candidate by match weight."""
    # Calibrate what the tiers use: each item's best candidate by match weight, labelled right or wrong
    # (an item whose book is not among its candidates only has wrong ones).
    x = match_weights(model, codes)
    best = best_rows(features["item_id"], x)
    xb, yb = x[best], y[best]
    model.slope, model.intercept = _platt(xb * math.log(2), yb)
    segment = segments(features)[best]
    model.knots = isotonic_knots(xb, yb)
    pooled = model.curve()
    model.segment_knots = {
        name: isotonic_knots(
            xb[segment == k],
            yb[segment == k],
            min_block=SEGMENT_MIN_BLOCK,
            prior=pooled,
            strength=SEGMENT_PRIOR_ITEMS,
        )
        for k, name in enumerate(SEGMENTS)
        if (segment == k).any()
    }
    for name in ("conflict", "settled"):
        if name not in model.segment_knots:
            continue
        # Conflicting evidence is never worth more than the same weight in general, settled or not: the lower
        # of the two curves, at the knots of both (capping only the segment's own knots would draw a line
        # under the pooled curve between them).
        own = model.curve(name)
        xs = np.union1d(own[0], pooled[0][(pooled[0] > own[0][0]) & (pooled[0] < own[0][-1])])
        model.segment_knots[name] = [
            (float(x), min(float(np.interp(x, *own)), float(np.interp(x, *pooled)))) for x in xs
        ]
    model.meta["calibration_items"] = len(best)
    model.meta["calibration_items_by_segment"] = {
        name: int((segment == k).sum()) for k, name in enumerate(SEGMENTS)
    }
