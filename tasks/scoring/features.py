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

    def level_expr(self) -> pl.Expr:
        expr = pl.when(self.null_when).then(pl.lit(NULL))
        for level, cond in self.levels:
            expr = expr.when(cond).then(pl.lit(level))
        return expr.otherwise(pl.lit(NULL)).alias(f"{self.name}_level")


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
            ("different", pl.lit(True)),
        ),
        ~c("item_has_position") | c("book_position").is_null(),
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


def _cpdist(left: pl.Series, right: pl.Series) -> np.ndarray:
    """Row-wise similarity 0..100 (uint8) of two equally long string columns; nulls compare as 0."""
    if left.len() == 0:
        return np.zeros(0, dtype=np.uint8)
    return process.cpdist(
        left.fill_null("").to_list(),
        right.fill_null("").to_list(),
        scorer=fuzz.ratio,
        workers=-1,
        dtype=np.uint8,
    )


def _best_over_lists(
    pairs: pl.DataFrame, left: pl.DataFrame, right: pl.DataFrame, lkey: str = "item_id", rkey: str = "book_id"
) -> pl.DataFrame:
    """For each pair: the best ratio between any left value (`l`, optional `lk`) and any right value (`r`, `rk`).

    `lk`/`rk` are optional exact keys (e.g. surname + initial): equal keys count as 100.
    Returns (pair, sim); pairs with no value on either side are absent.
    """
    long = pairs.select("pair", lkey, rkey).join(left, on=lkey).join(right, on=rkey)
    sim = pl.Series("sim", _cpdist(long["l"], long["r"]), dtype=pl.Int32)
    long = long.with_columns(sim=sim)
    if "lk" in long.columns and "rk" in long.columns:
        long = long.with_columns(sim=pl.when(c("lk") == c("rk")).then(100).otherwise(c("sim")))
    return long.group_by("pair").agg(sim=c("sim").max())


def _explode(frame: pl.DataFrame, key: str, cols: dict[str, str]) -> pl.DataFrame:
    """(key, list columns) -> long (key, l/r...) without nulls."""
    out = (
        frame.select(key, *[c(src).alias(dst) for dst, src in cols.items()]).explode(list(cols)).drop_nulls()
    )
    return out


def pair_features(pairs: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """Feature and level columns for every (item_id, book_id) in `pairs` (plus `edition_id` chosen per pair)."""
    base = pairs.select(
        c("item_id").cast(pl.String),
        c("book_id").cast(pl.Int64),
        (c("edition_id") if "edition_id" in pairs.columns else pl.lit(None))
        .cast(pl.Int64)
        .alias("hint_edition_id"),
    ).with_row_index("pair")
    n = base.height

    # --- title -------------------------------------------------------------------------------------------
    it = (
        items.select("item_id", "title_variants")
        .explode("title_variants")
        .drop_nulls()
        .unnest("title_variants")
    )
    bt = books.select("book_id", r=c("title_variants")).explode("r").drop_nulls()
    tl = base.select("pair", "item_id", "book_id").join(it, on="item_id").join(bt, on="book_id")
    tl = tl.with_columns(sim=pl.Series(_cpdist(tl["text"], tl["r"]), dtype=pl.Int32))
    padded_item = pl.lit(" ") + c("text") + pl.lit(" ")
    padded_cand = pl.lit(" ") + c("r") + pl.lit(" ")
    tl = tl.with_columns(
        item_in_candidate=(c("sim") < 90) & padded_cand.str.contains(padded_item, literal=True),
        candidate_in_item=(c("sim") < 90) & padded_item.str.contains(padded_cand, literal=True),
    )
    title = tl.group_by("pair").agg(
        title_sim=c("sim").max(),
        title_item_in_candidate=c("item_in_candidate").any(),
        title_candidate_in_item=c("candidate_in_item").any(),
        sources_agree=c("sources").filter(c("sim") >= 90).bitwise_or().fill_null(0).bitwise_count_ones(),
    )

    # --- people ------------------------------------------------------------------------------------------
    ia = _explode(items, "item_id", {"l": "authors", "lk": "author_keys"})
    ba = _explode(books, "book_id", {"r": "authors", "rk": "author_keys"})
    author = _best_over_lists(base, ia, ba).rename({"sim": "author_sim"})
    inn = _explode(items, "item_id", {"l": "narrators"})
    bn = _explode(books, "book_id", {"r": "narrators"})
    narrator = _best_over_lists(base, inn, bn).rename({"sim": "narrator_sim"})
    iser = _explode(items, "item_id", {"l": "series"})
    bser = books.select("book_id", r="series").drop_nulls()
    series = _best_over_lists(base, iser, bser).rename({"sim": "series_sim"})

    # --- editions: duration, ASIN, which edition the match points at --------------------------------------
    eds = books.select("book_id", "editions").explode("editions").drop_nulls().unnest("editions")
    el = (
        base.select("pair", "item_id", "book_id")
        .join(eds, on="book_id")
        .join(items.select("item_id", "duration", "asins"), on="item_id", how="left")
    )
    el = el.with_columns(
        diff=(c("duration") - c("audio_seconds")).abs() / c("audio_seconds"),
        asin_hit=c("asins").list.contains(c("asin")).fill_null(False),
    )
    edition = (
        el.sort(
            ["pair", "asin_hit", "diff", "edition_id"],
            descending=[False, True, False, False],
            nulls_last=True,
        )
        .group_by("pair", maintain_order=True)
        .agg(duration_diff=c("diff").first(), audio_edition_id=c("edition_id").first())
    )

    # --- assemble ----------------------------------------------------------------------------------------
    out = (
        base.join(title, on="pair", how="left")
        .join(author, on="pair", how="left")
        .join(narrator, on="pair", how="left")
        .join(series, on="pair", how="left")
        .join(edition, on="pair", how="left")
        .join(
            items.select("item_id", "title_sources", "series", "positions", "years", "asins", "isbns"),
            on="item_id",
            how="left",
        )
        .join(
            books.select(
                "book_id",
                "year",
                "any_edition_id",
                book_series=c("series"),
                book_position=c("position"),
                book_asins=c("asins"),
                book_isbns=c("isbns"),
            ),
            on="book_id",
            how="left",
        )
        .sort("pair")
    )
    assert out.height == n, "pair features must keep one row per pair"
    out = out.with_columns(
        item_has_series=c("series").list.len().fill_null(0) > 0,
        item_has_position=c("positions").list.len().fill_null(0) > 0,
        position_equal=c("positions").list.contains(c("book_position")).fill_null(False),
        asin_match=c("asins").list.set_intersection(c("book_asins")).list.len().fill_null(0) > 0,
        isbn_match=c("isbns").list.set_intersection(c("book_isbns")).list.len().fill_null(0) > 0,
        item_has_id=(c("asins").list.len().fill_null(0) + c("isbns").list.len().fill_null(0)) > 0,
        book_has_id=(c("book_asins").list.len().fill_null(0) + c("book_isbns").list.len().fill_null(0)) > 0,
        edition_id=pl.coalesce("audio_edition_id", "hint_edition_id", "any_edition_id"),
    )
    # Any of the item's years (ABS, tags, folder) may be the original one: take the closest.
    out = out.with_columns(
        year_diff=(c("years").cast(pl.List(pl.Int64)) - c("year").cast(pl.Int64))
        .list.eval(pl.element().abs())
        .list.min()
    )
    out = out.with_columns([comp.level_expr() for comp in COMPARISONS])
    return out.drop(
        "series", "positions", "years", "asins", "isbns", "book_asins", "book_isbns", "any_edition_id"
    )
