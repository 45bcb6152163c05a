"""The GraphQL operations in tasks/queries/: fragments, aliased batches, cache keys.

Hardcover bills each root field as one request, so a request packs up to MAX_ROOT_FIELDS copies of a
one-field lookup and the client counts root fields (tasks/hardcover/root_fields.py) before it sends.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
MAX_ROOT_FIELDS = 5


@cache
def _fragments() -> dict[str, str]:
    text = (QUERIES_DIR / "fragments.graphql").read_text()
    parts = re.split(r"(?m)^(?=fragment )", text)
    return {m.group(1): p.strip() for p in parts if (m := re.match(r"fragment (\w+)", p))}


def with_fragments(text: str) -> str:
    """Append the fragments `text` uses (transitively), and only those (unused ones fail validation)."""
    frags = _fragments()
    used: list[str] = []
    pending = re.findall(r"\.\.\.(\w+)", text)
    while pending:
        name = pending.pop()
        if name in frags and name not in used:
            used.append(name)
            pending += re.findall(r"\.\.\.(\w+)", frags[name])
    return "\n\n".join([text.strip(), *(frags[n] for n in sorted(used))])


@cache
def operation_text(name: str) -> str:
    """The operation in `tasks/queries/<name>.graphql` (without fragments, comments stripped)."""
    lines = (QUERIES_DIR / f"{name}.graphql").read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#")).strip()


@cache
def load_query(name: str) -> str:
    return with_fragments(operation_text(name))


@cache
def batched_query(name: str, n: int) -> str:
    """`n` aliased copies (`q0`..`q{n-1}`) of a one-root-field operation, variables suffixed `_i`.

    Packs up to 5 lookups into one HTTP request; each copy still costs one request.
    """
    if not 1 <= n <= MAX_ROOT_FIELDS:
        raise ValueError(f"a request may hold 1..{MAX_ROOT_FIELDS} root fields, not {n}")
    text = operation_text(name)
    m = re.match(r"query\s+(\w+)\s*\((.*?)\)\s*\{(.*)\}\s*$", text, re.S)
    if not m:
        raise ValueError(
            f"tasks/queries/{name}.graphql is not a single `query Name(...) {{ field }}` operation"
        )
    op, vardefs, body = m.groups()
    defs, fields = [], []
    for i in range(n):
        defs.append(re.sub(r"\$(\w+)", rf"$\1_{i}", vardefs))
        fields.append(f"q{i}: " + re.sub(r"\$(\w+)", rf"$\1_{i}", body.strip()))
    return with_fragments(f"query {op}x{n}({', '.join(defs)}) {{\n" + "\n".join(fields) + "\n}")


def batch_variables(per_field: list[dict[str, Any]]) -> dict[str, Any]:
    return {f"{k}_{i}": v for i, vars_ in enumerate(per_field) for k, v in vars_.items()}


def cache_key(query: str, variables: dict[str, Any] | None) -> str:
    normalised = " ".join(query.split())
    canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{normalised}\n{canonical}".encode()).hexdigest()
