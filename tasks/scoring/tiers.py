"""From scored pairs to one match per item: best candidate, runner-up, margin, caps and tier.

Like beets' recommendation: the tier comes from the confidence and thresholds in settings, then
*caps* can only lower it — a series-position disagreement, an author disagreement, evidence sources
that disagree with nothing independent to settle it, or a runner-up within `runner_up_margin` keep an
otherwise-auto match in `pending` for a person to look at.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from tasks.scoring.comparisons import COMPARISON_BY_NAME, NULL, level_codes
from tasks.scoring.features import PARALLEL_FROM, _nullable
from tasks.scoring.keys import run_starts, sorted_rows, strictly_ascending

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


def _level_in(
    frame: pl.DataFrame, name: str, levels: tuple[str, ...], codes: np.ndarray | None = None
) -> np.ndarray:
    """Is the `name` comparison's level one of `levels`? (False where null.) On the level codes
    (`level_codes`, given or found) when the column carries the comparison's own Enum, else on the
    strings."""
    names = COMPARISON_BY_NAME[name].level_names
    if codes is None:
        codes = level_codes(frame, name)
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
            "confidence": empty.astype(np.float64),
            "book_id": empty,
        }
    order, starts = (None, item_starts) if item_starts is not None else _item_runs(scored)
    n, g = scored.height, len(starts)

    def column(values: np.ndarray, dtype) -> np.ndarray:
        return np.ascontiguousarray(values if order is None else values[order], dtype=dtype)

    if "agree_mask" in scored.columns:
        mask = scored["agree_mask"].cast(pl.Int32).fill_null(0).to_numpy()
    else:
        mask = np.zeros(n, dtype=np.int32)
    conf = np.ascontiguousarray(scored["confidence"].to_numpy(), dtype=np.float64)
    book = scored["book_id"].cast(pl.Int64)
    out = {
        "best": np.full(g, -1, dtype=np.int64),
        "runner": np.full(g, -1, dtype=np.int64),
        "same_title": np.zeros(g, dtype=np.int64),
        "has_match": np.zeros(g, dtype=np.bool_),
        "rank": np.zeros(n, dtype=np.int32),
    }
    starts = starts.astype(np.int64)
    args = (
        column(conf, np.float64),
        column(
            book.fill_null(np.iinfo(np.int64).max).to_numpy() if book.null_count() else book.to_numpy(),
            np.int64,
        ),
        column(_level_in(scored, "title", ("exact", "close")), np.bool_),
        column(mask, np.int32),
    )
    longest = int(max(np.diff(starts).max(initial=0), n - starts[-1])) if g else 0

    def runs(lo: int, hi: int) -> None:  # item runs lo..hi-1
        end = starts[hi] if hi < g else n
        per_run = (out[name][lo:hi] for name in ("best", "runner", "same_title", "has_match"))
        item_choice(starts[lo:hi], end, *args, *per_run, out["rank"], np.empty(longest, dtype=np.int64))

    if n < PARALLEL_FROM:
        runs(0, g)
    else:  # two halves of the items on two threads
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(runs, (0, g // 2), (g // 2, g)))
    out["confidence"] = conf  # by row of `scored`
    out["book_id"] = book.fill_null(0).to_numpy() if book.null_count() else book.to_numpy()
    if order is not None:
        for name in ("best", "runner"):
            pos = out[name]
            out[name] = np.where(pos >= 0, order[np.maximum(pos, 0)], -1)
        rank = np.empty(n, dtype=np.int32)
        rank[order] = out["rank"]
        out["rank"] = rank
    return out


def _best_rows(
    scored: pl.DataFrame,
    item_ids: pl.Series | list[str],
    choice: dict[str, np.ndarray],
    run_rows: np.ndarray | None = None,
) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    """One row per distinct id of `item_ids`, in their order: the item's best candidate row of `scored`
    (nulls when it has none) with `runner_up_book_id` and `runner_up_confidence`. And by row: `run`, the
    item's run in `choice` (-1: no candidates), `best`, the row of `scored` it came from (-1: none),
    `runner_up`, whether it has a runner-up, and `runner_conf`, the runner-up's confidence (0 where none).
    `run_rows`, when given, is the position in `item_ids` of each run's item (`item_ids` distinct), which
    saves finding the runs' ids."""
    from tasks.scoring.features import _row_index

    ids = pl.Series("item_id", item_ids, dtype=pl.String)
    best, runner = choice["best"], choice["runner"]
    if run_rows is not None:
        run = np.full(len(ids), -1, dtype=np.int64)
        known = run_rows >= 0
        run[run_rows[known]] = np.flatnonzero(known)
    else:
        run_ids = scored["item_id"].gather(best)
        if len(run_ids) == len(ids) and run_ids.equals(ids):  # every item has candidates, in this order
            run = np.arange(len(ids))
        elif (run := sorted_rows(ids, run_ids)) is None:  # both in id order (so distinct): one merge pass
            ids = ids.unique(maintain_order=True)
            run = _row_index(ids, run_ids) if len(best) else np.full(len(ids), -1)
    has = run >= 0
    at = np.where(has, run, 0)
    rows = np.where(has, best[at], -1) if len(best) else np.full(len(ids), -1, dtype=np.int64)
    if len(best):
        out = scored.drop("item_id")[np.maximum(rows, 0)]
        if not has.all():  # items without candidates: a row of nulls
            out = out.select(pl.when(pl.Series(has)).then(pl.all()))
    else:
        out = scored.drop("item_id").clear(len(ids))
    r = np.where(has, runner[at] if len(runner) else -1, -1)  # the runner-up row of each id's item
    r_ok = r >= 0
    rr = np.where(r_ok, r, 0)
    conf, book = choice["confidence"], choice["book_id"]
    runner_conf = np.where(r_ok, conf[rr], 0.0) if len(conf) else np.zeros(len(rr))
    frame = pl.DataFrame(
        {
            "item_id": ids,
            **out.to_dict(),
            "runner_up_book_id": _nullable(book[rr] if len(book) else rr, r_ok, pl.Int64),
            "runner_up_confidence": _nullable(runner_conf, r_ok, pl.Float64),
        }
    )
    return frame, {"run": np.where(has, run, -1), "best": rows, "runner_up": r_ok, "runner_conf": runner_conf}


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
    run_rows: np.ndarray | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`scored` with each pair's `rank`, and `choose_matches` of it — from one per-item pass.
    `item_starts` (from `pair_features_and_runs`, for the same rows in the same order) saves finding the
    item runs again; `run_rows` (the position of each run's item in `item_ids`, which are then distinct)
    saves finding which item each run is."""
    choice = _choice(scored, item_starts)
    ranked = scored.with_columns(rank=pl.Series("rank", choice["rank"], dtype=pl.Int32))
    chosen = _choose(ranked, item_ids, choice, auto_threshold, pending_threshold, runner_up_margin, run_rows)
    return ranked, chosen


def _choose(
    scored: pl.DataFrame,
    item_ids: pl.Series | list[str],
    choice: dict[str, np.ndarray],
    auto_threshold: float,
    pending_threshold: float,
    runner_up_margin: float,
    run_rows: np.ndarray | None = None,
) -> pl.DataFrame:
    out, by_row = _best_rows(scored, item_ids, choice, run_rows)
    rows, run = by_row["best"], by_row["run"]
    found = rows >= 0
    at, run_at = np.maximum(rows, 0), np.maximum(run, 0)
    # The item's values from the per-pair and per-run arrays of `choice` (a gather each, no frame work).
    conf = np.where(found, choice["confidence"][at], 0.0) if len(choice["best"]) else np.zeros(len(rows))
    margin = conf - by_row["runner_conf"]  # null (below) where the item has no candidate
    if len(choice["best"]):
        same_title = np.where(found & choice["has_match"][run_at], choice["same_title"][run_at], 0)
    else:
        same_title = np.zeros(len(rows), dtype=np.int64)

    # Each cap is a condition (null counts as false) over the best row's levels; a row's caps are the names
    # of its true ones, in this order — built as one list column from flat names + offsets.
    codes: dict[str, np.ndarray | None] = {}

    def level(name: str, *levels: str) -> np.ndarray:
        if name not in codes:  # the best pair's level codes (null where the item has no candidate)
            codes[name] = level_codes(out, name)
        return _level_in(out, name, levels, codes[name])

    no_book = out["book_id"].is_null().to_numpy()
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
        "title_ambiguous": (same_title > 1) & level("author", NULL) & ~settled,
        "runner_up": by_row["runner_up"] & found & (margin < runner_up_margin),
        "no_candidates": no_book,
    }
    cap_lists, capped = _caps_column(caps)
    # The tier: from the confidence and the thresholds; a cap keeps an otherwise-auto match in pending.
    auto = conf >= auto_threshold
    tier = np.where(
        no_book,
        _REJECT,
        np.where(auto & ~capped, _AUTO, np.where((conf >= pending_threshold) | auto, _PENDING, _REJECT)),
    )
    return out.with_columns(
        confidence=pl.Series(conf),
        margin=_nullable(margin, found, pl.Float64),
        caps=cap_lists,
        tier=_TIERS.gather(tier),
    )


def _caps_column(caps: dict[str, np.ndarray]) -> tuple[pl.Series, np.ndarray]:
    """(each row's list of the names of its true caps, in `caps`' order; whether it has any). A row's caps
    are a bit code (cap k = bit k) and its list is taken from the list of every combination."""
    hits = np.column_stack(list(caps.values()))
    code = np.zeros(len(hits), dtype=np.uint32)
    for j, byte in enumerate(np.packbits(hits, axis=1, bitorder="little").T):
        code |= byte.astype(np.uint32) << np.uint32(8 * j)
    return _cap_lists(tuple(caps)).gather(pl.Series(code, dtype=pl.UInt32)), code != 0


@functools.cache
def _cap_lists(names: tuple[str, ...]) -> pl.Series:
    """The list of cap names of every bit code (cap k = bit k), in `names`' order: 2^k lists, made once."""
    k = len(names)
    return pl.Series(
        [[names[b] for b in range(k) if code >> b & 1] for code in range(1 << k)], dtype=pl.List(pl.String)
    )


_AUTO, _PENDING, _REJECT = 0, 1, 2
_TIERS = pl.Series("tier", ["auto", "pending", "reject"], dtype=pl.String)


def pair_ranks(scored: pl.DataFrame) -> pl.Series:
    """Each pair's rank among its item's candidates by confidence (1 = best; ties in row order) — the same
    as `confidence.rank("ordinal", descending=True).over("item_id")`, from one pass per item."""
    return pl.Series("rank", _choice(scored)["rank"], dtype=pl.Int32)
