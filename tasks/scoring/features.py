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
        padded = vocab.frame.select(s=pl.lit(" ") + c("s") + pl.lit(" "))["s"]
        pair = pl.DataFrame({"ls": padded.gather(ul[low]), "rs": padded.gather(ur[low])})
        flags = pair.select(
            item_in_candidate=c("rs").str.contains(c("ls"), literal=True),
            candidate_in_item=c("ls").str.contains(c("rs"), literal=True),
        )
        for name in ("item_in_candidate", "candidate_in_item"):
            hit = np.zeros(len(uniq), dtype=bool)
            hit[low] = flags[name].to_numpy()
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


def pair_features(pairs: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """Feature and level columns for every (item_id, book_id) in `pairs` (plus `edition_id` chosen per pair)."""
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
    item_cols = items.select(
        "title_sources",
        item_has_series=c("series").list.len().fill_null(0) > 0,
        item_has_id=(c("asins").list.len().fill_null(0) + c("isbns").list.len().fill_null(0)) > 0,
    )
    for name in item_cols.columns:
        columns[name] = item_cols[name].gather(item_idx)
    book_idx = base.select("book_id").join(
        books.select("book_id").with_row_index("book_idx"), on="book_id", how="left", maintain_order="left"
    )["book_idx"]
    book_cols = books.select(
        "any_edition_id",
        book_series=c("series"),
        book_position=c("position"),
        book_has_id=(c("asins").list.len().fill_null(0) + c("isbns").list.len().fill_null(0)) > 0,
    )
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
