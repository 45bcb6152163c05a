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

import hashlib
import json
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from tasks.scoring.comparisons import COMPARISONS, NULL
from tasks.scoring.model import (
    MAX_BITS,
    MAX_IDENTIFIER_BITS,
    SEGMENT_PRIOR_ITEMS,
    SEGMENTS,
    Model,
    _platt,
    isotonic_knots,
    segments,
)

# Chains of levels from closest to farthest: each chain's weights are non-increasing. A level is in at
# most one chain; a level in none is bounded but unordered. Title containment (`candidate_longer`,
# `item_longer`) marks sequels and omnibuses, not a degree of closeness, so it stays out of the chain;
# so do the one-sided series levels, `sources: single` (one source: no majority to rank) and the
# position an item names for a book that has none.
ORDERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "title": (("exact", "close", "fair", "far"),),
    "sources": (("all", "most", "some", "none"),),
    "author": (("exact", "close", "fair", "far"),),
    "narrator": (("exact", "close", "far"),),
    "series": (("exact", "close", "far"),),
    "position": (("equal", "different"),),
    "duration": (("within_3pct", "within_10pct", "within_25pct", "far"),),
    "year": (("exact", "near", "far"),),
    "identifier": (),
}

# The least a soft level may weigh (bits). A pair whose title, sources, author and series agree sums to
# about +14 bits (≈ 0.97 with the calibrations of models trained on generated corpora); no single soft
# level may take it below 0.70 — pending at worst, never reject (tests/test_estimate.py checks it
# against the calibration).
# - duration: another release or trimmed credits is a few percent off (within_10pct −2.5); 10–25 % is
#   more likely another edition (−4); more than 25 % is another edition or another book, and the
#   `duration` cap keeps such a match out of auto anyway: −6 still sets a series neighbour carrying
#   copied ABS metadata apart from the right book, and leaves the agreeing pair at ≈ 0.74.
# - year: the ABS year is often the audio release, not the first publication, whatever the gap (−2.5).
# - narrator: another edition's reader, or a name misheard in the spoken credits (−2.5).
# - series: a sub-series or a differently named series (close −2.5, far −4); Hardcover often has no
#   series for a book an item files under one, and items often name none (−2.5).
SOFT_FLOORS: dict[str, dict[str, float]] = {
    "duration": {"within_10pct": -2.5, "within_25pct": -4.0, "far": -6.0},
    "year": {"near": -2.5, "far": -2.5},
    "narrator": {"close": -2.5, "far": -2.5},
    "series": {"close": -2.5, "far": -4.0, "item_only": -2.5, "book_only": -2.5},
}

# Levels whose u takes a Laplace prior in `fit` instead of the pull towards weight 0: agreement on an
# identifier or on the exact title / author stays strong evidence.
STRONG_LEVELS: dict[str, tuple[str, ...]] = {
    "identifier": ("asin", "isbn"),
    "title": ("exact",),
    "author": ("exact",),
}

SHRINK = 0.03  # fit: the prior's pseudo-counts as a fraction of each side's pairs
SPREAD = 0.05  # fit: the share of the prior's pooled frequency spread evenly over a comparison's levels
STRENGTH = 500.0  # adapt: the shipped model's m/u are worth this many pairs on each side
MIN_ITEMS = 200  # adapt: libraries with fewer items keep the shipped model
MAX_ITERATIONS = 50
TOLERANCE = 1e-3  # bits: EM stops when no weight moves more than this
FLIP_Z = 3.0  # adapt: a weight may change sign against the prior only on this many standard errors
STRONG_PRIOR_BITS = 1.0  # adapt: a prior weight at least this far from 0 keeps its sign without such evidence

_BY_NAME = {comp.name: comp for comp in COMPARISONS}
Table = dict[str, np.ndarray]  # comparison -> one value per level, in `level_names` order (null last)


def _cap(name: str) -> float:
    return MAX_IDENTIFIER_BITS if name == "identifier" else MAX_BITS


def check_rules(orders: dict = ORDERS, floors: dict = SOFT_FLOORS) -> None:
    """Every level named by `orders` and `floors` exists, and no level is in two chains."""
    for name, chains in orders.items():
        if name not in _BY_NAME:
            raise ValueError(f"ORDERS names an unknown comparison {name!r}")
        seen: set[str] = set()
        for chain in chains:
            for level in chain:
                if level not in _BY_NAME[name].level_names or level == NULL:
                    raise ValueError(f"ORDERS[{name!r}] names an unknown level {level!r}")
                if level in seen:
                    raise ValueError(f"ORDERS[{name!r}] puts level {level!r} in more than one place")
                seen.add(level)
    for name, levels in floors.items():
        if name not in _BY_NAME:
            raise ValueError(f"SOFT_FLOORS names an unknown comparison {name!r}")
        for level, floor in levels.items():
            if level not in _BY_NAME[name].level_names or level == NULL:
                raise ValueError(f"SOFT_FLOORS[{name!r}] names an unknown level {level!r}")
            if floor > 0:
                raise ValueError(f"SOFT_FLOORS[{name!r}][{level!r}] is {floor}: a floor is at most 0 bits")


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


def pava_non_increasing(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted isotonic regression onto non-increasing sequences (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [Σ w·v, Σ w, length]
    for v, w in zip(values, weights, strict=True):
        w = max(float(w), 1e-12)
        blocks.append([float(v) * w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            s, ww, n = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += ww
            blocks[-1][2] += n
    return np.repeat([s / w for s, w, _ in blocks], [int(n) for _, _, n in blocks])


def constrain(
    name: str,
    raw: np.ndarray,
    evidence: np.ndarray,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    orders: dict = ORDERS,
    floors: dict = SOFT_FLOORS,
) -> np.ndarray:
    """A comparison's level weights (bits, `level_names` order) within the caps, the soft floors and
    any extra `lower`/`upper` bounds, and non-increasing along each chain of `orders` (isotonic
    regression weighted by `evidence`); the `null` level weighs 0.

    Along a chain the bounds are first made monotone (a closer level's floor is at least a farther
    one's, a farther level's ceiling at most a closer one's), which leaves the set of monotone
    solutions unchanged; then clip, pool adjacent violators, clip again — clipping a monotone
    sequence to monotone bounds keeps it monotone."""
    names = _BY_NAME[name].level_names
    cap = _cap(name)
    lo = np.full(len(names), -cap)
    hi = np.full(len(names), cap)
    for level, floor in floors.get(name, {}).items():
        k = names.index(level)
        lo[k] = max(lo[k], floor)
    if lower is not None:
        lo = np.maximum(lo, lower)
    if upper is not None:
        hi = np.minimum(hi, upper)
    chains = [[names.index(level) for level in chain] for chain in orders.get(name, ())]
    for idx in chains:
        lo[idx] = np.maximum.accumulate(lo[idx][::-1])[::-1]
        hi[idx] = np.minimum.accumulate(hi[idx])
    hi = np.maximum(hi, lo)  # a floor wins over a ceiling (both stay monotone)
    w = np.clip(np.nan_to_num(raw, nan=0.0, posinf=cap, neginf=-cap), lo, hi)
    for idx in chains:
        w[idx] = pava_non_increasing(w[idx], evidence[idx])
    w = np.clip(w, lo, hi)
    w[names.index(NULL)] = 0.0
    return w


def uninformative_pseudocounts(
    m_counts: Table, u_counts: Table, shrink: float = SHRINK, spread: float = SPREAD
) -> tuple[Table, Table]:
    """Pseudo-counts centred on weight 0: both m and u get the level's pooled frequency, as `shrink` ×
    the side's pair count; `STRONG_LEVELS` take ½ on the u side. The pooled frequency has `spread` of
    its mass spread evenly over the levels, so that a level rare in the corpus is not rare in the prior
    too: a level seen twice, both times among matches, cannot claim +5 bits any more than a level never
    seen among matches can claim −8."""
    if not shrink > 0:
        raise ValueError(f"shrink must be > 0, not {shrink}")
    if not 0 < spread <= 1:
        raise ValueError(f"spread must be in (0, 1], not {spread}")
    alpha_m, alpha_u = {}, {}
    for comp in COMPARISONS:
        m, u = m_counts[comp.name], u_counts[comp.name]
        pooled = m + u
        f = (1 - spread) * pooled / max(pooled.sum(), 1.0) + spread / len(pooled)
        alpha_m[comp.name] = shrink * m.sum() * f
        au = shrink * u.sum() * f
        for level in STRONG_LEVELS.get(comp.name, ()):
            au[comp.level_names.index(level)] = 0.5
        alpha_u[comp.name] = au
    return alpha_m, alpha_u


def model_probabilities(model: Model) -> tuple[Table, Table]:
    """The model's m and u per comparison (normalised, never 0), from its stored level table."""
    m0, u0 = {}, {}
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


def posterior_mean(counts: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return (counts + alpha) / (counts.sum() + alpha.sum())


def log_ratio(m: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.log2(m) - np.log2(u)


def estimate(
    m_counts: Table,
    u_counts: Table,
    shrink: float = SHRINK,
    orders: dict = ORDERS,
    floors: dict = SOFT_FLOORS,
    spread: float = SPREAD,
) -> dict[str, dict[str, dict]]:
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
        table[name] = _level_table(comp.level_names, m, u, raw, weight, m_counts[name], u_counts[name])
    return table


def _level_table(names, m, u, raw, weight, n_match, n_non) -> dict[str, dict]:
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


def _weights(table: dict[str, dict[str, dict]]) -> dict[str, dict[str, float]]:
    return {name: {level: spec["weight"] for level, spec in levels.items()} for name, levels in table.items()}


def _weight_arrays(weights: dict[str, dict[str, float]]) -> Table:
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
    arrays = _weight_arrays(model.weights)
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
    meta: dict | None = None,
    shrink: float = SHRINK,
    orders: dict = ORDERS,
    floors: dict = SOFT_FLOORS,
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
        weights=_weights(table),
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
        name: isotonic_knots(xb[segment == k], yb[segment == k], prior=pooled, strength=SEGMENT_PRIOR_ITEMS)
        for k, name in enumerate(SEGMENTS)
        if (segment == k).any()
    }
    if "conflict" in model.segment_knots:
        # Conflicting evidence is never worth more than the same weight in general.
        model.segment_knots["conflict"] = [
            (x, min(p, float(np.interp(x, *pooled)))) for x, p in model.segment_knots["conflict"]
        ]
    model.meta["calibration_items"] = len(best)
    model.meta["calibration_items_by_segment"] = {
        name: int((segment == k).sum()) for k, name in enumerate(SEGMENTS)
    }
    return model


@dataclass
class LibraryEstimate:
    """What EM found on one library's candidate pairs (arrays per comparison in `level_names` order)."""

    m: Table
    u: Table
    raw: Table  # log2(m/u) before the rules
    likelihood: Table  # what the E-step weighs with: caps, orders, sign guard
    weights: Table  # after the rules: what the adapted model scores with
    n_match: Table  # expected matching pairs per level (Σ posterior)
    n_non_match: Table  # pairs per level among those that estimate u
    lam: float  # the share of candidate pairs that match (expected)
    pi: float  # the share of items whose book is among their candidates
    posterior: np.ndarray  # per pair: P(match) at the last E-step (labels fixed at 1 / 0)
    u_rows: np.ndarray  # per pair: used to estimate u
    labelled: dict[str, int]
    iterations: int
    converged: bool


def label_states(frame: pl.DataFrame, labels: pl.DataFrame | None) -> np.ndarray:
    """Per pair: 0 unlabelled, 1 match, 2 non-match — from review decisions (`item_id`, `book_id`,
    `decision` approve/reject; one per item, the last row of an item counts, as review_decisions are
    read). An approved book is the item's match and every other candidate of the item a non-match (an
    item is one book); a rejected pair is a non-match; a decision without a book labels nothing."""
    state = np.zeros(frame.height, dtype=np.int8)
    if labels is None or labels.height == 0:
        return state
    missing = {"item_id", "book_id", "decision"} - set(labels.columns)
    if missing:
        raise ValueError(f"labels need columns item_id, book_id and decision; missing {sorted(missing)}")
    if "book_id" not in frame.columns:
        raise ValueError("labels need the pairs' book_id column to find the decided pairs")
    decisions = labels.select(
        pl.col("item_id").cast(pl.String),
        pl.col("book_id").cast(pl.Int64),
        pl.col("decision").cast(pl.String),
    )
    bad = decisions.filter(~pl.col("decision").is_in(["approve", "reject"]))["decision"].unique().to_list()
    if bad:
        raise ValueError(f"decision must be 'approve' or 'reject', not {sorted(map(str, bad))}")
    decisions = decisions.unique("item_id", keep="last", maintain_order=True).filter(
        pl.col("book_id").is_not_null()
    )
    pairs = frame.select(pl.col("item_id").cast(pl.String), pl.col("book_id").cast(pl.Int64)).with_row_index(
        "row"
    )
    approved = decisions.filter(pl.col("decision") == "approve")
    # Every candidate of an item with an approved book: the approved one matches, the others do not.
    of_approved = pairs.join(approved, on="item_id", how="inner").with_columns(
        state=pl.when(pl.col("book_id") == pl.col("book_id_right")).then(1).otherwise(2)
    )
    rejected = pairs.join(
        decisions.filter(pl.col("decision") == "reject"), on=["item_id", "book_id"], how="inner"
    )
    state[rejected["row"].to_numpy()] = 2
    state[of_approved["row"].to_numpy()] = of_approved["state"].to_numpy()
    return state


def _item_index(item_id: pl.Series) -> np.ndarray:
    """Each pair's item as 0..items-1."""
    if item_id.null_count():
        raise ValueError("item_id has nulls: every pair must name its item")
    return (item_id.cast(pl.String).rank("dense").cast(pl.Int64) - 1).to_numpy()


def _e_step(
    codes: dict[str, np.ndarray],
    weights: Table,
    prior: np.ndarray | float,
    curve: Model | None,
    item: np.ndarray,
    n_items: int,
    state: np.ndarray,
    free: np.ndarray,
    segment: np.ndarray | None = None,
) -> np.ndarray:
    """P(match) of every pair, given that an item is one book: at most one of its candidates matches.

    A candidate's score is `prior` + its weights (log2 odds; null levels weigh 0, as in scoring).
    Without a calibration `curve` the candidates of an item and "none of them" (score 0) compete:
    P(j) = 2^score_j / (1 + Σ_k 2^score_k) — with `prior` = log2(π / ((1 − π)·n_i)) the exact
    posterior when an item's book is among its n_i candidates with probability π, at any place.
    Summing correlated evidence (one wrong ABS record carries title, author and series at once)
    makes that posterior too sure, so with a `curve` (the shipped model, whose calibration maps match weight
    → P(the item's best candidate is right) on the segment of that best candidate, `segment`; `prior` =
    the model's prior odds) an item's match mass is the
    calibrated confidence of its best candidate — what the adapted model reports — shared among its
    candidates by their odds. Labelled pairs keep their label; a rejected pair does not compete; the
    candidates of an item with an approved book are fixed by it."""
    score = np.zeros(len(item)) + prior
    for comp in COMPARISONS:
        score += weights[comp.name][codes[comp.name]]
    top = np.full(n_items, -np.inf)
    np.maximum.at(top, item[free], score[free])
    top_segment = np.full(n_items, SEGMENTS.index("partial"), dtype=np.int8)  # the item's best's segment
    if curve is not None and segment is not None and free.any():
        rows = np.flatnonzero(free)
        at_top = rows[score[rows] == top[item[rows]]]
        top_segment[item[at_top]] = segment[at_top]
    if curve is None:
        top = np.maximum(top, 0.0)  # "none" scores 0: subtracting the larger keeps the sums finite
    top_of = np.where(free, top[item], 0.0)
    odds = np.where(free, np.exp2(score - top_of), 0.0)
    share = np.bincount(item, weights=odds, minlength=n_items)
    if curve is None:
        mass, total = np.ones(n_items), np.exp2(-top) + share
    else:
        mass, total = curve.calibrate(top, top_segment), np.where(share > 0, share, 1.0)
    return np.where(free, mass[item] * odds / total[item], (state == 1).astype(float))


def estimate_library(
    model: Model,
    pairs: pl.DataFrame,
    labels: pl.DataFrame | None = None,
    strength: float = STRENGTH,
    max_iterations: int = MAX_ITERATIONS,
    tolerance: float = TOLERANCE,
    u_below: float = 0.0,
    flip_z: float = FLIP_Z,
    orders: dict = ORDERS,
    floors: dict = SOFT_FLOORS,
) -> LibraryEstimate:
    """Splink-style estimation on one library's candidate pairs, regularised towards `model`.

    u: from the pairs that are very likely non-matches — every pair but each item's best under `model`
    (and but any other the model scores at `u_below` bits or more), plus the pairs labelled
    non-matching, less those labelled matching — with `model`'s u as a Dirichlet prior worth
    `strength` pairs. Then m, and π (the share of items whose book is among their candidates; λ follows),
    by expectation-maximisation over every pair with u fixed, starting from `model`'s weights, with its
    m and λ as a prior worth `strength` pairs; an item is one book, so its candidates share one match
    (`_e_step`); labelled pairs keep posterior 1 or 0.

    Each M-step applies the caps and the orders, and a sign guard: a level never changes sign against
    a shipped weight of `STRONG_PRIOR_BITS` or more unless this library's own counts say so at `flip_z`
    standard errors — that is the likelihood the next E-step weighs with. The adapted weights add the
    soft floors and a ceiling: a weight never rises above max(shipped weight, 0), so adaptation may
    neutralise a veto but grants no positive evidence the shipped calibration has not seen.
    """
    if not strength > 0:
        raise ValueError(f"strength must be > 0, not {strength}")
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be at least 1, not {max_iterations}")
    if "item_id" not in pairs.columns:
        raise ValueError("the pairs have no 'item_id' column")
    check_rules(orders, floors)
    codes = level_codes(pairs)
    n = pairs.height
    m0, u0 = model_probabilities(model)
    w0 = _weight_arrays(model.weights)
    prior_lambda = model.meta.get("prior", {}).get("lambda")
    if prior_lambda is None:
        prior_lambda = 1.0 / (1.0 + 2.0 ** (-model.prior_log2_odds))

    state = label_states(pairs, labels)
    shipped = match_weights(model, codes)
    likely_non = np.ones(n, dtype=bool)
    if n:
        likely_non[best_rows(pairs["item_id"], shipped)] = False
    u_rows = ((state == 0) & likely_non & (shipped < u_below)) | (state == 2)
    u_counts = count_levels(codes, u_rows.astype(float))
    u = {name: posterior_mean(u_counts[name], strength * u0[name]) for name in u0}

    item = _item_index(pairs["item_id"])
    n_items = int(item.max()) + 1 if n else 0
    decided = np.zeros(n_items, dtype=bool)  # items with an approved pair: their posteriors are the labels
    decided[item[state == 1]] = True
    free = (state == 0) & ~decided[item]

    def rules(raw: Table, n_match: Table) -> tuple[Table, Table]:
        """(the likelihood the E-step uses: caps, orders and the sign guard; the adapted model's weights:
        also the soft floors and the ceiling). The floors and the ceiling say how much a level may
        move a score, not how likely it is among matches: fed back into the E-step, a floor would
        raise the posterior of the very pairs it softens, and EM would learn its own policy."""
        likelihood, final = {}, {}
        for comp in COMPARISONS:
            name = comp.name
            upper = np.full(len(comp.level_names), np.inf)
            lower = np.full(len(comp.level_names), -np.inf)
            # This library's own log ratio, and how sure it is (the sign guard).
            nm, nu = n_match[name] + 0.5, u_counts[name] + 0.5
            own = log_ratio(nm / nm.sum(), nu / nu.sum())
            se = np.sqrt(1.0 / nm + 1.0 / nu) / math.log(2)
            sure = np.abs(own) >= flip_z * se
            lower[(w0[name] >= STRONG_PRIOR_BITS) & ~(sure & (own < 0))] = 0.0
            upper[(w0[name] <= -STRONG_PRIOR_BITS) & ~(sure & (own > 0))] = 0.0
            evidence = n_match[name] + u_counts[name] + strength * (m0[name] + u0[name])
            likelihood[name] = constrain(name, raw[name], evidence, lower, upper, orders, floors={})
            ceiling = np.minimum(upper, np.maximum(w0[name], 0.0))
            final[name] = constrain(name, likelihood[name], evidence, lower, ceiling, orders, floors)
        return likelihood, final

    likelihood = {
        name: constrain(name, w0[name], np.ones_like(w0[name]), orders=orders, floors={}) for name in w0
    }
    weights = likelihood
    m = dict(m0)
    raw = {name: log_ratio(m[name], u[name]) for name in m}
    n_match = {name: np.zeros_like(m0[name]) for name in m0}
    curve = model if model.knots else None
    segment = segments(pairs)
    # π: the share of items whose book is among their candidates; its prior from the model's λ (matches
    # per pair × pairs per item), worth as many items as `strength` is worth pairs.
    per_item = n / max(n_items, 1)
    pi0 = float(np.clip(prior_lambda * per_item, 0.01, 0.99))
    pi, items_strength = pi0, strength / per_item if n else strength
    candidates = np.bincount(item, minlength=n_items)[item] if n else np.zeros(0)
    iterations, converged = 0, False
    posterior = (state == 1).astype(float)
    while iterations < max_iterations:
        iterations += 1
        prior = model.prior_log2_odds if curve is not None else np.log2(pi / ((1 - pi) * candidates))
        posterior = _e_step(codes, likelihood, prior, curve, item, n_items, state, free, segment)
        # M-step: m and π from the expected matches, with the prior's pseudo-counts.
        total = float(posterior.sum())
        n_match = count_levels(codes, posterior)
        m = {name: posterior_mean(n_match[name], strength * m0[name]) for name in m0}
        new_pi = float(np.clip((total + items_strength * pi0) / (n_items + items_strength), 0.01, 0.99))
        raw = {name: log_ratio(m[name], u[name]) for name in m}
        new_likelihood, weights = rules(raw, n_match)
        moved = max(float(np.max(np.abs(new_likelihood[k] - likelihood[k]))) for k in likelihood)
        moved = max(moved, abs(math.log2(new_pi / (1 - new_pi)) - math.log2(pi / (1 - pi))))
        likelihood, pi = new_likelihood, new_pi
        if moved < tolerance:
            converged = True
            break
    return LibraryEstimate(
        m=m,
        u=u,
        raw=raw,
        likelihood=likelihood,
        weights=weights,
        n_match=n_match,
        n_non_match=u_counts,
        lam=float(posterior.sum()) / n if n else 0.0,
        pi=pi,
        posterior=posterior,
        u_rows=u_rows,
        labelled={"match": int((state == 1).sum()), "non_match": int((state == 2).sum())},
        iterations=iterations,
        converged=converged,
    )


def adapt(
    model: Model,
    pairs: pl.DataFrame,
    labels: pl.DataFrame | None = None,
    strength: float = STRENGTH,
    min_items: int = MIN_ITEMS,
    max_iterations: int = MAX_ITERATIONS,
    tolerance: float = TOLERANCE,
    orders: dict = ORDERS,
    floors: dict = SOFT_FLOORS,
) -> Model:
    """The shipped `model` adapted to one library (`estimate_library`): its candidate `pairs`
    (`item_id`, the level columns; `book_id` when `labels` are given) and review decisions `labels`.

    A library of fewer than `min_items` items returns `model` itself. The adapted model keeps the
    shipped prior odds and calibration curve (slope, intercept, knots): its weights never exceed the
    shipped ones where those are positive, so on a pair whose levels all weigh ≥ 0 in the shipped
    model the adapted confidence is at most the shipped one — adaptation can recover right answers a
    soft disagreement sank, not make anyone surer. Its version names it: `<shipped>+lib-<hash of the
    weights>`; `meta["adaptation"]` describes the data it adapted on."""
    if "item_id" not in pairs.columns:
        raise ValueError("the pairs have no 'item_id' column")
    items = pairs["item_id"].n_unique() if pairs.height else 0
    if items < min_items:
        return model
    found = estimate_library(
        model, pairs, labels, strength, max_iterations, tolerance, orders=orders, floors=floors
    )
    table = {
        comp.name: _level_table(
            comp.level_names,
            found.m[comp.name],
            found.u[comp.name],
            found.raw[comp.name],
            found.weights[comp.name],
            found.n_match[comp.name],
            found.n_non_match[comp.name],
        )
        for comp in COMPARISONS
    }
    weights = _weights(table)
    base = model.version.split("+lib-")[0]
    digest = hashlib.sha256(
        json.dumps(
            {"base": base, "prior": model.prior_log2_odds, "weights": weights}, sort_keys=True
        ).encode()
    ).hexdigest()[:8]
    return Model(
        version=f"{base}+lib-{digest}",
        prior_log2_odds=model.prior_log2_odds,
        weights=weights,
        slope=model.slope,
        intercept=model.intercept,
        knots=list(model.knots),
        segment_knots=dict(model.segment_knots),
        meta={
            **model.meta,
            "adaptation": {
                "base_version": model.version,
                "pairs": pairs.height,
                "items": items,
                "labels": found.labelled,
                "u_pairs": int(found.u_rows.sum()),
                "expected_matches": round(float(found.posterior.sum()), 2),
                "lambda": round(found.lam, 6),
                "items_with_their_book": round(found.pi, 4),
                "iterations": found.iterations,
                "converged": found.converged,
                "strength": strength,
                "calibration": "shipped prior odds and curve; weights at most max(shipped weight, 0)",
            },
        },
        levels=table,
    )
