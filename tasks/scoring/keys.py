"""Looking up sorted string keys (item ids) without hashing or searching: one merge pass, compiled.

The warehouse returns candidate pairs and items ordered by item id (score_candidates.sql,
score_prepared_items.sql, score_items.sql), so finding the item row of each run of pairs (an item's
pairs together, `run_starts`) is a merge of two sorted lists. `sorted_rows` checks the order as it goes
and says so when the keys do not come sorted; callers then take the general path.

Strings are compared as UTF-8 bytes, the order Polars and DuckDB sort them in.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
from numba import njit


def arrow(col: pl.Series) -> pa.Array:
    """The column as one Arrow array (large offsets for strings and lists)."""
    return col.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())


def offsets(arr: pa.Array) -> np.ndarray:
    """The n + 1 offsets of a (large) list or string array, as int64, as the array's slice sees them."""
    n = len(arr)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    large = pa.types.is_large_list(arr.type) or pa.types.is_large_string(arr.type)
    off = np.frombuffer(arr.buffers()[1], dtype=np.int64 if large else np.int32)[
        arr.offset : arr.offset + n + 1
    ]
    return off if large else off.astype(np.int64)  # large offsets: a read-only view, no copy


def arrow_strings(col: pl.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """(offsets, UTF-8 bytes) of a string column without nulls — None when it has nulls or is not text."""
    if col.dtype != pl.String or col.null_count():
        return None
    arr = arrow(col)
    data = arr.buffers()[2] if len(arr) else None
    return offsets(arr), np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)


@njit(cache=True, inline="always")
def _cmp(aoff, adata, i, boff, bdata, j):
    """-1, 0, 1 as string i of a sorts before, equal to, after string j of b (bytewise). Unsigned indices:
    numba checks every signed index for wrap-around."""
    a0 = np.uint64(aoff[i])
    b0 = np.uint64(boff[j])
    la = np.uint64(aoff[i + 1]) - a0
    lb = np.uint64(boff[j + 1]) - b0
    n = min(la, lb)
    k = np.uint64(0)
    while k < n:
        x = adata[a0 + k]
        y = bdata[b0 + k]
        if x != y:
            return -1 if x < y else 1
        k += np.uint64(1)
    if la == lb:
        return 0
    return -1 if la < lb else 1


@njit(nogil=True, cache=True)
def _merge(koff, kdata, toff, tdata, rows):
    """rows[k] = the row of key k in the table (-1 when absent). Returns False when the keys or the table
    are not strictly ascending (then rows mean nothing)."""
    nt = len(toff) - 1
    for t in range(1, nt):
        if _cmp(toff, tdata, t - 1, toff, tdata, t) >= 0:
            return False
    t = 0
    for k in range(len(koff) - 1):
        if k > 0 and _cmp(koff, kdata, k - 1, koff, kdata, k) >= 0:
            return False
        while t < nt and _cmp(toff, tdata, t, koff, kdata, k) < 0:
            t += 1
        rows[k] = t if t < nt and _cmp(toff, tdata, t, koff, kdata, k) == 0 else -1
    return True


def run_starts(keys: pl.Series) -> np.ndarray:
    """Where each run of equal consecutive keys begins (a null equals a null)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(keys.ne_missing(keys.shift(1)).fill_null(True).to_numpy())


def strictly_ascending(keys: pl.Series) -> bool:
    """Are the string keys strictly ascending (so also distinct)? False for nulls or other types."""
    k = arrow_strings(keys)
    return k is not None and _merge(k[0], k[1], k[0][:1], k[1], np.empty(len(keys), dtype=np.int64))


def sorted_rows(keys: pl.Series, table: pl.Series) -> np.ndarray | None:
    """Row of each key in `table` (-1 when absent) when both are strictly ascending strings without
    nulls — one merge pass; None when they are not."""
    k, t = arrow_strings(keys), arrow_strings(table)
    if k is None or t is None:
        return None
    rows = np.empty(len(keys), dtype=np.int64)
    return rows if _merge(k[0], k[1], t[0], t[1], rows) else None
