"""From scored pairs to one match per item: best candidate, runner-up, margin, caps and tier.

Like beets' recommendation: the tier comes from the confidence and thresholds in settings, then
*caps* can only lower it — a series-position disagreement, an author disagreement or a runner-up
within `runner_up_margin` keep an otherwise-auto match in `pending` for a person to look at.
"""

from __future__ import annotations

import polars as pl

c = pl.col


def choose_matches(
    scored: pl.DataFrame,
    item_ids: pl.Series | list[str],
    auto_threshold: float = 0.95,
    pending_threshold: float = 0.70,
    runner_up_margin: float = 0.05,
) -> pl.DataFrame:
    """One row per item in `item_ids` (items with no candidate get tier 'reject', confidence 0)."""
    ranked = scored.sort(["item_id", "confidence", "book_id"], descending=[False, True, False]).with_columns(
        rank=pl.int_range(pl.len()).over("item_id").cast(pl.Int32) + 1
    )
    best = ranked.filter(c("rank") == 1)
    runner = ranked.filter(c("rank") == 2).select(
        "item_id", runner_up_book_id="book_id", runner_up_confidence="confidence"
    )
    ids = pl.DataFrame({"item_id": pl.Series(item_ids, dtype=pl.String)}).unique(maintain_order=True)
    out = ids.join(best, on="item_id", how="left").join(runner, on="item_id", how="left")
    out = out.with_columns(
        confidence=c("confidence").fill_null(0.0),
        margin=(c("confidence") - c("runner_up_confidence").fill_null(0.0)),
    )
    caps = pl.concat_list(
        [
            pl.when(c("position_level") == "different")
            .then(pl.lit("series_position"))
            .otherwise(pl.lit(None)),
            pl.when(c("author_level") == "far").then(pl.lit("author")).otherwise(pl.lit(None)),
            pl.when(c("runner_up_confidence").is_not_null() & (c("margin") < runner_up_margin))
            .then(pl.lit("runner_up"))
            .otherwise(pl.lit(None)),
            pl.when(c("book_id").is_null()).then(pl.lit("no_candidates")).otherwise(pl.lit(None)),
        ]
    ).list.drop_nulls()
    out = out.with_columns(caps=caps)
    capped = c("caps").list.len() > 0
    tier = (
        pl.when(c("book_id").is_null())
        .then(pl.lit("reject"))
        .when((c("confidence") >= auto_threshold) & ~capped)
        .then(pl.lit("auto"))
        .when(c("confidence") >= pending_threshold)
        .then(pl.lit("pending"))
        .when(c("confidence") >= auto_threshold)  # capped auto lands in pending
        .then(pl.lit("pending"))
        .otherwise(pl.lit("reject"))
    )
    return out.with_columns(tier=tier)
