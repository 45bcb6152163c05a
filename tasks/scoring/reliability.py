"""How far each evidence source can be trusted in one library, learned from the library's own pairs, and
what that says about the pairs whose sources name different books.

Libraries differ in which source lies: a scene library's folders carry the release's real name while its
tags come from a rip template re-used for another book; a retagged library's tags are right and its
folders are download names; an edited ABS library's metadata is copied from a series neighbour. Within one
library the items that something independent of the text settles — an identifier, the narrator, or an
audio length within 3 % of the candidate — show how often each source names the settled book and how
often it names another candidate instead (`source_reliability`), like Splink's per-dataset m
re-estimation or beets' per-source weighting.

A pair whose sources conflict (some name it, some name another of the item's candidates) is then
`trusted` when the sources that name it are, in this library, so much more often right than the ones
against it that the odds are at least `TRUSTED_ODDS` to one in its favour (independent source errors:
the sum of each source's log odds of being right, for minus against). Whether such a pair can be taken
without a person is not decided here: the calibration learns how often trusted conflicts are right on
the training libraries (model.py's `settled` segment), and the `sources_disagree` cap (tiers.py) lifts
only where that curve says so.
"""

from __future__ import annotations

import math

import polars as pl

from tasks.scoring.prepare import SOURCE_BIT

c = pl.col

# A source's rate of naming the settled book starts from this prior, worth this many settled items: a
# library with few settled items trusts each source about equally, so no conflict is trusted.
PRIOR_RATE = 0.9
PRIOR_ITEMS = 5.0
# The odds, from the sources' rates, that the sources for a pair are right and the ones against it wrong.
TRUSTED_ODDS = 20.0

_INDEPENDENT = (
    c("identifier_level").cast(pl.String).is_in(["asin", "isbn"])
    | (c("narrator_level").cast(pl.String) == "exact")
    | (c("duration_level").cast(pl.String) == "within_3pct")
).fill_null(False)
_TITLE_NAMES = c("title_level").cast(pl.String).is_in(["exact", "close"]).fill_null(False)
_AUTHOR_FAR = (c("author_level").cast(pl.String) == "far").fill_null(False)


def against_mask(out: pl.DataFrame) -> pl.Series:
    """Per pair: the sources (bits) that name another of the item's candidates and not this one."""
    named = out.group_by("item_id").agg(named=c("agree_mask").fill_null(0).bitwise_or())
    return (
        out.select("item_id", "agree_mask", "aside_mask")
        .join(named, on="item_id", how="left", maintain_order="left")
        .select(
            against=c("named").fill_null(0) & ~c("agree_mask").fill_null(0) & ~c("aside_mask").fill_null(0)
        )["against"]
    )


def source_reliability(out: pl.DataFrame) -> pl.DataFrame:
    """Per source: `settled` items it gives a title for, how many of them it names the settled book of
    (`named`) and how many another candidate (`other`), and `rate`, its smoothed rate of being right.

    `out` holds pair features with levels and `against`. An item is settled by its one candidate whose title
    a source names (exact or close), whose author is not far off and that an identifier, the narrator or a
    length within 3 % bears out; a source is judged on it only when another source names that candidate too,
    so the settling never rests on the source being judged."""
    anchors = out.filter(_TITLE_NAMES & _INDEPENDENT & ~_AUTHOR_FAR)
    anchors = anchors.filter(c("item_id").count().over("item_id") == 1)
    rows = []
    for source, bit in SOURCE_BIT.items():
        judged = anchors.filter(
            ((c("agree_mask") & ~bit) != 0) & (((c("agree_mask") | c("against")) & bit) != 0)
        )
        named = judged.filter((c("agree_mask") & bit) != 0).height
        rows.append({"source": source, "bit": bit, "settled": judged.height, "named": named})
    table = pl.DataFrame(
        rows, schema={"source": pl.String, "bit": pl.Int32, "settled": pl.Int64, "named": pl.Int64}
    )
    return table.with_columns(
        other=c("settled") - c("named"),
        rate=(c("named") + PRIOR_RATE * PRIOR_ITEMS) / (c("settled") + PRIOR_ITEMS),
    )


def library_rates(features: pl.DataFrame) -> pl.DataFrame:
    """`source_reliability` of a frame of pair features (pair_features' output): what a score run records."""
    return source_reliability(features.with_columns(against=against_mask(features))).drop("bit")


def trusted(out: pl.DataFrame, table: pl.DataFrame) -> pl.Series:
    """Per pair of `out` (with `against`): do the sources naming it outweigh, by the library's rates in
    `table` (`source`, `rate`), the sources naming another candidate (odds ≥ TRUSTED_ODDS)? False where no
    source names another."""
    odds = pl.lit(0.0)
    for source, rate in zip(table["source"], table["rate"], strict=True):
        bit = SOURCE_BIT.get(source, 0)
        weight = math.log(rate / (1 - rate))
        odds = (
            odds
            + pl.when((c("agree_mask").fill_null(0) & bit) != 0).then(weight).otherwise(0.0)
            - pl.when((c("against") & bit) != 0).then(weight).otherwise(0.0)
        )
    # The sources settle which book the item is, not whether this candidate is it: an author or a length far
    # from the candidate's still speaks against it.
    fits = ~_AUTHOR_FAR & ~(c("duration_level").cast(pl.String) == "far").fill_null(False)
    return out.select(trusted=(c("against") != 0) & (odds >= math.log(TRUSTED_ODDS)) & fits)["trusted"]
