"""The calibration curves: isotonic regression on each item's best candidate, as tasks/scoring/model.py fits
it — every item of a block gets the block's probability, a segment's curve takes the pooled curve where it
has no items of its own, and the conflict curve never rises above the pooled one."""

from __future__ import annotations

import numpy as np

from tasks.scoring import load_model
from tasks.scoring.model import isotonic_knots


def _at(knots, x: float) -> float:
    xs, ps = zip(*knots, strict=True)
    return float(np.interp(x, xs, ps))


def test_a_block_right_throughout_holds_its_probability_from_its_lowest_weight():
    # 40 items at 2 bits, half right; 40 at 10–12 bits, all right. Isotonic regression gives each of the
    # upper items the upper block's probability; the block below must not pull its lower half down.
    x = np.concatenate([np.full(40, 2.0), np.linspace(10.0, 12.0, 40)])
    y = np.concatenate([np.arange(40) % 2 == 0, np.ones(40, dtype=bool)])
    knots = isotonic_knots(x, y)
    assert _at(knots, 10.0) == _at(knots, 12.0) == 41 / 42
    assert _at(knots, 2.0) == 21 / 42
    assert 21 / 42 < _at(knots, 6.0) < 41 / 42  # the gap between the blocks is a line


def test_equal_weights_are_never_split_between_blocks():
    x = np.array([1.0] * 30 + [5.0] * 30)
    y = np.array([True, False] * 15 + [True] * 30)
    knots = isotonic_knots(x, y, min_block=20)
    assert [k for k, _ in knots] == [1.0, 5.0]


def test_a_segment_takes_the_pooled_curve_where_it_has_no_items():
    prior = (np.array([0.0, 10.0, 20.0]), np.array([0.3, 0.9, 0.99]))
    x = np.concatenate([np.full(20, 0.0), np.full(20, 20.0)])
    y = np.concatenate([np.arange(20) % 2 == 0, np.ones(20, dtype=bool)])
    knots = isotonic_knots(x, y, min_block=10, prior=prior, strength=10.0)
    assert (10.0, 0.9) in [(k, round(p, 6)) for k, p in knots]
    assert _at(knots, 0.0) < 0.9 < _at(knots, 20.0)


def test_the_shipped_conflict_curve_is_never_above_the_pooled_curve():
    model = load_model()
    grid = np.linspace(-30.0, 45.0, 3001)
    conflict = np.interp(grid, *model.curve("conflict"))
    pooled = np.interp(grid, *model.curve())
    assert np.all(conflict <= pooled + 1e-9)
