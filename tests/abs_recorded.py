"""The expanded items recorded from a real ABS 2.36 server, and the JSON shape generated items must match."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "emulators" / "data" / "abs-2.36.0"
RECORDED = [
    json.loads(p.read_text())["response"]
    for p in sorted(FIXTURES.glob("get_item_expanded_*.json"))
    if "after_patch" not in p.name
]


def shape(value: Any, path: str = "") -> dict[str, set[str]]:
    """Every key path with the JSON type found there ('.media.audioFiles[].ino' -> str)."""
    out: dict[str, set[str]] = {}

    def walk(v: Any, p: str) -> None:
        out.setdefault(p, set()).add(type(v).__name__ if v is not None else "null")
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, f"{p}.{'<tag>' if p.endswith('.metaTags') else k}")  # only the tags a file has
        elif isinstance(v, list):
            for x in v:
                walk(x, p + "[]")

    walk(value, path)
    return out


def merged_shape(items: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The shapes of `items` together: each key path with every type any item has there."""
    merged: dict[str, set[str]] = {}
    for it in items:
        for k, types in shape(it).items():
            merged.setdefault(k, set()).update(types)
    return merged
