"""The shipped model adapted to one library in every score run: u from the pairs that are very likely not
the item's book, m by EM over its candidate pairs (an item is one book: at most one candidate matches),
the shipped model as the prior and the review decisions as labels.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import TypedDict, Unpack

import numpy as np
import polars as pl

from tasks.scoring.comparisons import COMPARISONS
from tasks.scoring.estimate import (
    best_rows,
    count_levels,
    level_codes,
    level_table,
    match_weights,
    model_probabilities,
    weight_arrays,
    weights_of,
)
from tasks.scoring.model import SEGMENTS, Model, segments
from tasks.scoring.rules import (
    ORDERS,
    SOFT_FLOORS,
    Table,
    check_rules,
    constrain,
    log_ratio,
    posterior_mean,
)

STRENGTH = 500.0  # the shipped model's m/u are worth this many pairs on each side
MIN_ITEMS = 200  # libraries with fewer items keep the shipped model
MAX_ITERATIONS = 50
TOLERANCE = 1e-3  # bits: EM stops when no weight moves more than this
FLIP_Z = 3.0  # a weight may change sign against the prior only on this many standard errors
STRONG_PRIOR_BITS = 1.0  # a prior weight at least this far from 0 keeps its sign without such evidence


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
    p: np.ndarray = np.where(free, mass[item] * odds / total[item], (state == 1).astype(float))
    return p


def estimate_library(
    model: Model,
    pairs: pl.DataFrame,
    labels: pl.DataFrame | None = None,
    strength: float = STRENGTH,
    max_iterations: int = MAX_ITERATIONS,
    tolerance: float = TOLERANCE,
    u_below: float = 0.0,
    flip_z: float = FLIP_Z,
    orders: dict[str, tuple[tuple[str, ...], ...]] = ORDERS,
    floors: dict[str, dict[str, float]] = SOFT_FLOORS,
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
    w0 = weight_arrays(model.weights)
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


class Tuning(TypedDict, total=False):
    """The knobs of `estimate_library` that `adapt` passes on as they are (defaults: estimate_library's)."""

    strength: float
    max_iterations: int
    tolerance: float
    u_below: float
    flip_z: float
    orders: dict[str, tuple[tuple[str, ...], ...]]
    floors: dict[str, dict[str, float]]


def adapt(
    model: Model,
    pairs: pl.DataFrame,
    labels: pl.DataFrame | None = None,
    min_items: int = MIN_ITEMS,
    **tuning: Unpack[Tuning],
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
    found = estimate_library(model, pairs, labels, **tuning)
    table = {
        comp.name: level_table(
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
    weights = weights_of(table)
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
                "strength": tuning.get("strength", STRENGTH),
                "calibration": "shipped prior odds and curve; weights at most max(shipped weight, 0)",
            },
        },
        levels=table,
    )
