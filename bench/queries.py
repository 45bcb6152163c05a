"""The SQL the benchmarks read the warehouse with: one file a query in bench/sql/, values as parameters."""

from __future__ import annotations

from functools import cache
from pathlib import Path

BENCH_SQL = Path(__file__).resolve().parent / "sql"


@cache
def bench_sql(name: str) -> str:
    """The text of `bench/sql/<name>.sql`."""
    return (BENCH_SQL / f"{name}.sql").read_text()
