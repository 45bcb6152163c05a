"""The three rules every estimate keeps (`fit` in estimate.py, `adapt` in library_estimate.py): m/u as
posterior means under a Dirichlet prior, monotone levels along `ORDERS`, and soft floors (`SOFT_FLOORS`)
so that soft evidence lowers a confidence but cannot sink it.
"""

from __future__ import annotations

import numpy as np

from tasks.scoring.comparisons import COMPARISONS, NULL
from tasks.scoring.model import MAX_BITS, MAX_IDENTIFIER_BITS

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

_BY_NAME = {comp.name: comp for comp in COMPARISONS}
Table = dict[str, np.ndarray]  # comparison -> one value per level, in `level_names` order (null last)


def _cap(name: str) -> float:
    return MAX_IDENTIFIER_BITS if name == "identifier" else MAX_BITS


def check_rules(
    orders: dict[str, tuple[tuple[str, ...], ...]] = ORDERS, floors: dict[str, dict[str, float]] = SOFT_FLOORS
) -> None:
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
    orders: dict[str, tuple[tuple[str, ...], ...]] = ORDERS,
    floors: dict[str, dict[str, float]] = SOFT_FLOORS,
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
    w: np.ndarray = np.clip(np.nan_to_num(raw, nan=0.0, posinf=cap, neginf=-cap), lo, hi)
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


def posterior_mean(counts: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    mean: np.ndarray = (counts + alpha) / (counts.sum() + alpha.sum())
    return mean


def log_ratio(m: np.ndarray, u: np.ndarray) -> np.ndarray:
    ratio: np.ndarray = np.log2(m) - np.log2(u)
    return ratio
