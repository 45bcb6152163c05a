"""Per-library source reliability (tasks/scoring/reliability.py): the items an independent signal settles
say which source to believe when an item's sources name two books."""

from __future__ import annotations

import polars as pl

from emulators.hc_tables import catalogue_tables
from tasks.scoring import book_frame, item_frame, pair_features
from tasks.scoring.reliability import against_mask, source_reliability
from tests.test_scoring import DUNE, DUNE_ROAD, HUNGER_GAMES, MOCKINGJAY, _evidence, score_items

DUNE_SECONDS = 14862.0  # the unabridged Dune: a length within 3 % settles the item


def _settled(files_name: str, tags_name: str) -> tuple[dict, float, list[int]]:
    """An item as long as Dune whose folder and file name say `files_name`, tags and ABS `tags_name`."""
    sources = {
        "path": {"title": files_name, "author": "Frank Herbert" if files_name == "Dune" else "Jane Green"},
        "filename": {"title": files_name},
        "tags": {"title": tags_name},
        "abs": {"title": tags_name},
    }
    return sources, DUNE_SECONDS, [DUNE, DUNE_ROAD]


# The folder and file name say The Hunger Games, the tags and ABS Mockingjay; no length to settle it.
CONFLICT = (
    {
        "path": {"title": "The Hunger Games", "author": "Suzanne Collins"},
        "filename": {"title": "The Hunger Games"},
        "tags": {"title": "Mockingjay"},
        "abs": {"title": "Mockingjay"},
    },
    None,
    [HUNGER_GAMES, MOCKINGJAY],
)


def _library(files_name: str, tags_name: str, settled: int = 4):
    cases = {f"s{k}": _settled(files_name, tags_name) for k in range(settled)}
    return score_items({**cases, "x": CONFLICT})


def _pair(scored: pl.DataFrame, book_id: int) -> dict:
    return scored.filter((pl.col("item_id") == "x") & (pl.col("book_id") == book_id)).row(0, named=True)


def test_a_library_whose_tags_name_other_books_trusts_its_folders_in_a_conflict():
    matches, scored = _library("Dune", "Dune Road")
    rates = dict(
        source_reliability(scored.with_columns(against=against_mask(scored)))
        .select("source", "rate")
        .iter_rows()
    )
    assert rates["path"] > 0.9 > rates["tags"], rates
    assert _pair(scored, HUNGER_GAMES)["trusted"] and not _pair(scored, MOCKINGJAY)["trusted"]
    row = matches.filter(pl.col("item_id") == "x").row(0, named=True)
    assert row["book_id"] == HUNGER_GAMES and "sources_disagree" not in row["caps"], row


def test_a_library_whose_folders_name_other_books_trusts_its_tags_instead():
    matches, scored = _library("Dune Road", "Dune")
    assert _pair(scored, MOCKINGJAY)["trusted"] and not _pair(scored, HUNGER_GAMES)["trusted"]


def test_without_enough_settled_items_no_conflict_is_trusted():
    matches, scored = _library("Dune", "Dune Road", settled=1)
    assert not scored.filter(pl.col("item_id") == "x")["trusted"].any()
    row = matches.filter(pl.col("item_id") == "x").row(0, named=True)
    assert "sources_disagree" in row["caps"] and row["tier"] != "auto", row


def test_rates_given_from_the_library_decide_instead_of_the_runs_own():
    # The run's own pairs settle nothing; the library's recorded rates say its folders and file names lie.
    items = item_frame(
        pl.DataFrame(_evidence("x", CONFLICT[0])),
        pl.DataFrame(
            {"item_id": ["x"], "duration": [None]}, schema={"item_id": pl.String, "duration": pl.Float64}
        ),
    )
    candidates = pl.DataFrame({"item_id": ["x", "x"], "book_id": [HUNGER_GAMES, MOCKINGJAY]})
    t = catalogue_tables([HUNGER_GAMES, MOCKINGJAY])
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    rates = pl.DataFrame({"source": ["abs", "path", "filename", "tags"], "rate": [0.99, 0.5, 0.5, 0.99]})
    assert not pair_features(candidates, items, books)["trusted"].any()
    given = pair_features(candidates, items, books, rates)
    assert given.filter(pl.col("book_id") == MOCKINGJAY)["trusted"].item()
    assert not given.filter(pl.col("book_id") == HUNGER_GAMES)["trusted"].item()
