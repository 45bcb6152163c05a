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

from tasks.scoring.features import COMPARISON_BY_NAME, NULL
from tasks.scoring.keys import arrow, run_starts, sorted_rows, strictly_ascending

c = pl.col


def _item_runs(scored: pl.DataFrame) -> tuple[np.ndarray | None, np.ndarray]:
    """(row order that makes each item's candidates contiguous — None when they already are —, start of
    each item's run in it)."""
    ids = scored["item_id"]
    starts = run_starts(ids)
    run_ids = ids.gather(starts)
    if strictly_ascending(run_ids) or run_ids.n_unique() == len(starts):
        return None, starts  # already contiguous (candidates come per item, in id order): no sort
    # Items numbered by a categorical cast (hashing), then a stable sort of the numbers: rows of one
    # item stay in their order.
    codes = ids.cast(pl.Categorical).to_physical().to_numpy().astype(np.int64)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    return order, np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])


def _level_codes(frame: pl.DataFrame, name: str) -> np.ndarray | None:
    """The `name` comparison's level codes (its Enum's physical codes; one past the last level where
    null) — None when the column does not carry the comparison's own Enum."""
    col = frame[f"{name}_level"]
    comp = COMPARISON_BY_NAME[name]
    if col.dtype != comp.dtype:
        return None
    return col.to_physical().fill_null(len(comp.level_names)).to_numpy()


def _level_in(
    frame: pl.DataFrame, name: str, levels: tuple[str, ...], codes: np.ndarray | None = None
) -> np.ndarray:
    """Is the `name` comparison's level one of `levels`? (False where null.) On the level codes
    (`_level_codes`, given or found) when the column carries the comparison's own Enum, else on the
    strings."""
    names = COMPARISON_BY_NAME[name].level_names
    if codes is None:
        codes = _level_codes(frame, name)
    if codes is None:
        return frame[f"{name}_level"].cast(pl.String).is_in(list(levels)).fill_null(False).to_numpy()
    hit = np.zeros(len(names) + 1, dtype=np.bool_)  # by code; the last one stands for null
    hit[[names.index(level) for level in levels]] = True
    return hit[codes]


def _choice(scored: pl.DataFrame, item_starts: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The per-item pass of kernel.item_choice over the item runs: best and runner-up rows (as rows of
    `scored`, -1 when none), same-title counts, whether any title matched, and every row's rank.
    `item_starts`: where each item's rows begin, when known to be one run per item."""
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
    order, starts = (None, item_starts) if item_starts is not None else _item_runs(scored)
    n, g = scored.height, len(starts)

    def column(values: np.ndarray, dtype) -> np.ndarray:
        return np.ascontiguousarray(values if order is None else values[order], dtype=dtype)

    mask = scored["agree_mask"].fill_null(0).to_numpy() if "agree_mask" in scored.columns else np.zeros(n)
    out = {
        "best": np.full(g, -1, dtype=np.int64),
        "runner": np.full(g, -1, dtype=np.int64),
        "same_title": np.zeros(g, dtype=np.int64),
        "has_match": np.zeros(g, dtype=np.bool_),
        "rank": np.zeros(n, dtype=np.int32),
    }
    item_choice(
        starts.astype(np.int64),
        column(scored["confidence"].to_numpy(), np.float64),
        column(scored["book_id"].cast(pl.Int64).fill_null(np.iinfo(np.int64).max).to_numpy(), np.int64),
        column(_level_in(scored, "title", ("exact", "close")), np.bool_),
        column(mask, np.int64),
        *out.values(),
        np.empty(n, dtype=np.int64),
    )
    if order is not None:
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

    ids = pl.Series("item_id", item_ids, dtype=pl.String)
    best, runner = choice["best"], choice["runner"]
    run_ids = scored["item_id"].gather(best)
    if len(run_ids) == len(ids) and run_ids.equals(ids):  # every item has candidates, in this order
        run = np.arange(len(ids))
    elif (run := sorted_rows(ids, run_ids)) is None:  # both in id order (so distinct): one merge pass
        ids = ids.unique(maintain_order=True)
        run = _row_index(ids, run_ids) if len(best) else np.full(len(ids), -1)
    has = run >= 0
    at = np.where(has, run, 0)
    if len(best):
        out = scored.drop("item_id")[best[at]]
        if not has.all():  # items without candidates: a row of nulls
            out = out.select(pl.when(pl.Series(has)).then(pl.all()))
    else:
        out = scored.drop("item_id").clear(len(ids))
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
    item_starts: np.ndarray | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`scored` with each pair's `rank`, and `choose_matches` of it — from one per-item pass.
    `item_starts` (from `pair_features_and_runs`, for the same rows in the same order) saves finding the
    item runs again."""
    choice = _choice(scored, item_starts)
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

    # Each cap is a condition (null counts as false) over the best row's levels; a row's caps are the names
    # of its true ones, in this order — built as one list column from flat names + offsets.
    codes: dict[str, np.ndarray | None] = {}

    def level(name: str, *levels: str) -> np.ndarray:
        if name not in codes:
            codes[name] = _level_codes(out, name)
        return _level_in(out, name, levels, codes[name])

    settled = level("identifier", "asin", "isbn") | level("narrator", "exact")  # independent of the text
    caps = {
        "series_position": level("position", "different"),
        "author": level("author", "far"),
        # The audio is more than 25 % longer or shorter than every audio edition of the book:
        # another edition (abridged, dramatised), an omnibus, or another book with the same words.
        "duration": level("duration", "far"),
        # Most evidence sources name another title and nothing independent of the text (duration,
        # identifier, narrator) settles it: one wrong source (often ABS metadata copied from a series
        # neighbour) can carry title, author and series at once, which the weights count as three.
        "sources_disagree": level("sources", "some", "none") & ~(level("duration", "within_3pct") | settled),
        # Several candidates share the item's title and no author is known: only something
        # independent of the text (identifier, narrator) may pick one without a person.
        "title_ambiguous": (out["_same_title"].fill_null(0).to_numpy() > 1)
        & level("author", NULL)
        & ~settled,
        "runner_up": (
            out["runner_up_confidence"].is_not_null() & (out["margin"] < runner_up_margin)
        ).to_numpy(),
        "no_candidates": out["book_id"].is_null().to_numpy(),
    }
    hits = np.column_stack(list(caps.values()))
    rows, which = np.nonzero(hits)
    offsets = np.zeros(out.height + 1, dtype=np.int64)
    np.cumsum(hits.sum(axis=1), out=offsets[1:])
    names = arrow(pl.Series(list(caps), dtype=pl.String).gather(which))
    cap_lists = pl.Series(pl.from_arrow(pa.LargeListArray.from_arrays(pa.array(offsets), names)))
    capped = pl.Series(offsets[1:] > offsets[:-1])
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
    return out.with_columns(caps=cap_lists.cast(pl.List(pl.String)), tier=tier).drop("_same_title")


def pair_ranks(scored: pl.DataFrame) -> pl.Series:
    """Each pair's rank among its item's candidates by confidence (1 = best; ties in row order) — the same
    as `confidence.rank("ordinal", descending=True).over("item_id")`, from one pass per item."""
    return pl.Series("rank", _choice(scored)["rank"], dtype=pl.Int32)
