"""Properties the shipped model must keep on libraries it was not tuned on: ordered levels weigh in order,
soft evidence cannot sink agreeing title and author, a one-letter typo is still the book, and an invented
title by a real author is never matched automatically. Each case scores hand-made evidence against real
catalogue books with the shipped model (tasks/scoring/model_v2.json)."""

from __future__ import annotations

import polars as pl
import pytest

from tasks.scoring import load_model
from tasks.scoring.comparisons import COMPARISON_BY_NAME
from tasks.scoring.rules import ORDERS
from tests.test_scoring import CATCHING_FIRE, DUNE, HUNGER_GAMES, MOCKINGJAY, one

HUNGER_GAMES_SECONDS = 27921  # the unabridged audio edition
DUNE_SECONDS = 14862


@pytest.mark.parametrize("name", sorted(ORDERS))
def test_a_closer_level_never_weighs_less(name):
    weights = load_model().weights[name]
    for chain in ORDERS[name]:
        values = [weights[level] for level in chain]
        assert values == sorted(values, reverse=True), (name, dict(zip(chain, values, strict=True)))


def test_every_level_of_every_comparison_is_in_an_order_or_declared_unordered():
    for name, chains in ORDERS.items():
        ordered = {level for chain in chains for level in chain}
        assert ordered <= set(COMPARISON_BY_NAME[name].level_names), name


@pytest.mark.parametrize("off", [0.05, -0.05, 0.08])
def test_a_true_match_a_few_percent_off_in_duration_with_agreeing_title_author_and_series_is_auto(off):
    """Another release of the audio (trimmed credits, another encoder) is still the book."""
    row, scored = one(
        {
            "x": (
                {
                    "tags": {"title": "The Hunger Games", "author": "Suzanne Collins"},
                    "path": {"title": "The Hunger Games", "series": "The Hunger Games", "sequence": "1"},
                },
                HUNGER_GAMES_SECONDS * (1 + off),
                [HUNGER_GAMES, CATCHING_FIRE, MOCKINGJAY],
            )
        }
    )
    level = scored.filter(pl.col("book_id") == HUNGER_GAMES)["duration_level"].item()
    assert level == "within_10pct"
    assert row["book_id"] == HUNGER_GAMES and row["tier"] == "auto", row


def test_a_one_letter_typo_in_the_title_with_the_author_agreeing_is_auto():
    row, scored = one(
        {
            "x": (
                {"abs": {"title": "The Hungre Games", "author": "Suzanne Collins"}},
                HUNGER_GAMES_SECONDS,
                [HUNGER_GAMES, CATCHING_FIRE],
            )
        }
    )
    assert scored.filter(pl.col("book_id") == HUNGER_GAMES)["title_level"].item() == "close"
    assert row["book_id"] == HUNGER_GAMES and row["tier"] == "auto", row


@pytest.mark.parametrize(
    "title",
    ["The Silver Cartographer", "Orchards of the Drowned Foundry", "The Lantern Meridian"],
)
def test_an_invented_title_by_a_real_author_is_never_auto(title):
    """The author's real books are candidates (as the author lookup brings them); none is the item. Every
    source's title names another book, so its author testifies for that book, not this one."""
    row, _ = one(
        {
            "x": (
                {"abs": {"title": title, "author": "Frank Herbert"}, "path": {"title": title}},
                30000.0,
                [DUNE],
            )
        }
    )
    assert row["tier"] != "auto" and row["confidence"] < 0.7


def test_nothing_plausible_is_a_reject_and_a_plausible_weak_match_is_pending():
    row, _ = one({"x": ({"abs": {"title": "Untitled Recording", "author": "Nobody Known"}}, 3000.0, [DUNE])})
    assert row["tier"] == "reject"
    # The title agrees, nothing else is known and the audio is far too short: weak, but a person decides.
    row, _ = one({"x": ({"path": {"title": "Dune"}}, 3000.0, [DUNE])})
    assert row["book_id"] == DUNE and row["tier"] == "pending" and row["confidence"] < 0.7, row
    assert "low_confidence" in row["caps"]


def test_a_garbled_title_with_the_right_author_heard_is_pending_not_a_silent_reject():
    # The author comparison leaves out a source whose title names no candidate, so that it cannot count
    # against one; the name it does get right still makes the candidate worth a person's look.
    heard = {"transcript": {"title": "Doon, chronicles, one", "author": "Frank Herbert"}}
    row, _ = one({"x": (heard, 30.0, [DUNE])})
    assert row["book_id"] == DUNE and row["tier"] == "pending" and "low_confidence" in row["caps"], row
    # A name nobody wrote like the candidate's keeps it a reject.
    row, _ = one(
        {"x": ({"transcript": {"title": "Doon, chronicles, one", "author": "Ann Other"}}, 30.0, [DUNE])}
    )
    assert row["tier"] == "reject", row


def test_the_year_of_the_audio_release_does_not_sink_an_agreeing_book():
    row, scored = one(
        {
            "x": (
                {"abs": {"title": "Dune", "author": "Frank Herbert", "year": "2007"}},
                DUNE_SECONDS,
                [DUNE],
            )
        }
    )
    assert scored["year_level"].item() == "far"
    assert row["tier"] == "auto", row


def test_tags_of_another_book_keep_a_match_pending_even_when_the_audio_is_as_long():
    """The folder names one book, the tags another (left from a rip of it); a duration within 3 % of the
    tags' book does not settle which: books of one kind are as long as each other."""
    row, scored = one(
        {
            "x": (
                {
                    "path": {"title": "Catching Fire"},
                    "tags": {"title": "The Hunger Games", "author": "Suzanne Collins"},
                },
                HUNGER_GAMES_SECONDS,
                [HUNGER_GAMES],
            )
        }
    )
    assert scored["duration_level"].item() == "within_3pct" and scored["sources_level"].item() == "some"
    assert "sources_disagree" in row["caps"] and row["tier"] != "auto"


def test_a_same_title_book_quick_matched_to_the_catalogue_one_is_not_auto():
    """The folder says the book is Fenwick Lindqvist's "The Hunger Games"; ABS's metadata (an earlier Quick
    Match took the provider's first result) says Suzanne Collins's, with its ASIN. The item's own files
    name another author: a person decides (`authors_disagree`)."""
    row, _ = one(
        {
            "x": (
                {
                    "path": {"title": "The Hunger Games", "author": "Fenwick Lindqvist"},
                    "abs": {"title": "The Hunger Games", "author": "Suzanne Collins", "asin": "B0I3VQJ5L3"},
                },
                HUNGER_GAMES_SECONDS * 1.2,
                [HUNGER_GAMES],
            )
        }
    )
    assert row["book_id"] == HUNGER_GAMES and "authors_disagree" in row["caps"] and row["tier"] == "pending"


def test_a_file_named_by_its_asin_and_codec_is_no_source_against_the_book():
    """audible-cli names a download by its ASIN and codec ("asin_only"): that name is no title, so it does not
    stand against the title the tags give."""
    name = "B0I3VQJ5L3-AAX_44_128"
    row, scored = one(
        {
            "x": (
                {
                    "tags": {"title": "The Hunger Games (Unabridged)", "author": "Suzanne Collins"},
                    "path": {"title": name},
                    "filename": {"title": name},
                },
                HUNGER_GAMES_SECONDS,
                [HUNGER_GAMES, CATCHING_FIRE],
            )
        }
    )
    assert scored.filter(pl.col("book_id") == HUNGER_GAMES)["sources_level"].item() == "single"
    assert row["book_id"] == HUNGER_GAMES and row["tier"] == "auto", row


def test_the_same_misspelt_title_inside_a_file_name_stands_aside():
    """The file name holds the tags' title, typo and all, between an ASIN and a codec: it says what the tags
    say, neither for nor against the book the typo is one slip from."""
    row, scored = one(
        {
            "x": (
                {
                    "tags": {"title": "The Hungre Games", "author": "Suzanne Collins"},
                    "filename": {"title": "B0I3VQJ5L3_The_Hungre_Games-AAX_22_64"},
                },
                HUNGER_GAMES_SECONDS,
                [HUNGER_GAMES, CATCHING_FIRE],
            )
        }
    )
    pair = scored.filter(pl.col("book_id") == HUNGER_GAMES)
    assert pair["title_level"].item() == "close" and pair["sources_level"].item() == "single"
    assert row["book_id"] == HUNGER_GAMES and row["tier"] == "auto", row


def test_a_source_titled_by_the_books_series_is_not_against_it():
    """ABS's title is the series' name (a metadata field filled with the series): it names no other book."""
    row, scored = one(
        {
            "x": (
                {"abs": {"title": "Dune Chronicles", "author": "Frank Herbert"}, "path": {"title": "Dune"}},
                DUNE_SECONDS,
                [DUNE],
            )
        }
    )
    assert scored["sources_level"].item() == "single"
    assert "sources_disagree" not in row["caps"] and row["tier"] == "auto", row


def test_a_disc_number_or_a_files_number_under_the_books_own_title_is_no_series_position():
    """ "(Disc 1)" numbers a disc, and "[Mockingjay - 01] - Chapter 01" a file of the book: neither says where
    the book stands in its series (Mockingjay is the third of The Hunger Games)."""
    row, scored = one(
        {
            "x": (
                {
                    "tags": {"title": "Mockingjay (Disc 1)", "author": "Suzanne Collins"},
                    "filename": {
                        "title": "Suzanne Collins - [Mockingjay - 01] - Chapter 01",
                        "series": "Mockingjay",
                        "sequence": "1",
                    },
                },
                44380.0,
                [MOCKINGJAY, HUNGER_GAMES],
            )
        }
    )
    assert scored.filter(pl.col("book_id") == MOCKINGJAY)["position_level"].item() == "null"
    assert row["book_id"] == MOCKINGJAY and "series_position" not in row["caps"], row
