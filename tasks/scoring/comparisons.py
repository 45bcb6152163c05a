"""The comparisons, as data: each one an ordered list of levels (name, condition over the raw feature
columns that `features.pair_features` computes), Splink-style. The first condition that holds names the
pair's level; `null` means the evidence is missing on either side and carries weight 0 by construction.
Adding a feature = adding a comparison here + a raw column in features.py + retraining.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from polars.expr.whenthen import ChainedThen, Then

NULL = "null"
# From this similarity up two author names are the same person (the author comparison's `close` level).
AUTHOR_CLOSE = 88
# From this similarity up two titles are the same words with some garbled (the title comparison's `fair` level).
FAIR_TITLE = 75


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
        expr: Then | ChainedThen = pl.when(self.null_when).then(pl.lit(NULL, dtype=dtype))
        for level, cond in self.levels:
            expr = expr.when(cond).then(pl.lit(level, dtype=dtype))
        return expr.otherwise(pl.lit(NULL, dtype=dtype)).alias(f"{self.name}_level")


c = pl.col


def _similarity(name: str, description: str, *steps: tuple[str, float]) -> Comparison:
    """A comparison of one 0–100 similarity column, `<name>_sim`: exact at 100, then each (level, at least)
    step in turn, else far; no level without a similarity."""
    sim = c(f"{name}_sim")
    levels = (("exact", sim >= 100), *((level, sim >= at) for level, at in steps), ("far", pl.lit(True)))
    return Comparison(name, description, levels, sim.is_null())


def _difference(name: str, description: str, *steps: tuple[str, float]) -> Comparison:
    """A comparison of one non-negative difference column, `<name>_diff`: each (level, at most) step in
    turn, else far; no level without a difference."""
    diff = c(f"{name}_diff")
    levels = (*((level, diff <= at) for level, at in steps), ("far", pl.lit(True)))
    return Comparison(name, description, levels, diff.is_null())


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
            ("fair", c("title_sim") >= FAIR_TITLE),
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
    _similarity(
        "author",
        "best pairing over author lists (normalised names; surname + initial keys)",
        ("close", AUTHOR_CLOSE),
        ("fair", 70),
    ),
    _similarity(
        "narrator", "best pairing of item narrators with the book's audio-edition narrators", ("close", 85)
    ),
    Comparison(
        "series",
        "series name similarity (item series vs the book's series)",
        (
            ("exact", c("series_sim") >= 100),
            ("close", c("series_sim") >= 85),
            ("far", c("series_sim").is_not_null()),
            ("item_only", c("item_has_series") & ~c("book_has_series")),
            ("book_only", c("book_has_series")),
        ),
        ~c("item_has_series") & ~c("book_has_series"),
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
    _difference(
        "duration",
        "item duration vs the closest audio edition's audio_seconds (separates abridged/unabridged/dramatised)",
        ("within_3pct", 0.03),
        ("within_10pct", 0.10),
        ("within_25pct", 0.25),
    ),
    # The year difference is a whole number of years, never negative: at most 0 is the same year.
    _difference(
        "year",
        "publication year (ABS year is often the audio release, so only a weak signal)",
        ("exact", 0),
        ("near", 2),
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


def level_exprs() -> list[pl.Expr]:
    """Every comparison's level column (`<name>_level`), in comparison order."""
    return [comp.level_expr() for comp in COMPARISONS]
