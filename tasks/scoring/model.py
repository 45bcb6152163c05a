"""The confidence model: Fellegi–Sunter match weights per comparison level, plus a calibration.

Parameters are data (the model file next to this file), not code: per comparison level, m =
P(level | the candidate is the item's book) and u = P(level | it is not), estimated by
`estimate.fit` on labelled corpora (bench/train_scoring.py) and, per library, by `library_estimate.adapt`.
A pair's match weight is `prior + Σ log2(m/u)`; the `null` level (evidence missing) adds 0 — missing
data neither helps nor hurts. Because the features are not independent (title and source agreement
move together), the summed log-odds are then calibrated by an isotonic curve fitted on each item's
best candidate (`isotonic_knots`), so that 0.95 means 95 %.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from tasks.scoring.comparisons import COMPARISONS, NULL

MODEL_PATH = Path(__file__).resolve().parent / "model_v2.json"
MAX_BITS = 8.0
MAX_IDENTIFIER_BITS = 14.0
# Calibration is fitted per segment of best candidates, because summed weights overcount correlated
# evidence differently by what agrees. When the evidence sources name other titles too (`sources` some /
# none), one source can carry title, author and series of another book at once, and the same summed weight
# is right far less often than when the sources agree; when the title and the author both agree and the
# sources do not conflict, the same sum is right more often than when one of them is unknown. One curve
# over all of them would understate the one and overstate the other.
# A conflict that something independent of the text settles (an identifier, the narrator, or the audio's
# length against every book the other sources name: the same evidence that lifts the `sources_disagree`
# cap in tiers.py) is calibrated apart from the conflicts nothing settles, which stay capped: one curve over
# both would price the one with the other's errors.
# A conflict whose sources the library's own settled items say to believe (reliability.py: `trusted`) is
# calibrated apart again: that evidence is not in the match weight, so the weight alone prices it too low;
# a model fitted before that segment existed prices it as the conflicts nothing settles.
CONFLICTING_SOURCES = ("some", "none")
SEGMENTS = ("identity", "partial", "conflict", "settled", "trusted")
# Where a model has no curve of a segment's own, the segment's rows take this one's (else all items').
FALLBACK_SEGMENT = {"trusted": "conflict"}
# Each segment's curve is shrunk towards the curve of all items, worth this many items, and its blocks
# are pooled to at least SEGMENT_MIN_BLOCK items. The curve of all items mixes the segments, so where a
# segment has many items of its own they must outweigh it (158 right of 161 is not 0.94); where it has none,
# the curve of all items speaks (isotonic_knots).
SEGMENT_PRIOR_ITEMS = 10.0
SEGMENT_MIN_BLOCK = 10


def segments(frame: pl.DataFrame) -> np.ndarray:
    """Per row, its calibration segment as an index into SEGMENTS."""

    def level_in(name: str, levels: tuple[str, ...]) -> np.ndarray:
        if f"{name}_level" not in frame.columns:
            return np.zeros(frame.height, dtype=bool)
        return frame[f"{name}_level"].cast(pl.String).is_in(levels).fill_null(False).to_numpy()

    conflict = level_in("sources", CONFLICTING_SOURCES)
    identity = level_in("title", ("exact", "close")) & level_in("author", ("exact", "close")) & ~conflict

    def flag(name: str) -> np.ndarray | bool:
        return frame[name].fill_null(False).to_numpy() if name in frame.columns else False

    settled = conflict & (
        level_in("identifier", ("asin", "isbn")) | level_in("narrator", ("exact",)) | flag("length_settles")
    )
    trusted = conflict & ~settled & flag("trusted")
    segment = np.where(settled, 3, np.where(trusted, 4, np.where(conflict, 2, np.where(identity, 0, 1))))
    return segment.astype(np.int8)


@dataclass
class Model:
    version: str
    prior_log2_odds: float
    weights: dict[str, dict[str, float]]  # comparison -> level -> weight (bits)
    slope: float = 1.0
    intercept: float = 0.0
    # Isotonic calibration: knots (match weight in bits, P(best candidate is right)), increasing — the
    # curve of all items, and one per segment of SEGMENTS when fitted (`segment_knots`).
    knots: list[tuple[float, float]] = field(default_factory=list)
    segment_knots: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    levels: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # full m/u table, as stored

    @classmethod
    def load(cls, path: Path | str = MODEL_PATH) -> Model:
        return cls.from_json(json.loads(Path(path).read_text()), str(path))

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = "model") -> Model:
        """A model from its stored form (`to_json`)."""
        weights = {
            name: {level: spec["weight"] for level, spec in comp["levels"].items()}
            for name, comp in data["comparisons"].items()
        }
        missing = [comp.name for comp in COMPARISONS if comp.name not in weights]
        if missing:
            raise ValueError(
                f"{source} has no parameters for comparison(s) {missing}: "
                "retrain with `uv run python bench/train_scoring.py`"
            )
        cal = data.get("calibration", {})
        return cls(
            version=data["model_version"],
            prior_log2_odds=data["prior"]["log2_odds"],
            weights=weights,
            slope=cal.get("slope", 1.0),
            intercept=cal.get("intercept", 0.0),
            knots=[tuple(k) for k in cal.get("knots", [])],
            segment_knots={
                name: [tuple(k) for k in knots] for name, knots in cal.get("segment_knots", {}).items()
            },
            meta={k: v for k, v in data.items() if k not in ("comparisons",)},
            levels={name: comp["levels"] for name, comp in data["comparisons"].items()},
        )

    def expressions(self) -> tuple[pl.Expr, pl.Expr]:
        """(match weight, explanation) as Polars expressions over the level columns.

        A level's weight is the model's table looked up by the level's position in its comparison's Enum
        (`null` = 0; a row without a level, a match without candidates, adds 0 too). The weights are added
        one comparison after the other, always in comparison order, so a pair's match weight is the same
        float on every run (a horizontal sum may add in another order and differ in the last bit). The
        explanation shows each level with its weight rounded to 0.01 bits."""
        total, shown = pl.lit(0.0), []
        for comp in COMPARISONS:
            table = self.weights[comp.name]
            by_level = pl.Series(
                [0.0 if lv == NULL else float(table.get(lv, 0.0)) for lv in comp.level_names]
            )
            level = pl.col(f"{comp.name}_level")
            code = level.cast(comp.dtype).to_physical()
            total = total + pl.lit(by_level).gather(code).fill_null(0.0)
            shown.append(
                pl.struct(level=level, weight=pl.lit(by_level.round(2)).gather(code)).alias(comp.name)
            )
        return pl.lit(self.prior_log2_odds) + total, pl.struct(shown)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.meta,
            "model_version": self.version,
            "prior": {"log2_odds": self.prior_log2_odds, **self.meta.get("prior", {})},
            "calibration": {
                "method": "isotonic (pool-adjacent-violators) on each item's best candidate: all items "
                "(knots), and one curve per segment shrunk towards it — identity (title and author agree, "
                f"sources do not conflict), conflict (sources {' / '.join(CONFLICTING_SOURCES)}), settled "
                "(a conflict an identifier, the narrator or the audio's length settles), trusted (sources the "
                "library's settled items say to believe win a conflict), partial (the rest); "
                "logistic as fallback",
                "slope": self.slope,
                "intercept": self.intercept,
                "knots": [[round(x, 4), round(p, 6)] for x, p in self.knots],
                "segment_knots": {
                    name: [[round(x, 4), round(p, 6)] for x, p in knots]
                    for name, knots in self.segment_knots.items()
                },
            },
            "comparisons": {
                comp.name: {"description": comp.description, "levels": self.levels[comp.name]}
                for comp in COMPARISONS
            },
        }

    def curve(self, segment: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The calibration knots of `segment` as (match weights, probabilities) arrays (the curve of all
        items without a segment or when the segment has none of its own; empty without knots)."""
        knots = (
            (self.segment_knots.get(segment) or self.segment_knots.get(FALLBACK_SEGMENT.get(segment, "")))
            if segment
            else None
        ) or self.knots
        if not knots:
            return np.zeros(0), np.zeros(0)
        xs, ps = (np.array(v, dtype=np.float64) for v in zip(*knots, strict=True))
        return xs, ps

    def calibrate(self, match_weight: np.ndarray, segment: np.ndarray) -> np.ndarray:
        """P(right) of each match weight, on the curve of its segment (indices into SEGMENTS)."""
        out: np.ndarray = np.interp(match_weight, *self.curve())
        for k, name in enumerate(SEGMENTS):
            rows = segment == k
            if rows.any():
                out[rows] = np.interp(match_weight[rows], *self.curve(name))
        return out

    def save(self, path: Path | str = MODEL_PATH) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n")


def apply(features: pl.DataFrame, model: Model, explain: bool = True) -> pl.DataFrame:
    """Add `match_weight` (log2 odds: the prior plus each comparison's level weight), `confidence` and
    `explanation` columns.

    `explanation` is a struct {comparison: {level, weight}} in comparison order (weights in bits, rounded
    to 2 decimals), stored as JSON by the score flow. The exact weight of a level is the model's
    (`model.weights`).
    """
    match_weight, explanation = model.expressions()
    out = features.with_columns(match_weight=match_weight)
    if model.knots:
        confidence = model.calibrate(out["match_weight"].to_numpy(), segments(out))
        out = out.with_columns(confidence=pl.Series(confidence, dtype=pl.Float64))
    else:
        logit = pl.lit(model.slope * math.log(2)) * pl.col("match_weight") + pl.lit(model.intercept)
        out = out.with_columns(confidence=1.0 / (1.0 + (-logit).exp()))
    if explain:
        out = out.with_columns(explanation=explanation)
    return out


def explanation_json(frame: pl.DataFrame) -> pl.Series:
    """The `explanation` struct column as JSON text, exactly as DuckDB's `to_json` writes it (what
    match_scores and matches store); null where a row has no explanation."""
    explanation = frame["explanation"]
    return pl.select(
        pl.when(explanation.is_not_null()).then(explanation.struct.json_encode()).alias("explanation")
    ).to_series()


def _platt(x: np.ndarray, y: np.ndarray, iters: int = 100, ridge: float = 10.0) -> tuple[float, float]:
    """Logistic regression p = σ(a·x + b) by damped Newton (two parameters, so no library needed).

    A ridge pulls (a, b) towards (1, 0) — the uncalibrated Fellegi–Sunter probability — so that
    (nearly) separable training data cannot push the slope to infinity (= claim certainty).
    """
    yf = y.astype(float)

    def objective(a: float, b: float) -> float:
        z = a * x + b
        nll = np.sum(np.logaddexp(0.0, z) - yf * z)
        return float(nll + ridge * ((a - 1) ** 2 + b**2))

    a, b = 1.0, 0.0
    current = objective(a, b)
    for _ in range(iters):
        z = a * x + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
        w = p * (1 - p)
        g = np.array([np.sum((p - yf) * x) + 2 * ridge * (a - 1), np.sum(p - yf) + 2 * ridge * b])
        h = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + np.eye(2) * 2 * ridge
        step = np.linalg.solve(h, g)
        t = 1.0
        while t > 1e-6:
            na, nb = a - t * step[0], b - t * step[1]
            new = objective(na, nb)
            if new <= current:
                break
            t /= 2
        else:
            break
        a, b, improvement = na, nb, current - new
        current = new
        if improvement < 1e-9:
            break
    return round(float(a), 6), round(float(b), 6)


def isotonic_knots(
    x: np.ndarray,
    y: np.ndarray,
    min_block: int = 25,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
    strength: float = 0.0,
) -> list[tuple[float, float]]:
    """Monotone calibration curve: pool adjacent violators over items sorted by match weight.

    Items of equal weight are one step (a block never splits them). Each block's probability is
    Laplace-smoothed ((right + 1) / (n + 2)), so even a block of only correct items never claims
    certainty; blocks smaller than `min_block` are pooled with a neighbour. Every item of a block gets the
    block's probability, as isotonic regression fits it: knots sit at the block's lowest and highest
    weight, and `np.interp` joins neighbouring blocks across the gap between them only — a knot at the
    block's mean weight instead would let the block below pull down the lower half of a block that is
    right throughout. With a `prior` curve (knots as arrays) worth `strength` items, each block is shrunk
    towards the prior's value at its mean weight: a segment with few items somewhere says what its items
    say, and the prior the rest.
    """
    if len(x) == 0:
        return []
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    steps, step_of, counts = np.unique(xs, return_inverse=True, return_counts=True)
    rights = np.bincount(step_of, weights=ys, minlength=len(steps))
    blocks: list[list[float]] = []  # [sum_y, n, sum_x, lowest x, highest x]
    for xi, sy, n in zip(steps, rights, counts, strict=True):
        blocks.append([float(sy), float(n), float(xi) * n, float(xi), float(xi)])
        while len(blocks) > 1 and (
            blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1] or blocks[-2][1] < min_block
        ):
            _merge_last(blocks)
    if len(blocks) > 1 and blocks[-1][1] < min_block:
        _merge_last(blocks)
    shrink = prior is not None and strength > 0 and len(prior[0]) > 0
    knots: list[tuple[float, float]] = []
    for sy, n, sx, lo, hi in blocks:
        if shrink:
            assert prior is not None
            q = float(np.interp(sx / n, *prior))
            p = (sy + strength * q + 1) / (n + strength + 2)
            if knots:
                # No item of the segment lies between the block below and this one: the prior speaks
                # there, kept between the two blocks' probabilities.
                below_x, below_p = knots[-1]
                inside = (prior[0] > below_x) & (prior[0] < lo)
                knots.extend(
                    (float(gx), float(np.clip(gp, below_p, max(p, below_p))))
                    for gx, gp in zip(prior[0][inside], prior[1][inside], strict=True)
                )
        else:
            p = (sy + 1) / (n + 2)
        knots.extend([(lo, p), (hi, p)] if hi > lo else [(lo, p)])
    # Smoothing can undo monotonicity between a small block and its neighbour: keep the running max.
    running = 0.0
    out: list[tuple[float, float]] = []
    for knot, p in knots:
        running = max(running, p)
        out.append((knot, running))
    return out


def _merge_last(blocks: list[list[float]]) -> None:
    """Pool the last block of `blocks` into the one before it."""
    sy, n, sx, _, hi = blocks.pop()
    blocks[-1][0] += sy
    blocks[-1][1] += n
    blocks[-1][2] += sx
    blocks[-1][4] = hi
