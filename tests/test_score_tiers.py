"""Ranks and the choice of one match per item do not depend on the order the pairs come in; ties are
broken the same way every time."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from bench.labelled import labelled_corpus
from emulators.hc_tables import catalogue_tables
from tasks.scoring import book_frame, choose_matches, rank_and_choose, score_pairs


def _scored(n_items: int, seed: int) -> tuple[pl.DataFrame, pl.Series]:
    corpus = labelled_corpus(n_items, seed=seed, family="shelfmatch-hostile")
    t = catalogue_tables(sorted(set(corpus.candidates["book_id"].to_list())))
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    return score_pairs(corpus.candidates, corpus.items, books), corpus.items["item_id"]


def test_ranks_order_each_items_candidates_by_match_weight_with_ties_in_row_order():
    scored, ids = _scored(60, seed=6)
    scored = pl.concat([scored, scored.head(3)])  # exact ties
    ranked, _ = rank_and_choose(scored, ids)
    by_item = ranked.with_row_index("row").group_by("item_id").agg("row", "outvoted", "match_weight", "rank")
    for rows, outvoted, weights, ranks in by_item.select(
        "row", "outvoted", "match_weight", "rank"
    ).iter_rows():
        # An outvoted candidate (only ABS's metadata names it) comes after the others.
        order = sorted(range(len(rows)), key=lambda k: (outvoted[k], -weights[k], rows[k]))
        assert [ranks[k] for k in order] == list(range(1, len(rows) + 1))
    assert ranked["rank"].dtype == pl.Int32 and ranked["rank"].max() > 1


def test_matches_do_not_depend_on_the_order_of_the_pairs():
    scored, ids = _scored(120, seed=6)
    grouped = choose_matches(scored, ids)
    shuffled = choose_matches(scored.sample(fraction=1.0, shuffle=True, seed=3), ids)
    assert_frame_equal(shuffled.sort("item_id"), grouped.sort("item_id"))
    assert grouped["tier"].n_unique() == 3 and grouped["runner_up_book_id"].null_count() < grouped.height


def test_equal_match_weights_go_to_the_lowest_book_id_then_the_first_row():
    scored, ids = _scored(20, seed=7)
    item = scored["item_id"][0]
    one = scored.filter(pl.col("item_id") == item).head(1)
    tied = pl.concat(
        [
            one.with_columns(book_id=pl.lit(30, pl.Int64), edition_id=pl.lit(1, pl.Int64)),
            one.with_columns(book_id=pl.lit(20, pl.Int64), edition_id=pl.lit(2, pl.Int64)),
            one.with_columns(book_id=pl.lit(20, pl.Int64), edition_id=pl.lit(3, pl.Int64)),
            one.with_columns(
                book_id=pl.lit(10, pl.Int64),
                match_weight=pl.col("match_weight") - 3,
                confidence=pl.col("confidence") / 2,
            ),
        ]
    )
    ranked, matches = rank_and_choose(tied, [item, "no-candidates"])
    best = matches.row(0, named=True)
    assert (best["book_id"], best["edition_id"]) == (20, 2)
    assert (best["runner_up_book_id"], best["margin"]) == (20, 0.0) and "runner_up" in best["caps"]
    assert ranked["rank"].to_list() == [1, 2, 3, 4]
    none = matches.row(1, named=True)
    assert none["book_id"] is None and none["confidence"] == 0.0 and none["margin"] is None
    assert none["tier"] == "reject" and none["caps"] == ["no_candidates"]


def test_a_runner_up_as_sure_on_its_own_but_far_behind_in_evidence_is_no_rival():
    """Two candidates whose confidences are close (each on a flat stretch of the calibration) are rivals only
    when their match weights are close too: 6 bits behind is 64 : 1, more than the 19 : 1 that 0.95 means."""
    scored, _ = _scored(20, seed=7)
    item = scored["item_id"][0]
    one = (
        scored.filter(pl.col("item_id") == item)
        .head(1)
        .with_columns(
            match_weight=pl.lit(12.0),
            confidence=pl.lit(0.99),
        )
    )
    for behind, rival in ((6.0, False), (2.0, True)):
        pair = pl.concat(
            [
                one.with_columns(book_id=pl.lit(10, pl.Int64)),
                one.with_columns(
                    book_id=pl.lit(20, pl.Int64), match_weight=pl.lit(12.0 - behind), confidence=pl.lit(0.98)
                ),
            ]
        )
        _, matches = rank_and_choose(pair, [item])
        best = matches.row(0, named=True)
        assert best["book_id"] == 10 and best["margin"] < 0.05
        assert ("runner_up" in best["caps"]) == rival, (behind, best["caps"])


# (case, the best's levels, the runner-up's, is it a rival?) By default the best has title close from path
# and tags (agree mask 10), author exact, series exact, position equal and a length within 25 %; the
# runner-up, no position and a length within 10 %, trails it by 5.5 bits of match weight, more than the 4.25
# that 0.95 means on its own.
ALIKE = [
    ("split book: 'Title (Series, #5, Part 1)', catalogued under that whole title", {}, {}, True),
    ("the part on top, the whole a length level worse", {"duration_level": "within_10pct"},
     {"duration_level": "within_25pct"}, True),
    ("another volume of the series", {}, {"position_level": "different"}, False),
    ("another narrator's reading", {}, {"narrator_level": "far"}, False),
    ("an omnibus: the audio's length fits it far worse", {"duration_level": "within_3pct"},
     {"duration_level": "within_25pct"}, False),
    ("its title is only fair", {}, {"title_level": "fair"}, False),
    ("no length to compare (one disc of a set)", {"duration_level": "null"}, {"duration_level": "null"}, False),
    ("fewer sources name it", {}, {"agree_mask": 2}, False),
    ("another author's", {}, {"author_level": "far"}, False),
]  # fmt: skip


def test_a_runner_up_named_alike_is_a_rival_whatever_series_and_position_add_to_the_best():
    """Series and position read out of the item's title ("(Harry Potter, #5, Part 1)") count for the whole
    book and against the part whose catalogue title holds those very words: when the title, its sources and
    the author name both alike and nothing independent tells them apart, a person decides."""
    scored, _ = _scored(20, seed=7)
    item = scored["item_id"][0]
    one = scored.filter(pl.col("item_id") == item).head(1)

    def levels(values: dict) -> list[pl.Expr]:
        return [
            pl.lit(v, one[k].dtype).alias(k) if k == "agree_mask" else pl.lit(v).cast(one[k].dtype).alias(k)
            for k, v in values.items()
        ]

    base = {"title_level": "close", "author_level": "exact", "narrator_level": "null"}
    base |= {"position_level": "equal", "duration_level": "within_25pct", "agree_mask": 10}
    for case, best_levels, runner_up_levels, rival in ALIKE:
        best = one.with_columns(
            *levels(base | best_levels),
            book_id=pl.lit(266299, pl.Int64),
            match_weight=pl.lit(12.2),
            confidence=pl.lit(0.993),
        )
        runner_up = best.with_columns(
            *levels({"position_level": "item_only", "duration_level": "within_10pct"} | runner_up_levels),
            book_id=pl.lit(730435, pl.Int64),
            match_weight=pl.lit(6.7),
            confidence=pl.lit(0.984),
        )
        _, matches = rank_and_choose(pl.concat([best, runner_up]), [item])
        got = matches.row(0, named=True)
        assert got["book_id"] == 266299, case
        assert ("runner_up" in got["caps"]) == rival, (case, got["caps"])
        assert (got["tier"] == "auto") == (not rival and not got["caps"]), (case, got["caps"])


# (case, levels of the only candidate, is the title alone all that names it)
TITLE_ONLY = [
    ("a same-title book of another author, length within 10 %", {"duration_level": "within_10pct"}, True),
    ("no author and no length", {"duration_level": "null"}, True),
    ("no author, length within 3 %", {"duration_level": "within_3pct"}, False),
    ("no author, the ASIN matches", {"duration_level": "within_10pct", "identifier_level": "asin"}, False),
    ("no author, the narrator matches", {"duration_level": "within_10pct", "narrator_level": "exact"}, False),
    ("no author, the series position matches", {"duration_level": "null", "position_level": "equal"}, False),
    ("no author, the publication year matches", {"duration_level": "null", "year_level": "exact"}, False),
    ("no author, the year is two off", {"duration_level": "null", "year_level": "near"}, True),
    ("the author matches", {"duration_level": "within_10pct", "author_level": "exact"}, False),
]


def test_a_title_no_author_confirms_is_never_enough_for_auto():
    """An item named by its title alone (no author from any source) may be another book with the same
    words that the catalogue does not hold: only an author, an identifier, the narrator, the series
    position, the publication year or a length within 3 % may confirm the one candidate, however sure the
    weights are."""
    scored, _ = _scored(20, seed=7)
    item = scored["item_id"][0]
    one = scored.filter(pl.col("item_id") == item).head(1)
    base = {"title_level": "exact", "sources_level": "all", "author_level": "null", "narrator_level": "null"}
    base |= {
        "position_level": "null",
        "identifier_level": "null",
        "year_level": "null",
        "author_own_sim": None,
    }
    for case, levels, capped in TITLE_ONLY:
        only = one.with_columns(
            *(pl.lit(v).cast(one[k].dtype).alias(k) for k, v in (base | levels).items()),
            match_weight=pl.lit(12.0),
            confidence=pl.lit(0.99),
        )
        _, matches = rank_and_choose(only, [item])
        got = matches.row(0, named=True)
        assert ("title_only" in got["caps"]) == capped, (case, got["caps"])
        assert (got["tier"] == "auto") == (not got["caps"]), (case, got["caps"])
        assert capped or got["tier"] == "auto", (case, got["caps"])
