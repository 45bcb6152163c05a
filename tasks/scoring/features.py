"""Features for every (item, candidate book) pair, computed in bulk.

`pair_features(pairs, items, books)` returns one row per pair with raw similarity columns
(`title_sim`, `author_sim`, ...) and one *level* column per comparison (`title_level`, ...).
Comparisons are declared Splink-style in `COMPARISONS`: an ordered list of (level, condition); the
first condition that holds names the level; `null` means the evidence is missing on either side and
carries weight 0 by construction. Adding a feature = adding a comparison here + retraining.

No per-pair Python: list columns are exploded into long frames, strings compared with rapidfuzz
`process.cpdist(..., workers=-1)`, and results aggregated back per pair with Polars.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

NULL = "null"


@dataclass(frozen=True)
class Comparison:
    name: str
    description: str
    levels: tuple[
        tuple[str, pl.Expr], ...
    ]  # ordered (level name, condition); the last one should be a catch-all
    null_when: pl.Expr  # evidence missing on either side -> level 'null' (weight 0)

    @property
    def level_names(self) -> list[str]:
        return [name for name, _ in self.levels] + [NULL]

    @property
    def dtype(self) -> pl.Enum:
        return pl.Enum(self.level_names)

    def level_expr(self) -> pl.Expr:
        """The level as an Enum column (its physical index picks the weight without string work)."""
        dtype = self.dtype
        expr = pl.when(self.null_when).then(pl.lit(NULL, dtype=dtype))
        for level, cond in self.levels:
            expr = expr.when(cond).then(pl.lit(level, dtype=dtype))
        return expr.otherwise(pl.lit(NULL, dtype=dtype)).alias(f"{self.name}_level")


c = pl.col
# Why ratio and not token_set_ratio: token_set_ratio("dune", "dune messiah") == 100 would make a sequel
# (or an omnibus) look like the book. Containment is its own level instead, with its own (learned) weight.
COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "title",
        "best title similarity over evidence sources and title variants (full / without subtitle / series stripped)",
        (
            ("exact", c("title_sim") >= 100),
            ("close", c("title_sim") >= 90),
            ("candidate_longer", c("title_item_in_candidate")),  # Dune vs Dune Messiah, book vs omnibus
            ("item_longer", c("title_candidate_in_item")),  # folder names with author/noise left in
            ("fair", c("title_sim") >= 75),
            ("far", pl.lit(True)),
        ),
        c("title_sim").is_null(),
    ),
    Comparison(
        "sources",
        "how many evidence sources (abs, path, filename, tags, transcript) agree with the candidate title",
        (
            ("all", (c("title_sources") >= 2) & (c("sources_agree") == c("title_sources"))),
            ("single", (c("title_sources") == 1) & (c("sources_agree") == 1)),
            ("most", c("sources_agree") * 2 > c("title_sources")),
            ("some", c("sources_agree") > 0),
            ("none", pl.lit(True)),
        ),
        c("title_sources").fill_null(0) == 0,
    ),
    Comparison(
        "author",
        "best pairing over author lists (normalised names; surname + initial keys)",
        (
            ("exact", c("author_sim") >= 100),
            ("close", c("author_sim") >= 88),
            ("fair", c("author_sim") >= 70),
            ("far", pl.lit(True)),
        ),
        c("author_sim").is_null(),
    ),
    Comparison(
        "narrator",
        "best pairing of item narrators with the book's audio-edition narrators",
        (
            ("exact", c("narrator_sim") >= 100),
            ("close", c("narrator_sim") >= 85),
            ("far", pl.lit(True)),
        ),
        c("narrator_sim").is_null(),
    ),
    Comparison(
        "series",
        "series name similarity (item series vs the book's series)",
        (
            ("exact", c("series_sim") >= 100),
            ("close", c("series_sim") >= 85),
            ("far", c("series_sim").is_not_null()),
            ("item_only", c("item_has_series") & c("book_series").is_null()),
            ("book_only", c("book_series").is_not_null()),
        ),
        ~c("item_has_series") & c("book_series").is_null(),
    ),
    Comparison(
        "position",
        "series position agreement",
        (
            ("equal", c("position_equal")),
            ("different", c("book_position").is_not_null()),
            ("item_only", pl.lit(True)),  # "The Green Mile, Part 2" vs a book that is no part of anything
        ),
        ~c("item_has_position"),
    ),
    Comparison(
        "duration",
        "item duration vs the closest audio edition's audio_seconds (separates abridged/unabridged/dramatised)",
        (
            ("within_3pct", c("duration_diff") <= 0.03),
            ("within_10pct", c("duration_diff") <= 0.10),
            ("within_25pct", c("duration_diff") <= 0.25),
            ("far", pl.lit(True)),
        ),
        c("duration_diff").is_null(),
    ),
    Comparison(
        "year",
        "publication year (ABS year is often the audio release, so only a weak signal)",
        (
            ("exact", c("year_diff") == 0),
            ("near", c("year_diff") <= 2),
            ("far", pl.lit(True)),
        ),
        c("year_diff").is_null(),
    ),
    Comparison(
        "identifier",
        "ASIN (audio editions) or ISBN (any edition) agreement",
        (
            ("asin", c("asin_match")),
            ("isbn", c("isbn_match")),
            ("mismatch", pl.lit(True)),
        ),
        ~c("item_has_id") | ~c("book_has_id"),
    ),
)
COMPARISON_BY_NAME = {comp.name: comp for comp in COMPARISONS}


def _item_columns(items: pl.DataFrame) -> pl.DataFrame:
    """Per-item columns every pair carries (gathered by the pair's item)."""
    return items.select(
        "title_sources",
        item_has_series=c("series").list.len().fill_null(0) > 0,
        item_has_id=(c("asins").list.len().fill_null(0) + c("isbns").list.len().fill_null(0)) > 0,
    )


def _book_columns(books: pl.DataFrame) -> pl.DataFrame:
    """Per-book columns every pair carries (gathered by the pair's book)."""
    return books.select(
        "any_edition_id",
        book_series=c("series"),
        book_position=c("position"),
        book_has_id=(c("asins").list.len().fill_null(0) + c("isbns").list.len().fill_null(0)) > 0,
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
        book_has_id=c("book_has_id").fill_null(False),
    )
    assert out.height == base.height, "pair features must keep one row per pair"
    out = out.with_columns([comp.level_expr() for comp in COMPARISONS])
    return out.drop("item_idx", "any_edition_id", "audio_edition_id")


# --- the fast path ---------------------------------------------------------------------------------------------
# The same features without long frames: list columns become CSR arrays (offsets per row + flat values),
# strings become integer codes of one vocabulary per comparison, and every (item, book) pair's
# combinations are generated with numpy (repeat + arithmetic) and reduced per pair with `ufunc.reduceat`
# over the contiguous run of each pair. No joins, group-bys or sorts over the combinations.


class _Lists:
    """Aligned list columns of a frame as CSR; a combination with a null value is dropped (as explode +
    drop_nulls does). `lens`/`off` carry one extra empty row at the end, so row -1 (no such item or
    book) has no values."""

    def __init__(self, lens: np.ndarray, flats: dict[str, pl.Series], required: list[str] | None = None):
        valid = None
        for name in flats if required is None else required:
            flat = flats[name]
            if flat.null_count():
                ok = flat.is_not_null().to_numpy()
                valid = ok if valid is None else valid & ok
        if valid is not None:
            owner = np.repeat(np.arange(len(lens)), lens)
            lens = np.bincount(owner[valid], minlength=len(lens)).astype(np.int64)
            mask = pl.Series(valid)
            flats = {k: v.filter(mask) for k, v in flats.items() if not k.startswith("_")}
        self.lens = np.append(lens, 0)
        self.off = np.zeros(len(self.lens) + 1, dtype=np.int64)
        np.cumsum(self.lens, out=self.off[1:])
        self.values = flats

    @classmethod
    def of(cls, frame: pl.DataFrame, **cols: str) -> _Lists:
        """List columns of `frame` (new name=column); a list of structs is given as 'column.field'."""
        first = frame[next(iter(cols.values())).split(".")[0]]
        lens = first.list.len().fill_null(0).to_numpy().astype(np.int64)
        flats, exploded, required = {}, {}, []
        for name, spec in cols.items():
            col, _, fld = spec.partition(".")
            if col not in exploded:
                exploded[col] = frame[col].list.explode(keep_nulls=False, empty_as_null=False)
                if fld:  # a list of structs: only a null struct is dropped, not a struct with a null field
                    flats[f"_{col}"] = pl.select(pl.when(exploded[col].is_not_null()).then(True)).to_series()
                    required.append(f"_{col}")
            flats[name] = exploded[col].struct.field(fld) if fld else exploded[col]
            if not fld:
                required.append(name)
        return cls(lens, flats, required)

    @classmethod
    def scalar(cls, frame: pl.DataFrame, **cols: str) -> _Lists:
        """Plain columns as lists of one value (none when null)."""
        keep = frame[next(iter(cols.values()))].is_not_null()
        return cls(keep.to_numpy().astype(np.int64), {k: frame[v].filter(keep) for k, v in cols.items()})

    @classmethod
    def ones(cls, n: int) -> _Lists:
        return cls(np.ones(n, dtype=np.int64), {})

    def __getitem__(self, name: str) -> pl.Series:
        return self.values[name]

    def np(self, name: str, dtype=None) -> np.ndarray:
        values = self.values[name].to_numpy()
        return values.astype(dtype) if dtype is not None else values


class _Cross:
    """Every combination of the left values of each pair's item with the right values of its book,
    pair-major (the rows of one pair are contiguous and in pair order)."""

    def __init__(self, left_row: np.ndarray, right_row: np.ndarray, left: _Lists, right: _Lists):
        # 32-bit indices: half the memory traffic of int64 over ~10^6 combinations.
        self.n_pairs = len(left_row)
        ln = left.lens[left_row].astype(np.int32)
        rn = right.lens[right_row].astype(np.int32)
        loff = left.off[left_row].astype(np.int32)
        roff = right.off[right_row].astype(np.int32)
        cnt = ln * rn
        if ln.max(initial=0) <= 1 and rn.max(initial=0) <= 1:  # at most one value a side: no repeats
            self.pair = np.flatnonzero(cnt).astype(np.int32)
            self.left = loff[self.pair]
            self.right = roff[self.pair]
            return
        total = int(cnt.sum(dtype=np.int64))
        self.pair = np.repeat(np.arange(self.n_pairs, dtype=np.int32), cnt)
        start = np.cumsum(cnt, dtype=np.int32) - cnt
        k = np.arange(total, dtype=np.int32) - np.repeat(start, cnt)
        if rn.max(initial=0) <= 1:
            self.left = np.repeat(loff, cnt) + k
            self.right = np.repeat(roff, cnt)
        elif ln.max(initial=0) <= 1:
            self.left = np.repeat(loff, cnt)
            self.right = np.repeat(roff, cnt) + k
        else:
            step, within = np.divmod(k, np.repeat(rn, cnt))
            self.left = np.repeat(loff, cnt) + step
            self.right = np.repeat(roff, cnt) + within

    def keep(self, mask: np.ndarray) -> None:
        self.pair, self.left, self.right = self.pair[mask], self.left[mask], self.right[mask]
        self._starts = None

    def starts(self) -> np.ndarray:
        if getattr(self, "_starts", None) is None:
            p = self.pair
            self._starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]]) if len(p) else p
        return self._starts

    def reduce(self, ufunc: np.ufunc, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(pairs with at least one row, the ufunc-reduced value of each)."""
        starts = self.starts()
        if len(starts) == 0:
            return starts, values[:0]
        return self.pair[starts], ufunc.reduceat(values, starts)

    def any(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n_pairs, dtype=bool)
        owners, hit = self.reduce(np.logical_or, values)
        out[owners] = hit
        return out


def _codes(*columns: pl.Series, vocab: bool = True) -> tuple[list[np.ndarray], pl.Series | None]:
    """Integer codes of the strings of several columns in one vocabulary, and (if asked) the vocabulary
    by code."""
    allv = pl.concat([col.cast(pl.String).rename("s") for col in columns])
    # A categorical cast numbers distinct strings densely (hashing, no sort of the strings).
    codes = allv.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    out, at = [], 0
    for col in columns:
        out.append(codes[at : at + len(col)])
        at += len(col)
    if not vocab:
        return out, None
    first = np.zeros(int(codes.max()) + 1 if len(codes) else 0, dtype=np.int64)
    first[codes] = np.arange(len(codes))
    return out, allv.gather(first)


def _similarity(lc: np.ndarray, rc: np.ndarray, vocab: pl.Series, containment: bool = False) -> dict:
    """fuzz.ratio per row of codes (lc, rc): each distinct pair of strings compared once, equal codes
    (equal strings) are 100 without a comparison. With `containment`: whole-word containment both
    ways where the ratio is below 90 (as `_pair_similarity`)."""
    n_vocab = max(len(vocab), 1)
    key = lc * n_vocab + rc
    if key.size == 0:
        out = {"sim": np.zeros(0, dtype=np.int32)}
        if containment:
            out["item_in_candidate"] = out["candidate_in_item"] = np.zeros(0, dtype=bool)
        return out
    if n_vocab * n_vocab <= 1 << 32:
        # Keys fit 32 bits: numpy's stable sort of uint32 is a radix sort, faster than ranking int64.
        order = np.argsort(key.astype(np.uint32), kind="stable")
        ordered = key[order]
        new = np.r_[True, ordered[1:] != ordered[:-1]]
        inverse = np.empty(len(key), dtype=np.int64)
        inverse[order] = np.cumsum(new) - 1
        uniq = ordered[new]
    else:
        inverse = pl.Series(key, dtype=pl.Int64).rank("dense").to_numpy().astype(np.int64) - 1
        uniq = np.zeros(int(inverse.max()) + 1, dtype=np.int64)
        uniq[inverse] = key
    ul, ur = uniq // n_vocab, uniq % n_vocab
    sim = np.full(len(uniq), 100, dtype=np.int32)
    differ = np.flatnonzero(ul != ur)
    if differ.size:
        objects = vocab.to_numpy()
        sim[differ] = _cpdist(objects[ul[differ]], objects[ur[differ]])
    out = {"sim": sim[inverse]}
    if containment:
        # A string inside another scores exactly 200·short/(short + long) (indel similarity), the most two
        # lengths allow: only such pairs (below 90) can be a containment, so only they are searched.
        length = vocab.str.len_chars().to_numpy().astype(np.int64)
        la, lb = length[ul], length[ur]
        most = 200 * np.minimum(la, lb) // np.maximum(la + lb, 1)
        low = np.flatnonzero((sim < 90) & (sim + 1 >= most) & (la != lb))
        for name, hit in _containment(vocab, ul, ur, low, len(uniq)).items():
            out[name] = hit[inverse]
    return out


def _column(n: int, owners: np.ndarray, values: np.ndarray, dtype: pl.DataType) -> pl.Series:
    """A length-n column: `values` at rows `owners`, null elsewhere."""
    full = np.zeros(n, dtype=values.dtype)
    full[owners] = values
    valid = np.zeros(n, dtype=bool)
    valid[owners] = True
    return pl.select(pl.when(pl.Series(valid)).then(pl.Series(full).cast(dtype))).to_series()


def _row_index(keys: pl.Series, table: pl.Series) -> np.ndarray:
    """Row of each key in `table` (-1 when absent); `table` has distinct keys."""
    if keys.dtype == pl.String and not keys.null_count() and not table.null_count():
        (kc, tc), _ = _codes(keys, table, vocab=False)  # one categorical cast instead of a string join
        rows = np.full(int(max(kc.max(initial=-1), tc.max(initial=-1))) + 1, -1, dtype=np.int64)
        rows[tc] = np.arange(len(tc))
        return rows[kc]
    if keys.dtype.is_integer() and len(table) and table.min() >= 0 and table.max() < 1 << 26:
        rows = np.full(int(table.max()) + 1, -1, dtype=np.int64)  # ids are small: a lookup array
        rows[table.to_numpy()] = np.arange(len(table))
        k = keys.fill_null(-1).to_numpy()
        inside = (k >= 0) & (k < len(rows))
        return np.where(inside, rows[np.where(inside, k, 0)], -1)
    right = pl.DataFrame({"k": table}).with_row_index("i")
    idx = pl.DataFrame({"k": keys}).join(right, on="k", how="left", maintain_order="left")["i"]
    return idx.fill_null(-1).to_numpy().astype(np.int64)


def _gather(col: pl.Series, rows: np.ndarray) -> pl.Series:
    """col[rows], null where rows is -1."""
    out = col.gather(pl.Series(np.where(rows >= 0, rows, 0), dtype=pl.Int64))
    if (rows < 0).any():
        out = pl.select(pl.when(pl.Series(rows >= 0)).then(out)).to_series()
    return out


def pair_features(pairs: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """Feature and level columns for every (item_id, book_id) in `pairs` (plus `edition_id` chosen per pair).

    Equal, column for column, to `pair_features_reference` (the same definitions over long frames).
    """
    base = pairs.select(
        c("item_id").cast(pl.String),
        c("book_id").cast(pl.Int64),
        (c("edition_id") if "edition_id" in pairs.columns else pl.lit(None))
        .cast(pl.Int64)
        .alias("hint_edition_id"),
    ).with_row_index("pair")
    n = base.height
    ii = _row_index(base["item_id"], items["item_id"].cast(pl.String))
    bi = _row_index(base["book_id"], books["book_id"].cast(pl.Int64))

    def credible(x: _Cross, src: np.ndarray, discredited: np.ndarray) -> _Cross:
        x.keep((src[x.left] & ~discredited[x.pair]) != 0)
        return x

    def best(x: _Cross, left: pl.Series, right: pl.Series, keys=None) -> pl.Series:
        (lc, rc), vocab = _codes(left, right)
        s = _similarity(lc[x.left], rc[x.right], vocab)["sim"]
        if keys is not None:
            (lk, rk), _ = _codes(*keys, vocab=False)
            s = np.where(lk[x.left] == rk[x.right], 100, s).astype(np.int32)
        owners, value = x.reduce(np.maximum, s)
        return _column(n, owners, value, pl.Int32)

    columns: dict[str, pl.Series] = {}

    def text() -> dict:
        """Titles, then what depends on which sources agree with the title (authors, positions)."""
        # --- title: best over variants; containment marks the sequel/omnibus trap ------------------------------
        it = _Lists.of(items, text="title_variants.text", sources="title_variants.sources")
        bt = _Lists.of(books, r="title_variants")
        (ic, bc), vocab = _codes(it["text"], bt["r"])
        x = _Cross(ii, bi, it, bt)
        sims = _similarity(ic[x.left], bc[x.right], vocab, containment=True)
        owners, title_sim = x.reduce(np.maximum, sims["sim"])
        agree_bits = np.where(sims["sim"] >= 90, it.np("sources", np.int32)[x.left], 0).astype(np.int32)
        _, agree = x.reduce(np.bitwise_or, agree_bits)
        _, item_in = x.reduce(np.logical_or, sims["item_in_candidate"])
        _, cand_in = x.reduce(np.logical_or, sims["candidate_in_item"])
        agree_mask = np.zeros(n, dtype=np.int32)
        agree_mask[owners] = agree
        columns.update(
            {
                "title_sim": _column(n, owners, title_sim, pl.Int32),
                "title_item_in_candidate": _column(n, owners, item_in, pl.Boolean).fill_null(False),
                "title_candidate_in_item": _column(n, owners, cand_in, pl.Boolean).fill_null(False),
                "sources_agree": _column(n, owners, np.bitwise_count(agree).astype(np.int32), pl.Int32),
                "agree_mask": _column(n, owners, agree, pl.Int32),
            }
        )
        # A source whose title names another book says nothing against this candidate (see the reference).
        title_mask = np.append(items["title_mask"].fill_null(0).to_numpy().astype(np.int32), 0)
        discredited = title_mask[ii] & ~agree_mask

        # --- authors and series positions: only from sources that do not name another title -------------------
        ia = _Lists.of(items, l="authors", k="author_keys", src="author_sources")
        ba = _Lists.of(books, r="authors", k="author_keys")
        x = credible(_Cross(ii, bi, ia, ba), ia.np("src", np.int32), discredited)
        columns["author_sim"] = best(x, ia["l"], ba["r"], keys=(ia["k"], ba["k"]))
        ipos = _Lists.of(items, p="positions", src="position_sources")
        bpos = _Lists.scalar(books, p="position")
        x = credible(_Cross(ii, bi, ipos, bpos), ipos.np("src", np.int32), discredited)
        position_equal = x.any(ipos.np("p")[x.left] == bpos.np("p")[x.right])
        # Pairs with at least one credible position (and a known book), else the comparison is null.
        x = credible(_Cross(ii, bi, ipos, _Lists.ones(books.height)), ipos.np("src", np.int32), discredited)
        has_position = x.any(np.ones(len(x.pair), dtype=bool))

        return {"position_equal": position_equal, "has_position": has_position}

    def rest() -> dict:
        """Everything that does not depend on the title: narrators, series, identifiers, editions, year."""
        # --- narrator and series names ---------------------------------------------------------------------------
        inn, bn = _Lists.of(items, l="narrators"), _Lists.of(books, r="narrators")
        columns["narrator_sim"] = best(_Cross(ii, bi, inn, bn), inn["l"], bn["r"])
        iser, bser = _Lists.of(items, l="series"), _Lists.scalar(books, r="series")
        columns["series_sim"] = best(_Cross(ii, bi, iser, bser), iser["l"], bser["r"])

        # --- identifiers: equal codes among the combinations ----------------------------------------------------
        def any_equal(left: _Lists, right: _Lists) -> np.ndarray:
            (lc, rc), _ = _codes(left["v"], right["v"], vocab=False)
            x = _Cross(ii, bi, left, right)
            return x.any(lc[x.left] == rc[x.right])

        iasin = _Lists.of(items, v="asins")
        asin_match = any_equal(iasin, _Lists.of(books, v="asins"))
        isbn_match = any_equal(_Lists.of(items, v="isbns"), _Lists.of(books, v="isbns"))
        # --- editions: the ASIN-matched audio edition, else the closest in duration, then the lowest id --------
        eds = _Lists.of(books, e="editions.edition_id", s="editions.audio_seconds", a="editions.asin")
        x = _Cross(np.zeros_like(ii), bi, _Lists.ones(1), eds)  # every pair, even one with an unknown item
        secs = eds["s"].cast(pl.Float64)
        dur = items["duration"].cast(pl.Float64)
        dur_ok = np.append(dur.is_not_null().to_numpy(), False)[ii][x.pair]
        sec_ok = secs.is_not_null().to_numpy()[x.right]
        dur_v = np.append(dur.fill_null(0.0).to_numpy(), 0.0)[ii][x.pair]
        sec_v = secs.fill_null(1.0).to_numpy()[x.right]
        with np.errstate(divide="ignore", invalid="ignore"):
            diff = np.abs(dur_v - sec_v) / sec_v
        diff_ok = dur_ok & sec_ok
        # The edition's ASIN is one of the item's ASINs (an item has one or two: compare with each).
        (item_asin, ed_asin), _ = _codes(iasin["v"], eds["a"].fill_null(""), vocab=False)
        ed_asin = np.where(eds["a"].is_not_null().to_numpy(), ed_asin, -1)[x.right]
        asin_hit = np.zeros(len(x.pair), dtype=bool)
        row_item = ii[x.pair]
        for j in range(int(iasin.lens.max(initial=0))):
            code = np.full(len(iasin.lens), -2, dtype=np.int64)  # -2: no j-th ASIN (the last row: no item)
            has = np.flatnonzero(iasin.lens > j)
            code[has] = item_asin[iasin.off[has] + j]
            asin_hit |= ed_asin == code[row_item]
        rank_key = np.where(asin_hit, -1.0, np.where(diff_ok, diff, 1e9))
        # Per pair the first row by (rank_key, NaN last as Polars sorts, edition_id).
        nan = np.isnan(rank_key)
        eid = eds["e"].cast(pl.Int64).to_numpy()[x.right]
        chosen = np.ones(len(x.pair), dtype=bool)
        for values, worst in (
            (np.where(nan, np.inf, rank_key), np.inf),
            (nan.astype(np.int8), 1),
            (eid, None),
        ):
            if worst is None:
                worst = np.iinfo(values.dtype).max
            v = np.where(chosen, values, worst)
            owners, low = x.reduce(np.minimum, v)
            at = np.zeros(n, dtype=v.dtype)
            at[owners] = low
            chosen &= v == at[x.pair]
        rows = np.flatnonzero(chosen)
        owners = x.pair[rows]
        columns["duration_diff"] = _column(n, owners[diff_ok[rows]], diff[rows][diff_ok[rows]], pl.Float64)
        audio_edition_id = _column(n, owners, eid[rows], pl.Int64)

        # --- year: the closest of the item's years ----------------------------------------------------------
        iy, by = _Lists.of(items, y="years"), _Lists.scalar(books, y="year")
        x = _Cross(ii, bi, iy, by)
        owners, year_diff = x.reduce(
            np.minimum, np.abs(iy.np("y", np.int64)[x.left] - by.np("y", np.int64)[x.right])
        )
        columns["year_diff"] = _column(n, owners, year_diff, pl.Int64)

        return {"asin_match": asin_match, "isbn_match": isbn_match, "audio_edition_id": audio_edition_id}

    # Two independent halves on the two cores (numpy, Polars and rapidfuzz release the GIL).
    with ThreadPoolExecutor(max_workers=2) as pool:
        later = pool.submit(rest)
        first = text()
        second = later.result()
    position_equal, has_position = first["position_equal"], first["has_position"]
    asin_match, isbn_match = second["asin_match"], second["isbn_match"]
    audio_edition_id = second["audio_edition_id"]
    order = [
        "title_sim",
        "title_item_in_candidate",
        "title_candidate_in_item",
        "sources_agree",
        "agree_mask",
        "author_sim",
        "narrator_sim",
        "series_sim",
        "duration_diff",
        "year_diff",
    ]
    columns = {name: columns[name] for name in order}

    # --- assemble, in the reference's column order ------------------------------------------------------------
    item_cols = _item_columns(items)
    for name in item_cols.columns:
        columns[name] = _gather(item_cols[name], ii)
    book_cols = _book_columns(books)
    for name in book_cols.columns:
        columns[name] = _gather(book_cols[name], bi)
    columns["item_has_position"] = pl.Series(has_position)
    out = base.with_columns(
        asin_match=pl.Series(asin_match),
        isbn_match=pl.Series(isbn_match),
        position_equal=pl.Series(position_equal),
        **columns,
    )
    out = out.with_columns(
        edition_id=pl.coalesce(audio_edition_id, "hint_edition_id", "any_edition_id"),
        item_has_series=c("item_has_series").fill_null(False),
        item_has_id=c("item_has_id").fill_null(False),
        book_has_id=c("book_has_id").fill_null(False),
    )
    out = out.with_columns([comp.level_expr() for comp in COMPARISONS])
    return out.drop("any_edition_id")
