"""From scored pairs to one match per item: best candidate, runner-up, margin, caps and tier.

Like beets' recommendation: the tier comes from the confidence and thresholds in settings, then
*caps* can only lower it — a series-position disagreement, an author disagreement, evidence sources
that disagree with nothing independent to settle it, or a runner-up within `runner_up_margin` keep an
otherwise-auto match in `pending` for a person to look at.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

c = pl.col


def _item_runs(scored: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row order that makes each item's candidates contiguous, start of each item's run in it)."""
    ids = scored["item_id"]
    n = len(ids)
    change = ids.ne_missing(ids.shift(1)).fill_null(True).to_numpy() if n else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(change)
    if ids.gather(starts).n_unique() == len(starts):  # already contiguous (candidates come per item): no sort
        return np.arange(n, dtype=np.int64), starts
    # Items numbered by a categorical cast (hashing), then a stable sort of the numbers: rows of one
    # item stay in their order.
    codes = ids.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    return order, np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])


def _choice(scored: pl.DataFrame) -> dict[str, np.ndarray]:
    """The per-item pass of kernel.item_choice over the item runs: best and runner-up rows (as rows of
    `scored`, -1 when none), same-title counts, whether any title matched, and every row's rank."""
    from tasks.scoring.kernel import item_choice

    if scored.height == 0:
        empty = np.zeros(0, dtype=np.int64)
        return {
            "best": empty,
            "runner": empty,
            "same_title": empty,
            "has_match": empty.astype(bool),
            "rank": empty.astype(np.int32),
        }
    order, starts = _item_runs(scored)
    n, g = len(order), len(starts)
    conf = np.ascontiguousarray(scored["confidence"].to_numpy()[order], dtype=np.float64)
    book = scored["book_id"].cast(pl.Int64).fill_null(np.iinfo(np.int64).max).to_numpy()[order]
    # Title level exact or close (Enum order: exact, close, ...).
    level = scored["title_level"]
    if isinstance(level.dtype, pl.Enum) and list(level.dtype.categories[:2]) == ["exact", "close"]:
        title_match = level.to_physical().to_numpy() <= 1
    else:
        title_match = level.cast(pl.String).is_in(["exact", "close"]).to_numpy()
    mask = (
        scored["agree_mask"].fill_null(0).to_numpy()
        if "agree_mask" in scored.columns
        else np.zeros(n, dtype=np.int64)
    ).astype(np.int64)
    out = {
        "best": np.full(g, -1, dtype=np.int64),
        "runner": np.full(g, -1, dtype=np.int64),
        "same_title": np.zeros(g, dtype=np.int64),
        "has_match": np.zeros(g, dtype=np.bool_),
        "rank": np.zeros(n, dtype=np.int32),
    }
    item_choice(
        starts.astype(np.int64),
        conf,
        book.astype(np.int64),
        np.ascontiguousarray(title_match[order], dtype=np.bool_),
        np.ascontiguousarray(mask[order]),
        *out.values(),
        np.empty(n, dtype=np.int64),
    )
    for name in ("best", "runner"):
        pos = out[name]
        out[name] = np.where(pos >= 0, order[np.maximum(pos, 0)], -1)
    rank = np.empty(n, dtype=np.int32)
    rank[order] = out["rank"]
    out["rank"] = rank
    return out


def _best_rows(
    scored: pl.DataFrame, item_ids: pl.Series | list[str], choice: dict[str, np.ndarray]
) -> pl.DataFrame:
    """One row per distinct id of `item_ids`, in their order: the item's best candidate row of `scored`
    (nulls when it has none) with `_same_title`, `runner_up_book_id` and `runner_up_confidence`."""
    from tasks.scoring.features import _nullable, _row_index

    ids = pl.Series("item_id", item_ids, dtype=pl.String).unique(maintain_order=True)
    best, runner = choice["best"], choice["runner"]
    run_ids = scored["item_id"].gather(best)
    if len(run_ids) == len(ids) and run_ids.equals(ids):  # every item has candidates, in this order
        run = np.arange(len(ids))
        out = scored.drop("item_id")[best]
    else:
        run = _row_index(ids, run_ids) if len(best) else np.full(len(ids), -1)
        found = run >= 0
        if len(best):
            out = scored.drop("item_id")[best[np.where(found, run, 0)]]
            if not found.all():  # items without candidates: a row of nulls
                out = out.select(pl.when(pl.Series(found)).then(pl.all()))
        else:
            out = scored.drop("item_id").clear(len(ids))
    has = run >= 0
    at = np.where(has, run, 0)
    r = np.where(has, runner[at] if len(runner) else -1, -1)  # the runner-up row of each id's item
    r_ok = r >= 0
    conf = scored["confidence"].to_numpy()
    book = scored["book_id"].cast(pl.Int64).fill_null(0).to_numpy()
    rr = np.where(r_ok, r, 0)
    counted = has & (choice["has_match"][at] if len(best) else False)
    same = np.where(has, choice["same_title"][at] if len(best) else 0, 0).astype(np.uint32)
    return pl.DataFrame(
        {
            "item_id": ids,
            **out.to_dict(),
            "_same_title": _nullable(same, counted, pl.UInt32),
            "runner_up_book_id": _nullable(book[rr] if len(book) else rr, r_ok, pl.Int64),
            "runner_up_confidence": _nullable(conf[rr] if len(conf) else rr.astype(float), r_ok, pl.Float64),
        }
    )


def choose_matches(
    scored: pl.DataFrame,
    item_ids: pl.Series | list[str],
    auto_threshold: float = 0.95,
    pending_threshold: float = 0.70,
    runner_up_margin: float = 0.05,
) -> pl.DataFrame:
    """One row per item in `item_ids` (items with no candidate get tier 'reject', confidence 0)."""
    return _choose(scored, item_ids, _choice(scored), auto_threshold, pending_threshold, runner_up_margin)


def rank_and_choose(
    scored: pl.DataFrame,
    item_ids: pl.Series | list[str],
    auto_threshold: float = 0.95,
    pending_threshold: float = 0.70,
    runner_up_margin: float = 0.05,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`scored` with each pair's `rank`, and `choose_matches` of it — from one per-item pass."""
    choice = _choice(scored)
    ranked = scored.with_columns(rank=pl.Series("rank", choice["rank"], dtype=pl.Int32))
    return ranked, _choose(ranked, item_ids, choice, auto_threshold, pending_threshold, runner_up_margin)


def _choose(
    scored: pl.DataFrame,
    item_ids: pl.Series | list[str],
    choice: dict[str, np.ndarray],
    auto_threshold: float,
    pending_threshold: float,
    runner_up_margin: float,
) -> pl.DataFrame:
    out = _best_rows(scored, item_ids, choice)
    out = out.with_columns(
        confidence=c("confidence").fill_null(0.0),
        margin=(c("confidence") - c("runner_up_confidence").fill_null(0.0)),
    )
    # Each cap is a condition (null counts as false); a row's caps are the names of its true ones, in
    # this order — built as one list column from flat names + offsets (a list expression per cap costs
    # more than the rest of choosing matches).
    caps = {
        "series_position": c("position_level") == "different",
        "author": c("author_level") == "far",
        # The audio is more than 25 % longer or shorter than every audio edition of the book:
        # another edition (abridged, dramatised), an omnibus, or another book with the same words.
        "duration": c("duration_level").cast(pl.String) == "far",
        # Most evidence sources name another title and nothing independent of the text (duration,
        # identifier, narrator) settles it: one wrong source (often ABS metadata copied from a series
        # neighbour) can carry title, author and series at once, which the weights count as three.
        "sources_disagree": c("sources_level").cast(pl.String).is_in(["some", "none"])
        & ~(
            (c("duration_level").cast(pl.String) == "within_3pct")
            | c("identifier_level").cast(pl.String).is_in(["asin", "isbn"])
            | (c("narrator_level").cast(pl.String) == "exact")
        ),
        # Several candidates share the item's title and no author is known: only something
        # independent of the text (identifier, narrator) may pick one without a person.
        "title_ambiguous": (c("_same_title").fill_null(0) > 1)
        & (c("author_level").cast(pl.String) == "null")
        & ~(
            c("identifier_level").cast(pl.String).is_in(["asin", "isbn"])
            | (c("narrator_level").cast(pl.String) == "exact")
        ),
        "runner_up": c("runner_up_confidence").is_not_null() & (c("margin") < runner_up_margin),
        "no_candidates": c("book_id").is_null(),
    }
    hits = out.select([cond.fill_null(False).alias(name) for name, cond in caps.items()]).to_numpy()
    rows, which = np.nonzero(hits)
    offsets = np.zeros(out.height + 1, dtype=np.int64)
    np.cumsum(hits.sum(axis=1), out=offsets[1:])
    names = pa.array(np.array(list(caps), dtype=object)[which].tolist(), type=pa.large_string())
    cap_lists = pl.Series(pl.from_arrow(pa.LargeListArray.from_arrays(pa.array(offsets), names)))
    out = out.with_columns(caps=cap_lists.cast(pl.List(pl.String)))
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
    as `confidence.rank("ordinal", descending=True).over("item_id")`, from one pass per item."""
    return pl.Series("rank", _choice(scored)["rank"], dtype=pl.Int32)
