"""What pair_features computes, on hand-made rows: one row per pair in the pairs' order, null features
for what is not there, string similarities as rapidfuzz gives them."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from emulators.hc_tables import catalogue_tables
from tasks.scoring import book_frame, item_frame, pair_features
from tasks.scoring.prepare import _book_schema, _empty_items, conform_books, conform_items
from tests.test_scoring import DA_VINCI_CODE, DUNE, DUNE_MESSIAH, _evidence


def _prepared(evidence: dict[str, dict], book_ids: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    t = catalogue_tables(book_ids)
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    rows = [row for item_id, sources in evidence.items() for row in _evidence(item_id, sources)]
    items = item_frame(
        pl.DataFrame(rows),
        pl.DataFrame(
            {"item_id": list(evidence), "duration": [None] * len(evidence)},
            schema={"item_id": pl.String, "duration": pl.Float64},
        ),
    )
    return items, books


def test_pairs_of_unknown_items_or_books_keep_their_row_with_null_features_and_the_edition_hint():
    items, books = _prepared(
        {"dune": {"abs": {"title": "Dune", "author": "Frank Herbert"}}}, [DUNE, DUNE_MESSIAH, DA_VINCI_CODE]
    )
    pairs = pl.DataFrame(
        {
            "item_id": ["dune", "not-prepared", "dune", "dune", "dune"],
            "book_id": [DUNE_MESSIAH, DUNE, 1, DUNE, DA_VINCI_CODE],
            "edition_id": [None, None, 7, 8, None],
        },
        schema={"item_id": pl.String, "book_id": pl.Int64, "edition_id": pl.Int64},
    )
    got = pair_features(pairs, items, books)
    assert got.select("item_id", "book_id").equals(pairs.select("item_id", "book_id"))
    rows = got.rows_by_key("book_id", named=True, unique=False)
    assert (
        rows[DUNE][1]["title_level"] == "exact" and rows[DUNE_MESSIAH][0]["title_level"] == "candidate_longer"
    )
    unknown_item, unknown_book = rows[DUNE][0], rows[1][0]
    for row in (unknown_item, unknown_book):
        assert row["title_sim"] is None and row["author_sim"] is None and row["title_level"] == "null"
    # An edition of the book chosen by the item (ASIN, else closest duration, else the lowest id) comes
    # before the candidate's own edition; a pair of an unknown book keeps only its own edition.
    dune_editions = books.filter(pl.col("book_id") == DUNE)["editions"].item()
    assert rows[DUNE][1]["edition_id"] == min(e["edition_id"] for e in dune_editions) != 8
    assert unknown_book["edition_id"] == 7 and unknown_item["edition_id"] is not None


def _names(rng: random.Random) -> str:
    return "".join(rng.choice("abcde fgh") for _ in range(rng.randint(1, 30)))


def test_narrator_similarity_is_the_best_rapidfuzz_ratio_over_both_lists():
    rng = random.Random(5)
    n = 400
    left = [[_names(rng) for _ in range(rng.randint(1, 4))] for _ in range(n)]
    right = [[_names(rng) for _ in range(rng.randint(1, 5))] for _ in range(n)]
    for k in range(0, n, 3):  # near-copies: high bests
        right[k] = [left[k][0][: max(1, len(left[k][0]) - rng.randint(0, 4))], *right[k]]
    ids = [f"i{k}" for k in range(n)]
    items = conform_items(
        pl.concat([_empty_items(), pl.DataFrame({"item_id": ids, "narrators": left})], how="diagonal_relaxed")
    )
    books = conform_books(
        pl.concat(
            [
                pl.DataFrame(schema=_book_schema()),
                pl.DataFrame({"book_id": list(range(n)), "narrators": right}),
            ],
            how="diagonal_relaxed",
        )
    )
    got = pair_features(pl.DataFrame({"item_id": ids, "book_id": list(range(n))}), items, books)
    want = [
        int(process.cdist(a, b, scorer=fuzz.ratio, dtype=np.uint8).max())
        for a, b in zip(left, right, strict=True)
    ]
    assert got["narrator_sim"].to_list() == want
    assert set(got["narrator_level"].cast(pl.String)) >= {"exact", "close", "far"}


def test_a_title_written_with_its_authors_name_agrees_on_title_and_author():
    """`J_R_R_Tolkien_The_Hobbit`: what is left of the item's title without the candidate's title is the
    candidate's author, so both agree; a longer title that is not an author's name stays `item_longer`."""
    from tests.test_scoring import score_items

    the_hobbit = 155433  # J.R.R. Tolkien
    _, scored = score_items(
        {
            "glued": ({"path": {"title": "J R R Tolkien The Hobbit"}}, None, [the_hobbit]),
            "longer": ({"path": {"title": "The Hobbit Graphic Novel"}}, None, [the_hobbit]),
        }
    )
    by_item = {row["item_id"]: row for row in scored.iter_rows(named=True)}
    assert by_item["glued"]["title_with_author"] and by_item["glued"]["title_level"] == "exact"
    assert by_item["glued"]["author_level"] == "exact"
    assert not by_item["longer"]["title_with_author"] and by_item["longer"]["title_level"] == "item_longer"


def test_a_few_minutes_of_a_long_book_are_an_excerpt_not_another_edition():
    """A five-minute sample of Dune is not compared on length (its duration says nothing about which book it
    is from); a 40-minute file against the same edition is, and is far off; so is a long file."""
    from tests.test_scoring import score_items

    heard = {"transcript": {"title": "Dune", "author": "Frank Herbert"}}
    _, scored = score_items(
        {"sample": (heard, 300.0, [DUNE]), "part": (heard, 2400.0, [DUNE]), "whole": (heard, 14800.0, [DUNE])}
    )
    level = {row["item_id"]: row["duration_level"] for row in scored.iter_rows(named=True)}
    assert level == {"sample": "null", "part": "far", "whole": "within_3pct"}


def test_one_disc_of_a_set_is_not_compared_on_length_but_a_folded_set_is():
    """An ABS item that is one disc of a CD set ('Dune (Disc 3 of 9)', its disc tag '3/9') is a disc long:
    its length says nothing about the book's. The same names on a set ABS folded into one item (longer than
    a CD holds) are compared, and so is an item of a disc's length that no name numbers among discs."""
    from tests.test_scoring import score_items

    def named(title: str, disc: str) -> dict:
        return {"abs": {"title": title, "author": "Frank Herbert"}, "tags": {"disc": disc}}

    plain = {"tags": {"title": "Dune", "author": "Frank Herbert"}}
    _, scored = score_items(
        {
            "disc": (named("Dune (Disc 3 of 9)", "3/9"), 4500.0, [DUNE]),
            "folded": (named("Dune (Disc 1 of 9)", "1/9"), 14800.0, [DUNE]),
            "plain": (plain, 4500.0, [DUNE]),
        }
    )
    level = {row["item_id"]: row["duration_level"] for row in scored.iter_rows(named=True)}
    assert level == {"disc": "null", "folded": "within_3pct", "plain": "far"}
