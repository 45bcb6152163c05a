"""Seeded choices and the ways generated libraries write names: what every generator draws with."""

from __future__ import annotations

import random


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    """A key drawn with probability proportional to its weight (one `rng.random()` call)."""
    r = rng.random() * sum(weights.values())
    for key, w in weights.items():
        r -= w
        if r < 0:
            return key
    return next(reversed(weights))


def fmt_pos(position: float | None) -> str | None:
    """A series position as people write it: 3, 2.5."""
    if position is None:
        return None
    return str(int(position)) if float(position).is_integer() else f"{position:g}"


def last_first(name: str) -> str:
    """'Suzanne Collins' -> 'Collins, Suzanne', splitting at the last space only (as rippers do)."""
    parts = name.rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else name
