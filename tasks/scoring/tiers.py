"""From scored pairs to one match per item: best candidate, runner-up, margin, caps and tier.

Like beets' recommendation: the tier comes from the confidence and thresholds in settings, then
*caps* can only lower it — a series-position disagreement, an author disagreement, evidence sources
that disagree with nothing independent to settle it, or a runner-up within `runner_up_margin` keep an
otherwise-auto match in `pending` for a person to look at. Nothing plausible is rejected silently: a
best candidate below the pending threshold that agrees on the title, the author or an identifier is
`pending` with the reason `low_confidence`; an item Hardcover could not be asked about yet is `waiting`
(`mark_waiting`).

An item's candidates are ordered by match weight (highest first; confidence when there is none), an
`outvoted` one (features.py) after the rest, then book id (lowest first), then their order in `scored`:
the first is the match, the second the runner-up.
The confidence is calibrated per evidence segment (model.py), so two candidates of one item may sit on
different curves: the weights rank them, the confidence says how sure the chosen one is, and a runner-up
whose confidence comes within `runner_up_margin` (or above) keeps the match in pending. `rank` orders
them the same way (ties in row order).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import polars as pl

from tasks.scoring.comparisons import AUTHOR_CLOSE, COMPARISON_BY_NAME, NULL
from tasks.scoring.prepare import SOURCE_BIT

c = pl.col


def _rank(scored: pl.DataFrame) -> pl.Expr:
    """Each pair's rank among its item's candidates: an `outvoted` candidate (features.py) after the
    others, then by match weight (the candidates' evidence, on one scale), else by confidence; ties in row
    order."""
    key = "match_weight" if "match_weight" in scored.columns else "confidence"
    first = pl.struct(~_column(scored, "outvoted", False), c(key))
    return first.rank("ordinal", descending=True).over("item_id").cast(pl.Int32).alias("rank")


# Audio-length levels by closeness of fit (0 the closest), in the order the comparison declares them.
_DURATION_FIT = {name: i for i, name in enumerate(COMPARISON_BY_NAME["duration"].level_names) if name != NULL}


def _level_is(name: str, *levels: str) -> pl.Expr:
    """Is the `name` comparison's level one of `levels`? (False where the row has no level.)"""
    return c(f"{name}_level").cast(pl.String).is_in(levels).fill_null(False)


def _column(frame: pl.DataFrame, name: str, default: int) -> pl.Expr:
    """`name` (nulls as `default`), or `default` where the frame has no such column."""
    return c(name).fill_null(default) if name in frame.columns else pl.lit(default)


def _per_item(scored: pl.DataFrame) -> pl.DataFrame:
    """One row per item of `scored`: the row of its best candidate (`_row`), the runner-up's book and
    confidence (null without one) and `_same_title`, how many of its candidates have a matching title
    (exact or close) from a source that also names the best candidate's title."""
    agree_mask = c("agree_mask").cast(pl.Int32).fill_null(0) if "agree_mask" in scored.columns else pl.lit(0)
    key = c("match_weight") if "match_weight" in scored.columns else c("confidence")
    preferred = scored.select(
        "item_id",
        "confidence",
        c("book_id").cast(pl.Int64),
        _key=key,
        _title_match=_level_is("title", "exact", "close"),
        _mask=agree_mask,
        _author=c("author_level").cast(pl.String) if "author_level" in scored.columns else pl.lit(None),
        # What tells two candidates the title names alike apart: another position, another narrator, or
        # an audio length that fits one worse (levels from closest: 0 within 3 %, … 3 far; null unknown).
        _told_apart=_level_is("position", "different") | _level_is("narrator", "far"),
        _fit=(c("duration_level") if "duration_level" in scored.columns else pl.lit(None))
        .cast(pl.String)
        .replace_strict(_DURATION_FIT, default=None, return_dtype=pl.Int8),
        _outvoted=_column(scored, "outvoted", False),
    ).with_row_index("_row")
    # A stable sort: an item's candidates together, best first; equal ones stay in row order.
    preferred = preferred.sort(
        "item_id",
        "_outvoted",
        "_key",
        "book_id",
        descending=[False, False, True, False],
        nulls_last=True,
        maintain_order=True,
    )
    return preferred.group_by("item_id", maintain_order=True).agg(
        c("_row").first(),
        runner_up_book_id=c("book_id").get(1, null_on_oob=True),
        runner_up_confidence=c("confidence").get(1, null_on_oob=True),
        _runner_up_behind=c("_key").first() - c("_key").get(1, null_on_oob=True),
        _same_title=(c("_title_match") & ((c("_mask") & c("_mask").first()) != 0)).sum(),
        # The runner-up is named as the best is: its title matches too, from every source that names the
        # best, with the same author level. Only series, position, length or year can then tell the two
        # apart — and an item's series and position are often read out of the very title text that names
        # the runner-up ("Title (Series, #5, Part 1)", a book the catalogue files under that whole title).
        # Nor is it alike when something independent of that title tells the two apart (`_told_apart`: "Saga,
        # Vol. 6" and vol. 4, another reading) or the audio's length fits it two levels worse (an omnibus of
        # the book): one level (within 10 % against within 25 %) is what editions of one text differ by. With
        # a length unknown on either side, the year or an identifier may be what sets the best ahead.
        _runner_up_alike=(
            c("_title_match").first()
            & c("_title_match").get(1, null_on_oob=True)
            & ((c("_mask").get(1, null_on_oob=True) & c("_mask").first()) == c("_mask").first())
            & c("_author").get(1, null_on_oob=True).eq_missing(c("_author").first())
            & ~c("_told_apart").get(1, null_on_oob=True)
            & (c("_fit").get(1, null_on_oob=True) <= c("_fit").first() + 1)
        ),
        # A candidate with more weight was outvoted: the sources disagree on which book this is.
        _overruled=c("_key").max() > c("_key").first(),
    )


class Thresholds(NamedTuple):
    """Where a match's confidence puts it: auto from `auto` up (without a cap), pending from `pending`;
    a runner-up less than `runner_up_margin` behind the best caps it. The defaults are the settings'."""

    auto: float = 0.95
    pending: float = 0.70
    runner_up_margin: float = 0.05


DEFAULT_THRESHOLDS = Thresholds()


def _odds_bits(p: float) -> float:
    """log2 of the odds p : (1 − p) (infinite at p ≥ 1)."""
    return math.log2(p / (1 - p)) if p < 1 else math.inf


def choose_matches(
    scored: pl.DataFrame, item_ids: pl.Series | list[str], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> pl.DataFrame:
    """One row per distinct id of `item_ids`, in their order: the item's best scored row with
    `runner_up_book_id`, `runner_up_confidence`, `margin`, `caps` and `tier` (items with no candidate get
    tier 'reject', confidence 0)."""
    ids = pl.DataFrame({"item_id": pl.Series(item_ids, dtype=pl.String)}).unique(maintain_order=True)
    best = (
        ids.join(_per_item(scored), on="item_id", how="left", maintain_order="left")
        .join(scored.drop("item_id").with_row_index("_row"), on="_row", how="left", maintain_order="left")
        .with_columns(
            confidence=c("confidence").fill_null(0.0),
            # From the confidence before the fill: null for an item without candidates.
            margin=c("confidence") - c("runner_up_confidence").fill_null(0.0),
        )
    )

    # Evidence independent of the text settles what the text leaves open.
    settled = _level_is("identifier", "asin", "isbn") | _level_is("narrator", "exact")
    # The audio's length settles which of the books the sources name it is (rivals.py): the sources' other
    # book cannot be this recording. (A length that fits both, or a book the other source names that was not
    # found, settles nothing: books of one kind are as long as each other.)
    length_settles = _column(best, "length_settles", False)
    caps = {
        "series_position": _level_is("position", "different"),
        # The item is a numbered part of a series named like the candidate (a serial's part, an omnibus's
        # volume) and the candidate is no part of anything: it is the whole, not the item — unless the audio
        # is as long as the whole (a converter that files a book as volume 1 of a series of its own title).
        "part_of_whole": _level_is("position", "item_only")
        & _column(best, "series_names_title", False)
        & ~_level_is("duration", "within_3pct", "within_10pct"),
        "author": _level_is("author", "far"),
        # The audio is more than 25 % longer or shorter than every audio edition of the book:
        # another edition (abridged, dramatised), an omnibus, or another book with the same words.
        "duration": _level_is("duration", "far"),
        # Most evidence sources name another title and nothing independent of the text (identifier,
        # narrator) settles it: one wrong source (often ABS metadata copied from a series neighbour, or
        # tags left from another book) can carry title, author and series at once, which the weights
        # count as three. A duration within 3 % does not settle it: books of one kind (children's
        # books, novellas) are as long as each other.
        # So does a best candidate that outranks a weightier one only ABS's metadata names (`outvoted`).
        "sources_disagree": (_level_is("sources", "some", "none") | c("_overruled").fill_null(False))
        & ~settled
        & ~length_settles
        & ~_column(best, "trusted", False),
        # ABS's own metadata is the only source naming the book (no folder, file name, tag or transcript
        # does) and the audio's length does not bear it out: that metadata may be an earlier wrong match
        # (ABS applies a provider's first result unchecked), so a person decides.
        "metadata_only": (_column(best, "title_sources", 0) == 1)
        & (_column(best, "agree_mask", 0) == SOURCE_BIT["abs"])
        & ~_level_is("duration", "within_3pct"),
        # ABS's metadata names the book's author, but the item's own files (folder, file names, tags) name
        # someone else: the metadata may be an earlier wrong match of a book with the same title.
        "authors_disagree": _level_is("author", "exact", "close")
        & (_column(best, "author_own_sim", 100) < 70),
        # Several candidates share the item's title and no author is known: only something
        # independent of the text (identifier, narrator) may pick one without a person.
        "title_ambiguous": (c("_same_title").fill_null(0) > 1) & _level_is("author", NULL) & ~settled,
        # No author is known (from any source, or for the book) and nothing else about the book confirms
        # it: a title alone may name another book with the same words, which the catalogue may not even
        # hold. An identifier or the narrator settles it, the series position or the very publication year
        # is a second fact about the book, and an audio length within 3 % is one an edition of another book
        # rarely has; a length within 10 % is what editions of one text differ by, so it confirms nothing.
        "title_only": c("book_id").is_not_null()
        & _level_is("author", NULL)
        & ~settled
        & ~_level_is("position", "equal")
        & ~_level_is("year", "exact")
        & ~_level_is("duration", "within_3pct"),
        # Neither the title (exact or one slip away) nor an identifier names the book: a narrator, an author
        # and a length that fit may point at it, but only a person may take it for the book.
        "no_title": c("book_id").is_not_null()
        & ~_level_is("title", "exact", "close")
        & ~_level_is("identifier", "asin", "isbn"),
        # A runner-up as sure as the best on its own is a rival only when the evidence between the two is
        # close too: a best candidate at least auto/(1 − auto) times as likely as it (log2 of that, in match
        # weights) is the one, however sure each is against the rest. Each confidence comes from the
        # calibration of best candidates, on which a whole band of weights can be equally sure.
        # Unless the runner-up is named as the best is (`_runner_up_alike`): then the weights between them
        # come from series, position, length or year alone, which cannot outweigh a title that names both.
        "runner_up": c("runner_up_confidence").is_not_null()
        & (c("margin") < thresholds.runner_up_margin)
        & (
            (c("_runner_up_behind").fill_null(0.0) < _odds_bits(thresholds.auto))
            | c("_runner_up_alike").fill_null(False)
            if "match_weight" in scored.columns
            else pl.lit(True)
        ),
        "no_candidates": c("book_id").is_null(),
    }
    # A row's caps are the names of its true ones, in this order.
    best = best.with_columns(
        caps=pl.concat_list(
            [pl.when(cond).then(pl.lit(name)) for name, cond in caps.items()]
        ).list.drop_nulls()
    )
    # Below the pending threshold, a best candidate that still agrees on the title, the author or an
    # identifier is plausible: a person decides (pending, `low_confidence`), it is not silently rejected.
    # `reject` means nothing plausible was found.
    # The author counts from the item's own files too when their title was garbled ("the Walking Dead,
    # Fall, 14, written by Robert Kirkman"): the author comparison leaves such a source out, so that it
    # cannot count against the candidate, but a name it gets right still makes the candidate plausible.
    plausible = (
        _level_is("title", "exact", "close")
        | _level_is("author", "exact", "close")
        | (_column(best, "author_own_sim", 0) >= AUTHOR_CLOSE)
        | _level_is("identifier", "asin", "isbn")
    )
    low = c("book_id").is_not_null() & (c("confidence") < thresholds.pending) & plausible
    best = best.with_columns(
        caps=pl.when(low).then(c("caps").list.concat(pl.lit(["low_confidence"]))).otherwise(c("caps"))
    )
    # The tier: from the confidence and the thresholds; a cap keeps an otherwise-auto match in pending.
    auto = c("confidence") >= thresholds.auto
    tier = (
        pl.when(c("book_id").is_null())
        .then(pl.lit("reject"))
        .when(auto & (c("caps").list.len() == 0))
        .then(pl.lit("auto"))
        .when((c("confidence") >= thresholds.pending) | auto | low)
        .then(pl.lit("pending"))
        .otherwise(pl.lit("reject"))
    )
    columns = [
        "item_id",
        *(col for col in scored.columns if col != "item_id"),
        "runner_up_book_id",
        "runner_up_confidence",
        "margin",
        "caps",
    ]
    return best.select(*columns, tier=tier)


def rank_and_choose(
    scored: pl.DataFrame, item_ids: pl.Series | list[str], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`scored` with each pair's `rank` among its item's candidates, `choose_matches` of it)."""
    ranked = scored.with_columns(_rank(scored))
    return ranked, choose_matches(ranked, item_ids, thresholds)


def mark_waiting(matches: pl.DataFrame, fetched: pl.DataFrame) -> pl.DataFrame:
    """Items whose candidates were never fetched (Hardcover unreachable, the daily cap) are `waiting`,
    not `reject`: an outage is not a verdict. `fetched`: item_id, fetched (bool)."""
    unfetched = matches.join(fetched.select("item_id", "fetched"), on="item_id", how="left")["fetched"]
    waiting = (matches["tier"] == "reject") & ~unfetched.fill_null(False)
    return matches.with_columns(
        tier=pl.when(waiting).then(pl.lit("waiting")).otherwise(c("tier")),
        caps=pl.when(waiting)
        .then(
            pl.concat_list(
                pl.lit(["candidates_not_fetched"]), c("caps").list.set_difference(["no_candidates"])
            )
        )
        .otherwise(c("caps")),
    )
