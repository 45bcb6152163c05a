"""Features for every (item, candidate book) pair, computed in bulk.

`pair_features(pairs, items, books)` returns one row per pair with raw similarity columns
(`title_sim`, `author_sim`, ...) and one *level* column per comparison (`title_level`, ...), the
levels declared in comparisons.py.

No per-pair Python. `pair_features_reference` is the readable definition: list columns exploded into
long frames, strings compared with rapidfuzz `process.cpdist(..., workers=-1)`, results aggregated back
per pair with Polars. `pair_features` computes the same columns with a compiled kernel (kernel.py)
over CSR arrays; tests hold the two equal.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from tasks.scoring.comparisons import level_exprs
from tasks.scoring.keys import arrow, offsets, sorted_rows

c = pl.col


def _has_values(*cols: str) -> pl.Expr:
    """Does the row have any non-null value in these list columns?"""
    return pl.sum_horizontal([c(col).list.drop_nulls().list.len().fill_null(0) for col in cols]) > 0


def _item_columns(items: pl.DataFrame) -> pl.DataFrame:
    """Per-item columns every pair carries (gathered by the pair's item)."""
    return items.select(
        "title_sources",
        item_has_series=_has_values("series"),
        item_has_id=_has_values("asins", "isbns"),
    )


def _book_columns(books: pl.DataFrame) -> pl.DataFrame:
    """Per-book columns every pair carries (gathered by the pair's book)."""
    return books.select(
        "any_edition_id",
        book_has_series=c("series").is_not_null(),
        book_position=c("position"),
        book_has_id=_has_values("asins", "isbns"),
    )


def _cpdist(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise ratio 0..100 (uint8) of two equally long object arrays of strings."""
    if len(left) == 0:
        return np.zeros(0, dtype=np.uint8)
    return process.cpdist(left, right, scorer=fuzz.ratio, workers=-1, dtype=np.uint8)


class _Vocab:
    """Every distinct string of a comparison, coded as an integer, so each distinct (left, right)
    string pair is compared once and the long frames carry integers, not strings."""

    def __init__(self, *columns: pl.Series):
        strings = pl.concat([col.cast(pl.String).rename("s") for col in columns]).drop_nulls().unique()
        self.frame = strings.to_frame().with_row_index("code")
        self.strings = self.frame["s"]
        self.objects = self.strings.to_numpy()

    def encode(self, frame: pl.DataFrame, col: str, code: str) -> pl.DataFrame:
        return frame.join(self.frame.rename({"s": col, "code": code}), on=col, how="left").drop(col)


def _containment(
    strings: pl.Series, ul: np.ndarray, ur: np.ndarray, low: np.ndarray, n: int
) -> dict[str, np.ndarray]:
    """Whole-word containment both ways (" dune " in " dune messiah ") for the distinct string pairs
    `low` (indices into `ul`/`ur`, codes into `strings`); False for the other `n` pairs."""
    padded = strings.rename("s").to_frame().select(s=pl.lit(" ") + c("s") + pl.lit(" "))["s"]
    pair = pl.DataFrame({"ls": padded.gather(ul[low]), "rs": padded.gather(ur[low])})
    flags = pair.select(
        item_in_candidate=c("rs").str.contains(c("ls"), literal=True),
        candidate_in_item=c("ls").str.contains(c("rs"), literal=True),
    )
    out = {}
    for name in ("item_in_candidate", "candidate_in_item"):
        hit = np.zeros(n, dtype=bool)
        hit[low] = flags[name].to_numpy()
        out[name] = hit
    return out


def _pair_similarity(long: pl.DataFrame, vocab: _Vocab, containment: bool = False) -> pl.DataFrame:
    """Add `sim` (and optionally containment flags) to a long frame with codes `lc`, `rc`.

    Each distinct (left, right) pair is compared once (a dense rank of a 64-bit key, results
    gathered back through it — no join): strings repeat across pairs (authors,
    narrators, series; about half of the title rows are repeats too).
    """
    lc = long["lc"].to_numpy().astype(np.uint64)
    rc = long["rc"].to_numpy().astype(np.uint64)
    key = (lc << np.uint64(32)) | rc
    # Dense rank = index into the sorted distinct keys (Polars ranks in parallel; np.unique's
    # single-threaded argsort cost more than the string comparisons it saves).
    inverse = pl.Series(key, dtype=pl.UInt64).rank("dense").to_numpy().astype(np.int64) - 1
    uniq = np.zeros(int(inverse.max()) + 1 if inverse.size else 0, dtype=np.uint64)
    uniq[inverse] = key
    ul = (uniq >> np.uint64(32)).astype(np.int64)
    ur = (uniq & np.uint64(0xFFFFFFFF)).astype(np.int64)
    sim = _cpdist(vocab.objects[ul], vocab.objects[ur]).astype(np.int32)
    columns = {"sim": pl.Series(sim[inverse], dtype=pl.Int32)}
    if containment:
        # Whole-word containment: " dune " in " dune messiah " (the sequel/omnibus trap) and back;
        # only below 90, where it can matter (and where two equal strings cannot be).
        low = np.flatnonzero(sim < 90)
        for name, hit in _containment(vocab.strings, ul, ur, low, len(uniq)).items():
            columns[name] = pl.Series(hit[inverse], dtype=pl.Boolean)
    return long.with_columns(**columns)


def _best_over_lists(
    base: pl.DataFrame, left: pl.DataFrame, right: pl.DataFrame, discount: pl.DataFrame | None = None
) -> pl.DataFrame:
    """For each pair: the best ratio between any left value `l` (per item_idx) and any right value `r`
    (per book_id); equal optional exact keys `lk`/`rk` (surname + initial) count as 100.
    Returns (pair, sim); pairs with nothing on either side are absent."""
    vocab = _Vocab(left["l"], right["r"])
    left = vocab.encode(left, "l", "lc")
    right = vocab.encode(right, "r", "rc")
    long = base.select("pair", "item_idx", "book_id").join(left, on="item_idx").join(right, on="book_id")
    if discount is not None:
        long = _credible(long, discount)
    long = _pair_similarity(long, vocab)
    if "lk" in long.columns and "rk" in long.columns:
        long = long.with_columns(sim=pl.when(c("lk") == c("rk")).then(100).otherwise(c("sim")))
    return long.group_by("pair").agg(sim=c("sim").max())


def _credible(long: pl.DataFrame, discount: pl.DataFrame) -> pl.DataFrame:
    """Keep rows whose evidence (source bits `src`) comes from at least one source that is not
    describing another book for this pair (`discredited` bits per pair: sources whose title disagrees)."""
    long = long.join(discount, on="pair", how="left")
    return long.filter((c("src") & ~c("discredited").fill_null(0)) != 0).drop("src", "discredited")


def _explode(frame: pl.DataFrame, key: str, cols: dict[str, str]) -> pl.DataFrame:
    """(key, list columns) -> long (key, l/r...) without nulls."""
    return (
        frame.select(key, *[c(src).alias(dst) for dst, src in cols.items()]).explode(list(cols)).drop_nulls()
    )


def _any_equal(
    base: pl.DataFrame, left: pl.DataFrame, right: pl.DataFrame, on: str, discount: pl.DataFrame | None = None
) -> pl.Series:
    """Per pair: does any left value (per item_idx) equal any right value (per book_id)? (bool column)"""
    long = base.select("pair", "item_idx", "book_id").join(left, on="item_idx")
    if discount is not None:
        long = _credible(long, discount)
    hits = (
        long.join(right, on=["book_id", on], how="semi")
        .select("pair")
        .unique()
        .with_columns(hit=pl.lit(True))
    )
    return base.select("pair").join(hits, on="pair", how="left")["hit"].fill_null(False)


def pair_features_reference(pairs: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """The features as long Polars frames and joins: the readable definition that `pair_features` (the
    fast path over integer codes and numpy arrays) must reproduce exactly — tests hold one to the other."""
    items = items.with_row_index("item_idx")
    base = (
        pairs.select(
            c("item_id").cast(pl.String),
            c("book_id").cast(pl.Int64),
            (c("edition_id") if "edition_id" in pairs.columns else pl.lit(None))
            .cast(pl.Int64)
            .alias("hint_edition_id"),
        )
        .with_row_index("pair")
        .join(items.select("item_id", "item_idx"), on="item_id", how="left", maintain_order="left")
    )

    # --- title: best over sources x variants; containment marks the sequel/omnibus trap ---------------------
    it = (
        items.select("item_idx", "title_variants")
        .explode("title_variants")
        .drop_nulls()
        .unnest("title_variants")
    )
    bt = books.select("book_id", r=c("title_variants")).explode("r").drop_nulls()
    vocab = _Vocab(it["text"], bt["r"])
    it = vocab.encode(it.rename({"text": "l"}), "l", "lc")
    bt = vocab.encode(bt, "r", "rc")
    tl = base.select("pair", "item_idx", "book_id").join(it, on="item_idx").join(bt, on="book_id")
    tl = _pair_similarity(tl, vocab, containment=True)
    tl = tl.with_columns(agree_bits=pl.when(c("sim") >= 90).then(c("sources")).otherwise(0))
    title = tl.group_by("pair").agg(
        title_sim=c("sim").max(),
        title_item_in_candidate=c("item_in_candidate").any(),
        title_candidate_in_item=c("candidate_in_item").any(),
        sources_agree=c("agree_bits").bitwise_or().bitwise_count_ones().cast(pl.Int32),
        agree_mask=c("agree_bits").bitwise_or().cast(pl.Int32),
    )
    # A source whose title names another book is describing that book: its author and series
    # position say nothing against this candidate (the "folder of book 3 labelled as book 2" case).
    discount = (
        base.select("pair", "item_idx")
        .join(title.select("pair", "agree_mask"), on="pair", how="left")
        .join(items.select("item_idx", "title_mask"), on="item_idx", how="left")
        .select("pair", discredited=c("title_mask").fill_null(0) & ~c("agree_mask").fill_null(0))
    )

    # --- people and series names --------------------------------------------------------------------------
    author = _best_over_lists(
        base,
        _explode(items, "item_idx", {"l": "authors", "lk": "author_keys", "src": "author_sources"}),
        _explode(books, "book_id", {"r": "authors", "rk": "author_keys"}),
        discount,
    ).rename({"sim": "author_sim"})
    narrator = _best_over_lists(
        base, _explode(items, "item_idx", {"l": "narrators"}), _explode(books, "book_id", {"r": "narrators"})
    ).rename({"sim": "narrator_sim"})
    series = _best_over_lists(
        base, _explode(items, "item_idx", {"l": "series"}), books.select("book_id", r="series").drop_nulls()
    ).rename({"sim": "series_sim"})

    # --- identifiers and positions: equi-joins, no per-row list work -----------------------------------------
    asin_match = _any_equal(
        base,
        _explode(items, "item_idx", {"asin": "asins"}),
        _explode(books, "book_id", {"asin": "asins"}),
        "asin",
    )
    isbn_match = _any_equal(
        base,
        _explode(items, "item_idx", {"isbn": "isbns"}),
        _explode(books, "book_id", {"isbn": "isbns"}),
        "isbn",
    )
    positions = _explode(items, "item_idx", {"position": "positions", "src": "position_sources"})
    position_equal = _any_equal(
        base, positions, books.select("book_id", "position").drop_nulls(), "position", discount
    )
    # Pairs with at least one credible position (else the position comparison is null).
    has_position = _any_equal(
        base,
        positions.drop("position").with_columns(k=pl.lit(1)),
        books.select("book_id", k=pl.lit(1)),
        "k",
        discount,
    )

    # --- editions: the ASIN-matched audio edition, else the one closest in duration ------------------------
    eds = books.select("book_id", "editions").explode("editions").drop_nulls().unnest("editions")
    el = (
        base.select("pair", "item_idx", "book_id")
        .join(eds, on="book_id")
        .join(items.select("item_idx", "duration"), on="item_idx", how="left")
    )
    hit = el.join(_explode(items, "item_idx", {"asin": "asins"}), on=["item_idx", "asin"], how="semi").select(
        "pair", "edition_id", asin_hit=pl.lit(True)
    )
    el = el.join(hit, on=["pair", "edition_id"], how="left").with_columns(
        diff=(c("duration") - c("audio_seconds")).abs() / c("audio_seconds"),
    )
    el = el.with_columns(rank_key=pl.when(c("asin_hit")).then(-1.0).otherwise(c("diff").fill_null(1e9)))
    edition = (
        el.sort("pair", "rank_key", "edition_id")
        .unique(subset="pair", keep="first", maintain_order=True)
        .select("pair", duration_diff="diff", audio_edition_id="edition_id")
    )

    # --- year: the closest of the item's years --------------------------------------------------------------
    year = (
        base.select("pair", "item_idx", "book_id")
        .join(_explode(items, "item_idx", {"y": "years"}), on="item_idx")
        .join(books.select("book_id", "year").drop_nulls(), on="book_id")
        .group_by("pair")
        .agg(year_diff=(c("y").cast(pl.Int64) - c("year").cast(pl.Int64)).abs().min())
    )

    # --- assemble: parts are keyed by pair (0..n-1), items/books by row index: scatter and gather, no joins --
    n = base.height
    columns: dict[str, pl.Series] = {}
    for part in (title, author, narrator, series, edition, year):
        idx = part["pair"]
        for name in part.columns:
            if name != "pair":
                col = part[name]
                columns[name] = pl.repeat(None, n, dtype=col.dtype, eager=True).alias(name).scatter(idx, col)
    item_idx = base["item_idx"]
    item_cols = _item_columns(items)
    for name in item_cols.columns:
        columns[name] = item_cols[name].gather(item_idx)
    book_idx = base.select("book_id").join(
        books.select("book_id").with_row_index("book_idx"), on="book_id", how="left", maintain_order="left"
    )["book_idx"]
    book_cols = _book_columns(books)
    for name in book_cols.columns:
        columns[name] = book_cols[name].gather(book_idx)
    columns["item_has_position"] = has_position
    out = base.with_columns(
        asin_match=asin_match, isbn_match=isbn_match, position_equal=position_equal
    ).with_columns(**columns)
    out = out.with_columns(
        edition_id=pl.coalesce("audio_edition_id", "hint_edition_id", "any_edition_id"),
        title_item_in_candidate=c("title_item_in_candidate").fill_null(False),
        title_candidate_in_item=c("title_candidate_in_item").fill_null(False),
        item_has_series=c("item_has_series").fill_null(False),
        item_has_position=c("item_has_position").fill_null(False),
        item_has_id=c("item_has_id").fill_null(False),
        book_has_series=c("book_has_series").fill_null(False),
        book_has_id=c("book_has_id").fill_null(False),
    )
    assert out.height == base.height, "pair features must keep one row per pair"
    out = out.with_columns(level_exprs())
    return out.drop("item_idx", "any_edition_id", "audio_edition_id")


# --- the fast path ---------------------------------------------------------------------------------------------
# The same features without long frames: list columns become CSR arrays (offsets per row + flat values),
# strings become indices into one string table whose characters are a CSR array too, and a compiled
# kernel (kernel.py) walks every pair's item values × book values once. No joins, group-bys, sorts or
# temporaries over the combinations.


def _validity(arr: pa.Array) -> np.ndarray | None:
    """Which values are not null, as booleans; None when none is null."""
    return arr.is_valid().to_numpy(zero_copy_only=False) if arr.null_count else None


def _distinct(arr: pa.Array) -> pa.DictionaryArray:
    """The strings as indices into their distinct values."""
    return pc.dictionary_encode(arr)


class _Lists:
    """Aligned list columns of a frame as CSR, read from their Arrow buffers; a combination with a null
    value is dropped (as explode + drop_nulls does). `lens`/`off` carry one extra empty row at the end,
    so row -1 (no such item or book) has no values."""

    def __init__(self, lens: np.ndarray, flats: dict[str, pa.Array], required: list[str]):
        valid = None
        for name in required:
            ok = _validity(flats[name])
            if ok is not None:
                valid = ok if valid is None else valid & ok
        if valid is not None:
            owner = np.repeat(np.arange(len(lens)), lens)
            lens = np.bincount(owner[valid], minlength=len(lens)).astype(np.int64)
            mask = pa.array(valid)
            flats = {k: v.filter(mask) for k, v in flats.items()}
        self.lens = np.append(lens, 0)
        self.off = np.zeros(len(self.lens) + 1, dtype=np.int64)
        np.cumsum(self.lens, out=self.off[1:])
        self.values = {k: v for k, v in flats.items() if not k.startswith("_")}

    @classmethod
    def of(cls, frame: pl.DataFrame, **cols: str) -> _Lists:
        """List columns of `frame` (new name=column); a list of structs is given as 'column.field'."""
        flats: dict[str, pa.Array] = {}
        required, flat_of, lens = [], {}, None
        for name, spec in cols.items():
            col, _, fld = spec.partition(".")
            if col not in flat_of:
                arr = arrow(frame[col])
                col_lens = np.diff(offsets(arr))
                if (ok := _validity(arr)) is not None:  # a null list has no values
                    col_lens = np.where(ok, col_lens, 0)
                lens = col_lens if lens is None else lens
                flat_of[col] = arr.flatten()
                if fld:  # a list of structs: only a null struct is dropped, not a struct with a null field
                    flats[f"_{col}"] = flat_of[col]
                    required.append(f"_{col}")
            flats[name] = flat_of[col].field(fld) if fld else flat_of[col]
            if not fld:
                required.append(name)
        return cls(lens, flats, required)

    def __getitem__(self, name: str) -> pa.Array:
        return self.values[name]

    def series(self, name: str) -> pl.Series:
        return pl.Series(pl.from_arrow(self.values[name]))

    def np(self, name: str, dtype=None) -> np.ndarray:
        values = self.values[name].to_numpy(zero_copy_only=False)
        return values.astype(dtype) if dtype is not None else values


def _codes(*columns: pl.Series) -> list[np.ndarray]:
    """Integer codes (-1 for null) of the strings of several columns: equal strings, equal codes."""
    allv = pl.concat([col.cast(pl.String).rename("s") for col in columns])
    # A categorical cast numbers distinct strings (hashing, no sort of the strings).
    codes = allv.cast(pl.Categorical).to_physical().cast(pl.Int64).fill_null(-1).to_numpy()
    out, at = [], 0
    for col in columns:
        out.append(codes[at : at + len(col)])
        at += len(col)
    return out


class _Strings:
    """Every string the kernel reads, in one index space: a string is an index into `off` (its characters
    are chars[off[k]:off[k + 1]]), a null is -1. A column given dictionary-encoded (the book side's names)
    holds each distinct string once; the others are not de-duplicated (hashing 50 k items' strings costs
    more than comparing the repeats). Characters are bytes when every column is ASCII (normalised keys
    are), else Unicode code points numbered densely.

    Columns are laid end to end: a book's titles sit among the other books' titles, the column every
    pair reads, which stays in cache (a table grouped by book instead was slower).
    """

    def __init__(self, *columns: pl.Series | pa.Array):
        offs, datas, self.codes = [], [], []
        at = count = 0
        for col in columns:
            arr = arrow(col.cast(pl.String)) if isinstance(col, pl.Series) else col
            index = None
            if isinstance(arr, pa.DictionaryArray):  # each distinct string once; rows point at them
                index = arr.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
                arr = arr.dictionary
            n = len(arr)
            bufs = arr.buffers()
            off = offsets(arr)
            raw = bufs[2] if n and bufs[2] is not None else b""
            data = np.frombuffer(raw, dtype=np.uint8)[off[0] : off[-1]]
            off = off - off[0]
            if data.size and int(data.max()) >= 128:  # not ASCII: one code per character, not per byte
                # A string's first character = how many characters (first bytes of one) precede its first byte.
                lead = np.r_[0, np.cumsum((data & 0xC0) != 0x80)].astype(np.int64)
                off = lead[off]
                data = np.frombuffer(data.tobytes().decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
            offs.append((off, at))
            datas.append(data)
            codes = np.arange(count, count + n, dtype=np.int64)
            if (valid := _validity(arr)) is not None:
                codes[~valid] = -1
            if index is not None:
                codes = np.where(index >= 0, codes[np.maximum(index, 0)] if n else -1, -1)
            self.codes.append(codes)
            at += len(data)
            count += n
        self.off = np.zeros(count + 1, dtype=np.int64)
        row = 1
        for off, shift in offs:  # each column's offsets after the characters of the columns before it
            self.off[row : row + len(off) - 1] = off[1:]
            self.off[row : row + len(off) - 1] += shift
            row += len(off) - 1
        # The narrowest character codes that hold them: the kernel is bound by memory, and the book side of
        # the table should stay in the processor's cache.
        if all(d.dtype == np.uint8 for d in datas):  # ASCII (normalised keys are): a byte per character
            self.chars = np.concatenate(datas) if datas else np.zeros(0, np.uint8)
            self.pad, self.n_alpha = 32, 128
        else:  # code points, numbered densely (the kernel's pattern table has a row per character)
            data = np.concatenate([d.astype(np.uint32) for d in datas])
            present = np.zeros(max(int(data.max()), 32) + 1, dtype=bool)
            present[data] = True
            present[32] = True  # the space pads containment
            dense = np.cumsum(present) - 1
            self.n_alpha = int(present.sum())
            self.chars = dense[data].astype(np.uint16 if self.n_alpha <= 1 << 16 else np.uint32)
            self.pad = int(dense[32])
        from tasks.scoring.kernel import string_hashes

        self.hashes = np.empty(len(self.off) - 1, dtype=np.uint32)
        self.max_len = int(string_hashes(self.chars, self.off, self.hashes))


_ARROW_TYPES = {
    np.dtype(np.bool_): None,
    np.dtype(np.int32): pa.int32(),
    np.dtype(np.int64): pa.int64(),
    np.dtype(np.uint32): pa.uint32(),
    np.dtype(np.float64): pa.float64(),
}


def _nullable(values: np.ndarray, valid: np.ndarray, dtype: pl.DataType) -> pl.Series:
    """`values` with null where not `valid` (the values' buffer is shared, the validity bits are packed)."""
    if valid.all():
        return pl.Series(values).cast(dtype)
    kind = _ARROW_TYPES.get(values.dtype)
    if kind is None:  # booleans are bits in Arrow: let pyarrow pack them
        return pl.Series(pa.array(values, mask=~valid)).cast(dtype)
    values = np.ascontiguousarray(values)
    bits = pa.py_buffer(np.packbits(valid, bitorder="little"))
    arr = pa.Array.from_buffers(
        kind, len(values), [bits, pa.py_buffer(values)], null_count=int(len(valid) - np.count_nonzero(valid))
    )
    return pl.Series(pl.from_arrow(arr)).cast(dtype)


def _row_index(keys: pl.Series, table: pl.Series) -> np.ndarray:
    """Row of each key in `table` (-1 when absent); `table` has distinct keys."""
    if keys.dtype == pl.String and (rows := sorted_rows(keys, table)) is not None:
        return rows  # both in id order, as the warehouse returns them: one merge pass
    if keys.dtype == pl.String and not keys.null_count() and not table.null_count() and table.is_sorted():
        # A sorted table: a binary search each, then a check.
        at = np.minimum(table.search_sorted(keys).to_numpy().astype(np.int64), max(len(table) - 1, 0))
        if not len(table):
            return np.full(len(keys), -1, dtype=np.int64)
        return np.where((table.gather(at) == keys).to_numpy(), at, -1)
    if keys.dtype == pl.String and not keys.null_count() and not table.null_count():
        kc, tc = _codes(keys, table)  # one categorical cast instead of a string join
        rows = np.full(int(max(kc.max(initial=-1), tc.max(initial=-1))) + 1, -1, dtype=np.int64)
        rows[tc] = np.arange(len(tc))
        return rows[kc]
    if (
        keys.dtype.is_integer()
        and len(table)
        and not table.null_count()
        and int(table.max()) - int(table.min()) < 1 << 26
    ):
        # Ids span a small range: a lookup array over it, filled and read in one compiled pass.
        from tasks.scoring.kernel import int_rows

        low = int(table.min())
        values = keys.cast(pl.Int64)
        out = np.empty(len(keys), dtype=np.int64)
        int_rows(
            values.fill_null(low - 1).to_numpy() if values.null_count() else values.to_numpy(),
            table.cast(pl.Int64).to_numpy(),
            low,
            int(table.max()),
            out,
        )
        return out
    right = pl.DataFrame({"k": table}).with_row_index("i")
    idx = pl.DataFrame({"k": keys}).join(right, on="k", how="left", maintain_order="left")["i"]
    return idx.fill_null(-1).to_numpy().astype(np.int64)


def _item_rows(keys: pl.Series, table: pl.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """(`_row_index` of keys that come in runs, each run looked up once; where each run starts when the
    runs and the table are in id order and every run is a different known key — one run per item, as
    the warehouse returns pairs and items — else None)."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64), None
    runs = keys.rle().struct.unnest()  # each run's length and key (a null run is one run)
    lengths = runs["len"].to_numpy()
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    rows = sorted_rows(runs["value"], table) if keys.dtype == pl.String else None
    if rows is None:  # not both strictly ascending (so the table's ids may repeat): no item runs to hand on
        return np.repeat(_row_index(runs["value"], table), lengths), None
    one_run_each = bool(rows[0] >= 0 and np.all(rows[1:] > rows[:-1]))
    return np.repeat(rows, lengths), starts if one_run_each else None


def _title_arrays(items: pl.DataFrame, books: pl.DataFrame) -> dict[str, np.ndarray | int]:
    """The title kernel's inputs (`kernel.title_kernel`): item and book title variants as CSR arrays over
    their own string table. A few milliseconds: the title kernel starts on them while `_kernel_arrays`
    lays out the rest."""
    it = _Lists.of(items, text="title_variants.text", sources="title_variants.sources")
    bt = _Lists.of(books, r="title_variants")
    strings = _Strings(it["text"], bt["r"])
    t_i, t_b = strings.codes
    arrays = {
        "chars": strings.chars,
        "soff": strings.off,
        "hashes": strings.hashes,
        "pad": strings.pad,
        "n_alpha": strings.n_alpha,
        "max_len": strings.max_len,
        "it_off": it.off,
        "it_code": t_i,
        "it_src": it.np("sources", np.int64),
        "bt_off": bt.off,
        "bt_code": t_b,
    }
    return _narrow(arrays, strings)


def _narrow(arrays: dict[str, np.ndarray | int], strings: _Strings) -> dict[str, np.ndarray | int]:
    """32-bit offsets, codes and records: the kernel is bound by memory, and half the bytes per pair keep
    more of the catalogue in cache. Every value is an offset or code below the number of characters, a
    year or a bit mask; edition ids stay 64-bit, as stored. The hashes are a first test only (a
    collision costs one comparison of characters), 32 bits are enough."""
    if len(strings.chars) < 1 << 31:
        for name, value in arrays.items():
            if isinstance(value, np.ndarray) and value.dtype == np.int64 and name != "be_eid":
                arrays[name] = value.astype(np.int32)
    return arrays


def _kernel_arrays(
    items: pl.DataFrame, books: pl.DataFrame
) -> tuple[dict[str, np.ndarray | int], dict[str, np.ndarray]]:
    """The other kernel's inputs (`kernel.pair_kernel`): every list column of the prepared items and
    books but the titles as CSR arrays, strings as indices into one table, scalars padded with the empty
    row (unknown item or book) at the end. And the per-item and per-book columns every pair carries
    (`_item_columns`, `_book_columns`), padded the same way: (values, valid) by name."""
    i64, f64 = np.int64, np.float64
    ia = _Lists.of(items, l="authors", k="author_keys", src="author_sources")
    ba = _Lists.of(books, r="authors", k="author_keys")
    ipos = _Lists.of(items, p="positions", src="position_sources")
    inn, bn = _Lists.of(items, l="narrators"), _Lists.of(books, r="narrators")
    iser = _Lists.of(items, l="series")
    iasin, basin = _Lists.of(items, v="asins"), _Lists.of(books, v="asins")
    iisbn, bisbn = _Lists.of(items, v="isbns"), _Lists.of(books, v="isbns")
    eds = _Lists.of(books, e="editions.edition_id", s="editions.audio_seconds", a="editions.asin")
    iy = _Lists.of(items, y="years")

    strings = _Strings(
        *(ia["l"], ia["k"], inn["l"], iser["l"], iasin["v"], iisbn["v"]),
        # Names repeat across books (an author's or narrator's books, a series' volumes): the book side
        # holds each distinct string once, small enough to stay in cache.
        *(_distinct(x) for x in (ba["r"], ba["k"], bn["r"], arrow(books["series"]))),
        *(basin["v"], bisbn["v"], eds["a"]),
    )
    a_i, k_i, n_i, s_i, asin_i, isbn_i, a_b, k_b, n_b, s_b, asin_b, isbn_b, asin_e = strings.codes

    def pad(values: np.ndarray, fill, dtype) -> np.ndarray:
        return np.append(np.asarray(values), fill).astype(dtype)

    def col(frame: pl.DataFrame, name: str, fill, dtype) -> tuple[np.ndarray, np.ndarray]:
        s = frame[name]
        return (
            pad(s.fill_null(fill).to_numpy(), fill, dtype),
            pad(s.is_not_null().to_numpy(), False, np.bool_),
        )

    book_pos, book_pos_ok = col(books, "position", 0.0, f64)
    book_year, book_year_ok = col(books, "year", 0, i64)
    dur, dur_ok = col(items, "duration", 0.0, f64)
    secs = eds.series("s").cast(pl.Float64)
    # One row per book (and the empty row): the ranges of its list values and its scalars, so a pair
    # reads its book from one cache line instead of a dozen arrays.
    brec = np.column_stack(
        [
            ba.off[:-1],
            ba.off[1:],
            bn.off[:-1],
            bn.off[1:],
            basin.off[:-1],
            basin.off[1:],
            bisbn.off[:-1],
            bisbn.off[1:],
            eds.off[:-1],
            eds.off[1:],
            pad(s_b, -1, i64),
            book_year,
            book_year_ok,
            book_pos_ok,
        ]
    )
    arrays = {
        "brec": np.ascontiguousarray(brec),
        "book_pos": book_pos,
        "chars": strings.chars,
        "soff": strings.off,
        "hashes": strings.hashes,
        "n_alpha": strings.n_alpha,
        "max_len": strings.max_len,
        "title_mask": pad(items["title_mask"].fill_null(0).to_numpy(), 0, i64),
        "ia_off": ia.off,
        "ia_code": a_i,
        "ia_key": k_i,
        "ia_src": ia.np("src", i64),
        "ba_code": a_b,
        "ba_key": k_b,
        "ip_off": ipos.off,
        "ip_val": ipos.np("p", f64),
        "ip_src": ipos.np("src", i64),
        "in_off": inn.off,
        "in_code": n_i,
        "bn_code": n_b,
        "is_off": iser.off,
        "is_code": s_i,
        "iasin_off": iasin.off,
        "iasin_code": asin_i,
        "basin_code": asin_b,
        "iisbn_off": iisbn.off,
        "iisbn_code": isbn_i,
        "bisbn_code": isbn_b,
        "be_eid": eds.series("e").cast(pl.Int64).fill_null(0).to_numpy().astype(i64),
        "be_secs": secs.fill_null(1.0).to_numpy().astype(f64),
        "be_secs_ok": secs.is_not_null().to_numpy(),
        "be_asin": asin_e,
        "dur": dur,
        "dur_ok": dur_ok,
        "iy_off": iy.off,
        "iy_val": iy.np("y", i64),
    }
    sources, sources_ok = col(items, "title_sources", 0, np.int32)
    any_edition, any_edition_ok = col(books, "any_edition_id", 0, i64)
    known_i = np.arange(items.height + 1) < items.height
    known_b = np.arange(books.height + 1) < books.height
    rows = {  # name: (values by row, valid by row) — by item row, then by book row
        "title_sources": (sources, sources_ok),
        "item_has_series": (np.diff(iser.off) > 0, known_i),
        "item_has_id": ((np.diff(iasin.off) + np.diff(iisbn.off)) > 0, known_i),
        "any_edition_id": (any_edition, any_edition_ok),
        "book_has_series": (pad(s_b >= 0, False, np.bool_), known_b),
        "book_position": (book_pos, book_pos_ok),
        "book_has_id": ((np.diff(basin.off) + np.diff(bisbn.off)) > 0, known_b),
    }
    return _narrow(arrays, strings), rows


_ROW_DTYPES = {"title_sources": pl.Int32, "any_edition_id": pl.Int64, "book_position": pl.Float64}
_TITLE_OUTPUTS = {  # `kernel.title_kernel`'s outputs, in its order
    "title_sim": np.int32,
    "item_in": np.bool_,
    "cand_in": np.bool_,
    "agree_out": np.int32,
}
_OTHER_OUTPUTS = {  # `kernel.pair_kernel`'s outputs, in its order
    "author_sim": np.int32,
    "narrator_sim": np.int32,
    "series_sim": np.int32,
    "position_equal": np.bool_,
    "has_position": np.bool_,
    "asin_match": np.bool_,
    "isbn_match": np.bool_,
    "duration_diff": np.float64,
    "duration_ok": np.bool_,
    "edition_id": np.int64,
    "edition_ok": np.bool_,
    "year_diff": np.int64,
    "year_ok": np.bool_,
}
_OUTPUTS = _TITLE_OUTPUTS | _OTHER_OUTPUTS

# The item and book columns every pair carries (`_kernel_arrays`' per-row values), with their validity.
_CARRIED = {
    "title_sources": np.int32,
    "title_sources_ok": np.bool_,
    "item_has_series": np.bool_,
    "item_has_id": np.bool_,
    "any_edition_id": np.int64,
    "any_edition_id_ok": np.bool_,
    "book_has_series": np.bool_,
    "book_position": np.float64,
    "book_position_ok": np.bool_,
    "book_has_id": np.bool_,
}
_SIMILARITIES = ("title_sim", "author_sim", "narrator_sim", "series_sim")  # -1: nothing to compare


def _layout(*groups: dict[str, type]) -> dict[str, type]:
    """Groups of named arrays as one layout for `carve` (a name twice would share its memory: refused)."""
    out: dict[str, type] = {}
    for group in groups:
        if clash := out.keys() & group.keys():
            raise ValueError(f"array names used twice: {sorted(clash)}")
        out.update(group)
    return out


# Every per-pair array of the features step, in one block (see `carve`): row numbers, the kernel's outputs,
# which similarities were computed, and the item and book columns each pair carries.
_PER_PAIR = _layout(
    {"ii": np.int32, "bi": np.int32},
    _OUTPUTS,
    {f"{name}_ok": np.bool_ for name in _SIMILARITIES},
    {"sources_agree": np.int32},
    _CARRIED,
    {"chosen_edition_id": np.int64, "chosen_edition_id_ok": np.bool_},
)

PARALLEL_FROM = 20_000  # rows; below this one thread is quicker than starting more
_SLICES_PER_WORKER = 8


def carve(n: int, dtypes: dict[str, type]) -> dict[str, np.ndarray]:
    """Arrays of `n` values each (uninitialised), cut from one allocation.

    A fresh array is mapped in by the operating system page by page as it is first written: a few
    microseconds per 4 KB page on a virtual machine, and a score step writes hundreds of megabytes of
    them. numpy asks for huge pages (2 MB) for an allocation of 4 MB or more, so one block holding all
    the arrays is mapped in a few hundred faults where a dozen separate ones take thousands.
    """
    sizes = {name: n * np.dtype(dtype).itemsize for name, dtype in dtypes.items()}
    at, starts = 0, {}
    for name, size in sizes.items():
        starts[name] = at
        at += -(-size // 64) * 64  # each array on its own cache line
    block = np.empty(max(at, 1), dtype=np.uint8)
    return {
        name: block[starts[name] : starts[name] + sizes[name]].view(dtype) for name, dtype in dtypes.items()
    }


class _Kernels:
    """The two kernels over every pair, in slices on as many threads as there are cores (they release the
    GIL): `title_kernel`, which needs only the titles, and `pair_kernel`, which reads which sources the
    title kernel found naming the book (slice k of it waits for slice k of titles).

    The titles are compared while the caller lays out the other kernel's inputs, which holds the GIL: until
    `other` is called one core is left to the caller (no core idles waiting for the layout, and the layout
    is not slowed by a thread more than there are cores). A free thread takes a ready slice of the other
    kernel first, else the next slice of titles.

    Pairs go in ordered by item row (a kernel keeps an item's string patterns while its pairs last, and
    reads the item arrays front to back): when they do not come that way they are put in order, and
    `outputs` puts the results back. Use as a context manager: leaving it stops the threads (after an
    error too).
    """

    def __init__(self, workers: int, ii: np.ndarray, bi: np.ndarray, out: dict[str, np.ndarray]):
        n = len(ii)
        self.order = None if n < 2 or bool(np.all(ii[1:] >= ii[:-1])) else np.argsort(ii, kind="stable")
        if self.order is not None:
            ii, bi = ii[self.order], bi[self.order]
            out = carve(n, _OUTPUTS)
        self.ii, self.bi, self.out = ii.astype(np.int32, copy=False), bi.astype(np.int32, copy=False), out
        self.workers = workers if n >= PARALLEL_FROM else 1
        # Contiguous slices, several per thread, taken in turn by whichever thread is free: each writes its
        # own stretch of the outputs, and a core slowed by something else does less of the work.
        slices = self.workers * _SLICES_PER_WORKER if self.workers > 1 else 1
        self.bounds = np.linspace(0, n, slices + 1).astype(np.int64)
        self._runs: dict[str, object] = {}  # kernel name: a function of (lo, hi)
        self._next = {"title": 0, "other": 0}  # the next slice to hand out
        self._titled = [False] * slices  # slices whose titles are done
        self._left = slices  # slices of the other kernel not done
        self._error: BaseException | None = None
        self._stop = False
        self._cv = threading.Condition()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> _Kernels:
        return self

    def __exit__(self, *exc) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        for thread in self._threads:
            thread.join()

    def title(self, arrays: dict) -> None:
        """Start comparing titles (on this thread when there is one worker: now)."""
        from tasks.scoring.kernel import scratch, title_kernel

        args = (self.ii, self.bi, *arrays.values(), *(self.out[name] for name in _TITLE_OUTPUTS))

        def run(lo: int, hi: int) -> None:
            title_kernel(lo, hi, *args, *scratch(arrays["n_alpha"], arrays["max_len"]))

        if self.workers == 1:
            run(0, len(self.ii))
            return
        self._runs["title"] = run
        for w in range(self.workers):
            thread = threading.Thread(target=self._work, args=(w,), name=f"pair-kernel-{w}")
            thread.start()
            self._threads.append(thread)

    def other(self, arrays: dict) -> None:
        """Start the other features (`_kernel_arrays`' inputs): every thread now works on the kernels."""
        from tasks.scoring.kernel import pair_kernel, scratch

        args = (self.ii, self.bi, self.out["agree_out"], *arrays.values())
        args = (*args, *(self.out[name] for name in _OTHER_OUTPUTS))

        def run(lo: int, hi: int) -> None:
            pair_kernel(lo, hi, *args, *scratch(arrays["n_alpha"], arrays["max_len"]))

        if self.workers == 1:
            run(0, len(self.ii))
            return
        with self._cv:
            self._runs["other"] = run
            self._cv.notify_all()

    def _take(self, w: int) -> tuple[str, int] | None:
        """The next slice for worker `w` (None: no more work); waits while none is ready."""
        slices = len(self._titled)
        with self._cv:
            while not self._stop and self._error is None and self._left:
                k = self._next["other"]
                if "other" in self._runs and k < slices and self._titled[k]:
                    self._next["other"] = k + 1
                    return "other", k
                k = self._next["title"]
                if k < slices and (w > 0 or "other" in self._runs):  # worker 0: the caller's core, meanwhile
                    self._next["title"] = k + 1
                    return "title", k
                self._cv.wait()
        return None

    def _work(self, w: int) -> None:
        while (job := self._take(w)) is not None:
            kind, k = job
            try:
                self._runs[kind](self.bounds[k], self.bounds[k + 1])
            except BaseException as error:  # handed to the caller by `outputs`
                with self._cv:
                    self._error = self._error or error
                    self._cv.notify_all()
                return
            with self._cv:
                if kind == "title":
                    self._titled[k] = True
                else:
                    self._left -= 1
                self._cv.notify_all()

    def outputs(self) -> dict[str, np.ndarray]:
        """Every output, once both kernels are done, in the pairs' own order."""
        for thread in self._threads:
            thread.join()
        if self._error is not None:
            raise self._error
        out = self.out
        if self.order is not None:
            for name, values in out.items():
                back = np.empty_like(values)
                back[self.order] = values
                out[name] = back
        return out


def _padded_rows(rows: np.ndarray, missing: int, out: np.ndarray) -> np.ndarray:
    """`rows` into `out`, with `missing` (the empty padded row) where a row is -1."""
    np.copyto(out, rows, casting="unsafe")
    np.copyto(out, missing, where=rows < 0)
    return out


def pair_features(pairs: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """Feature and level columns for every (item_id, book_id) in `pairs` (plus `edition_id` chosen per pair).

    Equal, column for column, to `pair_features_reference` (the same definitions over long frames).
    """
    return pair_features_and_runs(pairs, items, books)[0]


class ItemRuns(NamedTuple):
    """Pairs that come one run per item, in the items' order: where each run begins, and the row in
    `items` of its item (increasing)."""

    starts: np.ndarray
    rows: np.ndarray


def pair_features_and_runs(
    pairs: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame
) -> tuple[pl.DataFrame, ItemRuns | None]:
    """`pair_features`, and the item runs when the pairs come one run per item in the items' order (as the
    warehouse returns them; `rank_and_choose` takes them) — None otherwise."""
    base = pairs.select(
        c("item_id").cast(pl.String),
        c("book_id").cast(pl.Int64),
        (c("edition_id") if "edition_id" in pairs.columns else pl.lit(None))
        .cast(pl.Int64)
        .alias("hint_edition_id"),
    ).with_row_index("pair")
    workers = min(os.cpu_count() or 1, 8)
    with ThreadPoolExecutor(max_workers=1) as layout:
        # The kernels' inputs are laid out on a second core while the pairs find their item and book rows,
        # the titles first (a few ms).
        titles = layout.submit(_title_arrays, items, books)
        laid_out = layout.submit(_kernel_arrays, items, books)
        rows_i, starts = _item_rows(base["item_id"], items["item_id"].cast(pl.String))  # -1: unknown item
        rows_b = _row_index(base["book_id"], books["book_id"].cast(pl.Int64))
        # For the kernel an unknown item / book is the empty row every CSR array and padded column ends with.
        per_pair = carve(len(base), _PER_PAIR)
        ii = _padded_rows(rows_i, items.height, per_pair["ii"])
        bi = _padded_rows(rows_b, books.height, per_pair["bi"])
        with _Kernels(workers, ii, bi, {name: per_pair[name] for name in _OUTPUTS}) as kernels:
            # The title kernel runs while the other inputs are still being laid out (GIL-bound work).
            kernels.title(titles.result())
            arrays, per_row = laid_out.result()
            kernels.other(arrays)
            # The item and book columns each pair carries, taken while the kernels run.
            carried = {}
            for name, (values, valid) in per_row.items():
                at = ii if name in ("title_sources", "item_has_series", "item_has_id") else bi
                carried[name] = (
                    np.take(values, at, out=per_pair[name], mode="clip"),  # rows are in range
                    None
                    if values.dtype == np.bool_
                    else np.take(valid, at, out=per_pair[f"{name}_ok"], mode="clip"),
                )
            k = kernels.outputs()

    ok = {name: np.greater_equal(k[name], 0, out=per_pair[f"{name}_ok"]) for name in _SIMILARITIES}
    titled, agree = ok["title_sim"], k["agree_out"]
    columns: dict[str, pl.Series] = {
        "title_sim": _nullable(k["title_sim"], titled, pl.Int32),
        "title_item_in_candidate": pl.Series(k["item_in"]),
        "title_candidate_in_item": pl.Series(k["cand_in"]),
        "sources_agree": _nullable(np.bitwise_count(agree, out=per_pair["sources_agree"]), titled, pl.Int32),
        "agree_mask": _nullable(agree, titled, pl.Int32),
        "author_sim": _nullable(k["author_sim"], ok["author_sim"], pl.Int32),
        "narrator_sim": _nullable(k["narrator_sim"], ok["narrator_sim"], pl.Int32),
        "series_sim": _nullable(k["series_sim"], ok["series_sim"], pl.Int32),
        "duration_diff": _nullable(k["duration_diff"], k["duration_ok"], pl.Float64),
        "year_diff": _nullable(k["year_diff"], k["year_ok"], pl.Int64),
    }
    audio_edition_id = _nullable(k["edition_id"], k["edition_ok"], pl.Int64)

    # --- assemble, in the reference's column order ------------------------------------------------------------
    for name, (values, valid) in carried.items():
        if valid is None:  # a flag of no item or book is false (the padded row's value)
            columns[name] = pl.Series(name, values)
        else:
            columns[name] = _nullable(values, valid, _ROW_DTYPES[name]).alias(name)
    columns["item_has_position"] = pl.Series(k["has_position"])
    # The audio edition chosen, else the candidate's own edition hint, else any edition of the book.
    hint = base["hint_edition_id"]
    if hint.null_count() < len(hint):
        chosen = pl.coalesce(audio_edition_id, hint, columns["any_edition_id"])
        edition_id = pl.select(chosen).to_series()
    else:
        chosen, chosen_ok = per_pair["chosen_edition_id"], per_pair["chosen_edition_id_ok"]
        np.copyto(chosen, per_pair["any_edition_id"])  # the book's any edition, as carried
        np.copyto(chosen, k["edition_id"], where=k["edition_ok"])
        np.logical_or(per_pair["any_edition_id_ok"], k["edition_ok"], out=chosen_ok)
        edition_id = _nullable(chosen, chosen_ok, pl.Int64)
    out = base.with_columns(
        asin_match=pl.Series(k["asin_match"]),
        isbn_match=pl.Series(k["isbn_match"]),
        position_equal=pl.Series(k["position_equal"]),
        **{name: col for name, col in columns.items() if name != "any_edition_id"},
        edition_id=edition_id,
    )
    runs = None if starts is None else ItemRuns(starts, rows_i[starts])
    return out.with_columns(level_exprs()), runs


def pair_features_demo() -> pl.DataFrame:
    """pair_features on empty prepared frames: compiles (or loads) the kernel for the real dtypes."""
    from tasks.scoring.prepare import _book_schema, _empty_items

    pairs = pl.DataFrame(schema={"item_id": pl.String, "book_id": pl.Int64})
    return pair_features(pairs, _empty_items(), pl.DataFrame(schema=_book_schema()))
