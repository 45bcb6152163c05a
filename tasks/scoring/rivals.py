"""What an item's other candidates say about one of its pairs: computed per pair with the pair features
(features.py), read by the tiers (tiers.py) and by the calibration's segments (model.py).

- `outvoted`: ABS's metadata alone names this candidate while the item's own files name another book of
  its series that fits the audio no worse.
- `length_settles`: the sources that do not name this candidate each name another candidate, every such
  book is more than 25 % off the audio's length, and this one is within 10 %: the sources' other book cannot
  be this recording.
"""

from __future__ import annotations

import polars as pl

from tasks.scoring.prepare import SOURCE_BIT

c = pl.col

ABS_BIT = SOURCE_BIT["abs"]
# Audio-length levels from closest to farthest: a rival candidate's length must fit no worse than this one's.
_DURATION_ORDER = ("within_3pct", "within_10pct", "within_25pct", "far")


def length_settles(out: pl.DataFrame) -> pl.Series:
    """Per pair of `out` (pair features with levels): does the audio's length settle which of the books the
    sources name the item is, in this candidate's favour? Every source that does not name it names another
    candidate (`agree_mask`), none of those is within 25 % of the audio (a length unknown fits anything:
    books of one kind are as long as each other) and this one is within 10 %."""
    level = c("duration_level").cast(pl.String)
    pairs = out.select(
        "pair",
        "item_id",
        mask=c("agree_mask").fill_null(0),
        far=(level == "far").fill_null(False),
        fits=level.is_in(["within_3pct", "within_10pct"]).fill_null(False),
        against=(c("title_sources").fill_null(0) - c("sources_agree").fill_null(0)).clip(lower_bound=0),
    )
    # Only a pair that some source speaks against, and that fits the audio, can be settled by its length.
    asked = pairs.filter(c("fits") & (c("against") > 0)).drop("far", "fits")
    rivals = pairs.select("item_id", rival_mask="mask", rival_far="far")
    # A rival is a candidate named by a source that does not name this one.
    other = (c("rival_mask") & ~c("mask")) != 0
    found = (
        asked.join(rivals, on="item_id")
        .group_by("pair", "mask", "against")
        .agg(
            named=c("rival_mask").filter(other).bitwise_or().fill_null(0),
            near=(other & ~c("rival_far")).any(),
        )
        .filter(((c("named") & ~c("mask")).bitwise_count_ones() >= c("against")) & ~c("near"))
    )
    return out.select(length_settles=c("pair").is_in(found["pair"].implode()))["length_settles"]


def outvoted(out: pl.DataFrame, books: pl.DataFrame) -> pl.Series:
    """Per pair: is ABS's metadata the only source naming this candidate, while a file-level source
    (folder, file name, tags, transcript) names another book of the same series whose audio length fits
    no worse (or is unknown on either side) and is not far off?

    ABS's metadata is editable and often copied from a series neighbour: one such record carries the
    neighbour's title, author, series and position at once, and the weights count each. The item's own
    files are independent of it, so the book they name ranks first (tiers.py); a person settles it."""
    rank = pl.Enum(_DURATION_ORDER)
    pairs = out.select(
        "pair",
        "item_id",
        "book_id",
        mask=c("agree_mask").fill_null(0),
        fit=c("duration_level").cast(pl.String).replace({"null": None}).cast(rank).to_physical(),
    ).join(books.select(c("book_id").cast(pl.Int64), "series").drop_nulls(), on="book_id")
    lone = pairs.filter(c("mask") == ABS_BIT)
    rivals = pairs.filter((c("mask") & ~ABS_BIT) != 0).select(
        "item_id", "series", rival="book_id", rival_fit="fit"
    )
    far = _DURATION_ORDER.index("far")
    hits = (
        lone.join(rivals, on=["item_id", "series"])
        .filter(
            (c("rival") != c("book_id"))
            & (c("rival_fit").is_null() | (c("rival_fit") < far))
            & (c("fit").is_null() | c("rival_fit").is_null() | (c("rival_fit") <= c("fit")))
        )
        .select("pair")
        .unique()
    )
    return out.select(outvoted=c("pair").is_in(hits["pair"].implode()))["outvoted"]
