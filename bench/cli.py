"""What the benchmarks share on the command line: the options of the generated library they run on, and
the one `RESULT {json}` line a benchmark ends with (the line the docs' figures are read from)."""

from __future__ import annotations

import argparse
import json
from typing import Any


def library_parser(doc: str | None, items: int) -> argparse.ArgumentParser:
    """A benchmark's parser (described by its docstring's first line) with --items, --seed and --profile:
    how many items the generated library has, its seed and its corpus profile."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=items)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", default="default")
    return parser


def print_result(result: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(result))
