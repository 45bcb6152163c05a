"""Python values into typed Polars columns, and a Python function applied once per distinct value."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # DataType instances and classes


def to_series(values: list[Any], dtype: PolarsDataType) -> pl.Series:
    """Python values -> a typed Series, column by column.

    Polars builds nested values (structs, lists) from Python objects one element at a time
    (~5 µs each, more than the normalisation itself); structs are built from one flat list per
    field and lists from flat values + offsets (Arrow), which costs about as much as plain strings.
    """
    if isinstance(dtype, pl.Struct):
        fields = dtype.fields
        if any(v is None for v in values):
            return pl.Series(values, dtype=dtype)
        cols = []
        for i, f in enumerate(fields):
            if values and isinstance(values[0], dict):
                col = [v[f.name] for v in values]
            else:
                col = [v[i] for v in values]
            cols.append(to_series(col, f.dtype).alias(f.name))
        return pl.DataFrame(cols, schema={f.name: f.dtype for f in fields}).to_struct()
    if isinstance(dtype, pl.List):
        if any(v is None for v in values):
            return pl.Series(values, dtype=dtype)
        offsets = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum([len(v) for v in values], out=offsets[1:])
        inner = to_series([x for v in values for x in v], dtype.inner).to_arrow()
        arr = pa.LargeListArray.from_arrays(pa.array(offsets), inner)
        return pl.Series(pl.from_arrow(arr)).cast(dtype)
    return pl.Series(values, dtype=dtype)


def map_unique(col: pl.Series, fn: Callable[[Any], Any], dtype: PolarsDataType) -> pl.Series:
    """Apply a Python function once per distinct value of `col` and map the results back."""
    uniq = col.unique().drop_nulls()
    mapping = pl.DataFrame({"k": uniq, "v": to_series([fn(x) for x in uniq.to_list()], dtype)})
    return pl.DataFrame({"k": col}).join(mapping, on="k", how="left", maintain_order="left")["v"]
