"""From scored pairs to one match per item: best candidate, runner-up, margin, caps and tier.

Like beets' recommendation: the tier comes from the confidence and thresholds in settings, then
*caps* can only lower it — a series-position disagreement, an author disagreement, evidence sources
that disagree with nothing independent to settle it, or a runner-up within `runner_up_margin` keep an
otherwise-auto match in `pending` for a person to look at.
"""

from __future__ import annotations

import numpy as np
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
    # Rank on narrow columns only, then gather the chosen rows of the wide frame: sorting all feature
    # columns of 10^6 pairs would cost more than scoring them. After sorting, rank 1 starts a run of an
    # item's key and rank 2 follows it (no window functions: they are slow at this size). The key is a
    # 64-bit hash of item_id (sorting it beats sorting strings; a collision among 10^5 items has odds of
    # about 1e-9 and would only merge two candidate lists).
    order = (
        scored.select(
            _key=c("item_id").hash(seed=7),
            confidence=c("confidence"),
            book_id=c("book_id"),
            _title_match=c("title_level").cast(pl.String).is_in(["exact", "close"]),
            _mask=c("agree_mask").fill_null(0) if "agree_mask" in scored.columns else pl.lit(0),
        )
        .with_row_index("_row")
        .sort(["_key", "confidence", "book_id"], descending=[False, True, False])
    )
    # Sorted by key, so an item's first row is where the key changes (no hash set of 10^6 keys).
    first = c("_key").ne_missing(c("_key").shift(1))
    order = order.with_columns(_first=first, _second=~first & first.shift(1, fill_value=False))
    # How many of an item's candidates carry the title that the same evidence source gives for the
    # best one: more than one and that title alone is ambiguous.
    best_mask = order.filter(c("_first")).select("_key", _best_mask="_mask")
    same_title = (
        order.filter(c("_title_match"))
        .join(best_mask, on="_key")
        .group_by("_key")
        .agg(_same_title=((c("_mask") & c("_best_mask")) != 0).sum())
    )
    best_rows = order.filter(c("_first")).join(same_title, on="_key", how="left", maintain_order="left")
    best = scored[best_rows["_row"]].with_columns(_same_title=best_rows["_same_title"])
    runner = scored[order.filter(c("_second"))["_row"]].select(
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
            # The audio is more than 25 % longer or shorter than every audio edition of the book:
            # another edition (abridged, dramatised), an omnibus, or another book with the same words.
            pl.when(c("duration_level").cast(pl.String) == "far")
            .then(pl.lit("duration"))
            .otherwise(pl.lit(None)),
            # Most evidence sources name another title and nothing independent of the text (duration,
            # identifier, narrator) settles it: one wrong source (often ABS metadata copied from a series
            # neighbour) can carry title, author and series at once, which the weights count as three.
            pl.when(
                c("sources_level").cast(pl.String).is_in(["some", "none"])
                & ~(
                    (c("duration_level").cast(pl.String) == "within_3pct")
                    | c("identifier_level").cast(pl.String).is_in(["asin", "isbn"])
                    | (c("narrator_level").cast(pl.String) == "exact")
                )
            )
            .then(pl.lit("sources_disagree"))
            .otherwise(pl.lit(None)),
            # Several candidates share the item's title and no author is known: only something
            # independent of the text (identifier, narrator) may pick one without a person.
            pl.when(
                (c("_same_title").fill_null(0) > 1)
                & (c("author_level").cast(pl.String) == "null")
                & ~(
                    c("identifier_level").cast(pl.String).is_in(["asin", "isbn"])
                    | (c("narrator_level").cast(pl.String) == "exact")
                )
            )
            .then(pl.lit("title_ambiguous"))
            .otherwise(pl.lit(None)),
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
    return out.with_columns(tier=tier).drop("_same_title")


def pair_ranks(scored: pl.DataFrame) -> pl.Series:
    """Each pair's rank among its item's candidates by confidence (1 = best; ties in row order) — the same
    as `confidence.rank("ordinal", descending=True).over("item_id")`, by one sort instead of a window."""
    order = (
        scored.select(_g=c("item_id").rank("dense"), _c=c("confidence"))
        .with_row_index("_i")
        .sort(["_g", "_c"], descending=[False, True], maintain_order=True)
    )
    group = order["_g"].to_numpy()
    pos = np.arange(len(group), dtype=np.int64)
    first = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, dtype=bool)
    start = np.maximum.accumulate(np.where(first, pos, 0)) if len(group) else pos
    rank = np.empty(len(group), dtype=np.int32)
    rank[order["_i"].to_numpy()] = pos - start + 1
    return pl.Series("rank", rank, dtype=pl.Int32)
