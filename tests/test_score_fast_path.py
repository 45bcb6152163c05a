"""The fast pair features (integer codes, numpy combinations) equal the reference definitions (long
Polars frames and joins) column for column — on the trap cases and on a hostile labelled corpus."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from rapidfuzz import fuzz, process

from tasks.scoring import (
    book_frame,
    features,
    item_frame,
    rank_and_choose,
    score_and_choose,
    score_pairs,
)
from tasks.scoring import keys as keys_mod
from tasks.scoring.features import pair_features, pair_features_reference
from tasks.scoring.labelled import catalogue_tables, labelled_corpus
from tasks.scoring.prepare import _book_schema, _empty_items, conform_books, conform_items
from tests.test_scoring import (
    ANGELS_AND_DEMONS,
    CATCHING_FIRE,
    CITY_OF_BONES_CONNELLY,
    DA_VINCI_CODE,
    DUNE,
    DUNE_MESSIAH,
    DUNE_ROAD,
    GREEN_MILE,
    GREEN_MILE_PART_2,
    HUNGER_GAMES,
    HUNGER_GAMES_BOXSET,
    HUNGER_GAMES_EGAN,
    MOCKINGJAY,
    _evidence,
)

# item_id -> (evidence by source, duration, candidate book ids): the traps of test_scoring.py in one batch.
TRAPS = {
    "sequel": (
        {"abs": {"title": "Dune", "author": "Frank Herbert"}},
        14862.0,
        [DUNE, DUNE_MESSIAH, DUNE_ROAD],
    ),
    "sequel-alone": ({"path": {"title": "Dune Messiah", "author": "Frank Herbert"}}, 20176.0, [DUNE]),
    "omnibus": (
        {"abs": {"title": "The Hunger Games Trilogy Boxset", "author": "Suzanne Collins"}},
        30896.0,
        [HUNGER_GAMES, HUNGER_GAMES_BOXSET],
    ),
    "other-author": (
        {"abs": {"title": "The Hunger Games", "author": "Kate Egan"}},
        None,
        [HUNGER_GAMES, HUNGER_GAMES_EGAN],
    ),
    "wrong-author-only": (
        {"abs": {"title": "City of Bones", "author": "Cassandra Clare"}},
        None,
        [CITY_OF_BONES_CONNELLY],
    ),
    "inverted": (
        {
            "abs": {"title": "Hunger Games, The", "author": "Collins, Suzanne"},
            "tags": {"title": "Hunger Games, The"},
        },
        27921.0,
        [HUNGER_GAMES, HUNGER_GAMES_EGAN, CATCHING_FIRE],
    ),
    "no-author": (
        {"path": {"title": "Mockingjay", "series": "The Hunger Games", "sequence": "3"}},
        44380.0,
        [MOCKINGJAY, CATCHING_FIRE],
    ),
    "narrator-only": (
        {"path": {"title": "rip_30535"}, "tags": {"narrator": "Davina Andoh"}},
        27921.0,
        [HUNGER_GAMES, CATCHING_FIRE, MOCKINGJAY],
    ),
    "long-audio": (
        {"abs": {"title": "The Da Vinci Code", "author": "Dan Brown"}},
        58311.0,
        [DA_VINCI_CODE, ANGELS_AND_DEMONS],
    ),
    "abridged": ({"abs": {"title": "The Da Vinci Code", "author": "Dan Brown"}}, 10950.0, [DA_VINCI_CODE]),
    "asin": (
        {"abs": {"title": "Hunger Games", "asin": "B0I3VQJ5L3", "isbn": "0439023483"}},
        None,
        [HUNGER_GAMES, HUNGER_GAMES_EGAN],
    ),
    "wrong-position": (
        {
            "abs": {
                "title": "The Hunger Games",
                "author": "Suzanne Collins",
                "series": "The Hunger Games",
                "sequence": "2",
            },
            "path": {"title": "Catching Fire", "year": "2009"},
        },
        27921.0,
        [HUNGER_GAMES, CATCHING_FIRE],
    ),
    "serial-part": (
        {"path": {"title": "The Green Mile, Part 2", "author": "Stephen King"}},
        None,
        [GREEN_MILE, GREEN_MILE_PART_2],
    ),
    "no-evidence": ({}, 1000.0, [DUNE]),
}


def _trap_inputs():
    evidence, items, pairs = [], [], []
    for item_id, (sources, duration, book_ids) in TRAPS.items():
        evidence += _evidence(item_id, sources)
        items.append({"item_id": item_id, "duration": duration})
        pairs += [{"item_id": item_id, "book_id": b} for b in book_ids]
    # A pair whose item has no prepared row, and one whose book has none: features stay null, not wrong.
    pairs += [{"item_id": "not-prepared", "book_id": DUNE}, {"item_id": "sequel", "book_id": 1}]
    t = catalogue_tables(sorted({p["book_id"] for p in pairs} - {1}))
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    items = item_frame(
        pl.DataFrame(evidence), pl.DataFrame(items, schema={"item_id": pl.String, "duration": pl.Float64})
    )
    return pl.DataFrame(pairs, schema={"item_id": pl.String, "book_id": pl.Int64}), items, books


def test_the_fast_features_equal_the_reference_on_the_trap_cases():
    pairs, items, books = _trap_inputs()
    fast = pair_features(pairs, items, books)
    assert_frame_equal(fast, pair_features_reference(pairs, items, books))
    # The cases really exercise the branches (a frame of nulls would compare equal too).
    levels = {
        comp: set(fast[f"{comp}_level"].cast(pl.String)) for comp in ("title", "position", "identifier")
    }
    assert {"exact", "candidate_longer", "item_longer", "null"} <= levels["title"]
    assert {"equal", "different"} <= levels["position"] and {"asin", "isbn"} & levels["identifier"]
    assert fast.filter(pl.col("item_id") == "not-prepared")["title_sim"].item() is None
    # A candidate's own edition hint (a search hit on an edition) fills edition_id when no audio edition is
    # chosen, before any edition of the book; a pair of an unknown book keeps only its hint.
    hinted = pairs.with_columns(edition_id=pl.when(pl.int_range(pl.len()) % 3 == 0).then(pl.lit(7, pl.Int64)))
    fast = pair_features(hinted, items, books)
    assert_frame_equal(fast, pair_features_reference(hinted, items, books))
    assert 7 in fast["edition_id"].to_list()


@pytest.mark.parametrize("profile", ["hostile", "default"])
def test_the_fast_features_equal_the_reference_on_a_labelled_corpus(profile):
    corpus = labelled_corpus(250, seed=5, profile=profile)
    t = catalogue_tables(sorted(set(corpus.candidates["book_id"].to_list())))
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    fast = pair_features(corpus.candidates, corpus.items, books)
    assert fast.height == corpus.candidates.height
    assert_frame_equal(fast, pair_features_reference(corpus.candidates, corpus.items, books))


def _random_names(rng: random.Random, n: int) -> list[str]:
    """Strings of every length class the kernel treats apart: empty, one word (≤ 64), two and three
    words (65–192 characters), non-ASCII, repeated letters, and words that sit inside one another."""
    alphabet = "abcde fgh"
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.05:
            out.append("")
        elif kind < 0.15:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(65, 192))))
        elif kind < 0.25:
            out.append("".join(rng.choice("aéøç ñ日本") for _ in range(rng.randint(1, 70))))
        else:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))))
    return out


def test_the_kernel_ratio_is_rapidfuzz_ratio_for_every_length_and_alphabet():
    """narrator_sim of one item narrator against one book narrator is exactly fuzz.ratio (as
    process.cpdist rounds it), for strings of one, two and three machine words and for Unicode."""
    rng = random.Random(11)
    n = 3000
    left, right = _random_names(rng, n), _random_names(rng, n)
    right[:200] = left[:200]  # equal strings
    right[200:400] = [s + " tail" for s in left[200:400]]  # a string inside another
    ids = [f"i{k}" for k in range(n)]
    items = conform_items(
        pl.concat(
            [conform_items(_empty_items()), pl.DataFrame({"item_id": ids, "narrators": [[s] for s in left]})],
            how="diagonal_relaxed",
        )
    )
    books = conform_books(
        pl.concat(
            [
                pl.DataFrame(schema=_book_schema()),
                pl.DataFrame({"book_id": list(range(n)), "narrators": [[s] for s in right]}),
            ],
            how="diagonal_relaxed",
        )
    )
    pairs = pl.DataFrame({"item_id": ids, "book_id": list(range(n))})
    got = pair_features(pairs, items, books)["narrator_sim"].to_numpy()
    want = process.cpdist(left, right, scorer=fuzz.ratio, dtype=np.uint8).astype(np.int32)
    assert (got == want).all(), [
        (left[k], right[k], got[k], want[k]) for k in np.flatnonzero(got != want)[:5]
    ]


def test_best_ratio_over_lists_skips_only_what_cannot_win():
    """narrator_sim of several item narrators against several book narrators is the best fuzz.ratio
    over all of them — the kernel skips comparisons that their lengths alone keep at or below the best
    so far, and that must never change the result (lengths chosen around the rounding boundaries)."""
    rng = random.Random(5)
    n = 2000
    left = [
        [_random_names(rng, 1)[0][: rng.randint(1, 30)] for _ in range(rng.randint(1, 4))] for _ in range(n)
    ]
    right = [
        [_random_names(rng, 1)[0][: rng.randint(1, 30)] for _ in range(rng.randint(1, 5))] for _ in range(n)
    ]
    for k in range(0, n, 3):  # near-copies of different lengths: high bests, close bounds
        right[k] = [left[k][0][: max(1, len(left[k][0]) - rng.randint(0, 4))], *right[k]]
    ids = [f"i{k}" for k in range(n)]
    items = conform_items(
        pl.concat(
            [conform_items(_empty_items()), pl.DataFrame({"item_id": ids, "narrators": left})],
            how="diagonal_relaxed",
        )
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


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("cores", [2, 3])
def test_the_threaded_kernels_equal_the_reference(monkeypatch, shuffle, cores):
    """Pairs split over threads (as a 400 k-pair run is), the title kernel running while the other
    inputs are laid out, in item order or in none: the same features."""
    monkeypatch.setattr(features, "PARALLEL_FROM", 0)
    monkeypatch.setattr(features.os, "cpu_count", lambda: cores)
    corpus = labelled_corpus(200, seed=8, profile="hostile")
    t = catalogue_tables(sorted(set(corpus.candidates["book_id"].to_list())))
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    pairs = corpus.candidates.sort("item_id", maintain_order=True)
    if shuffle:
        pairs = pairs.sample(fraction=1.0, shuffle=True, seed=4)
        assert not pairs["item_id"].equals(pairs.sort("item_id", maintain_order=True)["item_id"])
    assert_frame_equal(
        pair_features(pairs, corpus.items, books), pair_features_reference(pairs, corpus.items, books)
    )


def test_an_error_in_a_kernel_thread_reaches_the_caller_and_stops_the_threads(monkeypatch):
    """A kernel slice that fails makes the features step raise (no hang, no half-filled result), and no
    kernel thread is left running."""
    import threading

    import tasks.scoring.kernel as kernel

    monkeypatch.setattr(features, "PARALLEL_FROM", 0)
    monkeypatch.setattr(features.os, "cpu_count", lambda: 2)
    real = kernel.title_kernel

    def failing(lo, hi, *args):
        if lo > 0:
            raise MemoryError("slice failed")
        return real(lo, hi, *args)

    monkeypatch.setattr(kernel, "title_kernel", failing)
    corpus = labelled_corpus(40, seed=8, profile="hostile")
    t = catalogue_tables(sorted(set(corpus.candidates["book_id"].to_list())))
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    with pytest.raises(MemoryError, match="slice failed"):
        pair_features(corpus.candidates, corpus.items, books)
    assert not [th for th in threading.enumerate() if th.name.startswith("pair-kernel")]


@pytest.mark.parametrize("sort_table", [True, False])
def test_row_index_finds_every_key_and_marks_missing_ones(sort_table):
    """Item ids to rows: a binary search when the table is sorted (as the warehouse returns it), a
    categorical lookup otherwise — the same rows either way, -1 for ids that are not there."""
    table = pl.Series(["b", "d", "a", "c"])
    if sort_table:
        table = table.sort()
    keys = pl.Series(["c", "zz", "a", "c", "0", "d"])
    rows = features._row_index(keys, table)
    expected = [table.to_list().index(k) if k in table.to_list() else -1 for k in keys]
    assert rows.tolist() == expected
    assert features._row_index(keys, table.clear()).tolist() == [-1] * len(keys)
    # Sorted distinct keys that are all in the table, and a table whose rows are all among the keys.
    for k in (pl.Series(["a", "c", "d"]), pl.Series(["0", "a", "b", "c", "d", "e"])):
        assert features._row_index(k, table).tolist() == [
            table.to_list().index(x) if x in table.to_list() else -1 for x in k
        ]
    # Integer ids (books): a lookup over the ids' range; nulls and ids outside it are not found.
    ids = pl.Series([7, 5, 6, 2**40], dtype=pl.Int64)
    assert features._row_index(pl.Series([5, None, 7, 2**40, -3, 6]), ids.head(3)).tolist() == [
        1,
        -1,
        0,
        -1,
        -1,
        2,
    ]
    assert features._row_index(pl.Series([2**40, 5]), ids).tolist() == [3, 1]  # a range too wide: a join
    assert features._item_rows(pl.Series(["a", "a", "c", "zz", "zz"]), table)[0].tolist() == [
        table.to_list().index("a"),
        table.to_list().index("a"),
        table.to_list().index("c"),
        -1,
        -1,
    ]


def test_items_with_more_strings_than_pattern_slots_score_exactly():
    """An item whose strings outnumber the kernel's pattern slots (the spare slot is rebuilt as it
    goes), over several candidate books in a row: every best ratio is still rapidfuzz's."""
    from tasks.scoring.kernel import _SLOTS

    rng = random.Random(21)
    n_items, n_books, per_item = 4, 6, _SLOTS + 9
    narrators = {f"i{k}": _random_names(rng, per_item) for k in range(n_items)}
    book_narrators = {b: _random_names(rng, 3) for b in range(n_books)}
    items = conform_items(
        pl.concat(
            [
                conform_items(_empty_items()),
                pl.DataFrame({"item_id": list(narrators), "narrators": list(narrators.values())}),
            ],
            how="diagonal_relaxed",
        )
    )
    books = conform_books(
        pl.concat(
            [
                pl.DataFrame(schema=_book_schema()),
                pl.DataFrame({"book_id": list(book_narrators), "narrators": list(book_narrators.values())}),
            ],
            how="diagonal_relaxed",
        )
    )
    pairs = pl.DataFrame(
        [(i, b) for i in narrators for b in book_narrators], schema=["item_id", "book_id"], orient="row"
    )
    got = pair_features(pairs, items, books)["narrator_sim"].to_list()
    want = [
        int(process.cdist(narrators[i], book_narrators[b], scorer=fuzz.ratio, dtype=np.uint8).max())
        for i, b in pairs.iter_rows()
    ]
    assert got == want


def test_sorted_key_merge_agrees_with_a_join_and_refuses_unsorted_input():
    """The merge lookup of item ids (keys.py) on ids sorted as Polars sorts them — prefixes of each other,
    non-ASCII, empty — equals a join; keys or a table out of order are refused, not answered wrongly."""
    rng = random.Random(5)
    pool = ["", "a", "ab", "abc", "b", "é", "éa", "z", "日本", "Z", "a b", "ab\u00e9"]
    pool += ["".join(rng.choice("abé日") for _ in range(rng.randint(1, 6))) for _ in range(200)]
    for _ in range(30):
        table = pl.Series(rng.sample(pool, rng.randint(0, 60)), dtype=pl.String).unique().sort()
        keys = pl.Series(rng.choices(pool, k=rng.randint(0, 80)), dtype=pl.String).sort()
        expected = [table.to_list().index(k) if k in table.to_list() else -1 for k in keys]
        run = keys.unique(maintain_order=True)
        assert keys_mod.sorted_rows(run, table).tolist() == [
            table.to_list().index(k) if k in table.to_list() else -1 for k in run
        ]
        assert features._item_rows(keys, table)[0].tolist() == expected
        assert keys_mod.strictly_ascending(run) and (
            len(keys) == len(run) or not keys_mod.strictly_ascending(keys)
        )
    assert keys_mod.sorted_rows(pl.Series(["b", "a"]), pl.Series(["a", "b"])) is None
    assert keys_mod.sorted_rows(pl.Series(["a", "b"]), pl.Series(["b", "a"])) is None
    assert keys_mod.sorted_rows(pl.Series(["a", None]), pl.Series(["a", "b"])) is None
    assert features._row_index(pl.Series(["b", "a"]), pl.Series(["a", "b"])).tolist() == [1, 0]


def test_csr_lists_drop_null_values_and_keep_structs_with_a_null_field():
    """The kernel's list inputs read from Arrow buffers: a null list has no values, a null value drops its
    combination (as explode + drop_nulls), a null struct is dropped but a struct with a null field is
    kept; a sliced frame reads only its own rows."""
    frame = pl.DataFrame(
        {
            "names": [["a", None, "b"], None, [], ["c"], ["d", "e"]],
            "srcs": [[1, 2, None], None, [], [4], [5, 6]],
            "eds": [
                [{"id": 1, "secs": None}, None],
                None,
                [{"id": 2, "secs": 3.0}],
                [],
                [None, {"id": 3, "secs": 4.5}],
            ],
        }
    )
    for part in (frame, frame.slice(1, 4)):
        lists = features._Lists.of(part, n="names", s="srcs")
        expected = part.with_row_index("row").explode("names", "srcs").drop_nulls(["names", "srcs"])
        assert np.diff(lists.off).tolist() == [
            expected.filter(pl.col("row") == r).height for r in range(part.height)
        ] + [0]
        assert pl.Series(pl.from_arrow(lists["n"])).to_list() == expected["names"].to_list()
        assert lists.np("s").tolist() == expected["srcs"].to_list()
        eds = features._Lists.of(part, i="eds.id", x="eds.secs")
        structs = part.with_row_index("row").explode("eds").drop_nulls("eds").unnest("eds")
        assert eds.series("i").to_list() == structs["id"].to_list()
        assert eds.series("x").to_list() == structs["secs"].to_list()
        assert np.diff(eds.off).tolist()[:-1] == [
            structs.filter(pl.col("row") == r).height for r in range(part.height)
        ]


def test_the_score_step_reuses_item_runs_only_when_they_hold_and_equals_the_separate_steps():
    """score_and_choose (the item runs found by the features handed to the choice) equals features,
    apply and rank_and_choose run separately — on pairs in item order, shuffled, and with pairs of an
    item that has no prepared row."""
    corpus = labelled_corpus(150, seed=8, profile="hostile")
    t = catalogue_tables(sorted(set(corpus.candidates["book_id"].to_list())))
    books = book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])
    items = corpus.items.sort("item_id")
    ids = items["item_id"]
    in_order = corpus.candidates.select("item_id", "book_id").sort("item_id", "book_id")
    unknown = pl.DataFrame({"item_id": ["zz-not-prepared"] * 2, "book_id": in_order["book_id"].head(2)})
    some_without = in_order.filter(~pl.col("item_id").is_in([ids[0], ids[7], ids[-1]]))  # no candidates
    for pairs in (
        in_order,
        some_without,
        in_order.sample(fraction=1.0, shuffle=True, seed=4),
        pl.concat([in_order, unknown.cast(in_order.schema)]),
    ):
        _, runs = features.pair_features_and_runs(pairs, items, books)
        assert (runs is not None) == (pairs is in_order or pairs is some_without)
        if runs is not None:  # each run's item, by row of `items`
            assert pairs["item_id"].gather(runs.starts).equals(ids.gather(runs.rows))
        scored, matches = score_and_choose(pairs, items, books, ids)
        expected_scored, expected_matches = rank_and_choose(score_pairs(pairs, items, books), ids)
        assert_frame_equal(scored, expected_scored)
        assert_frame_equal(matches, expected_matches)
    # A prepared item twice (ids not distinct): no runs are handed on, and one match per distinct id.
    twice = pl.concat([items, items.head(1)]).sort("item_id")
    _, runs = features.pair_features_and_runs(in_order, twice, books)
    assert runs is None
    scored, matches = score_and_choose(in_order, twice, books, twice["item_id"])
    assert matches["item_id"].to_list() == ids.to_list()
    assert_frame_equal(matches, rank_and_choose(score_pairs(in_order, twice, books), twice["item_id"])[1])


def test_arrays_carved_from_one_block_are_separate_and_a_name_twice_is_refused():
    from tasks.scoring.features import _PER_PAIR, _layout, carve

    arrays = carve(1001, _PER_PAIR)
    assert list(arrays) == list(_PER_PAIR)
    for name, dtype in _PER_PAIR.items():
        assert arrays[name].dtype == np.dtype(dtype) and arrays[name].shape == (1001,), name
    # Fill each array in turn with all-ones bytes: no other array may change.
    for name in arrays:
        arrays[name].view(np.uint8)[:] = 0
    for name in arrays:
        arrays[name].view(np.uint8)[:] = 0xFF
        changed = [other for other in arrays if other != name and arrays[other].view(np.uint8).any()]
        assert not changed, (name, changed)
        arrays[name].view(np.uint8)[:] = 0
    assert carve(0, {"a": np.int64})["a"].shape == (0,)
    with pytest.raises(ValueError, match="edition_id"):
        _layout({"edition_id": np.int64}, {"edition_id": np.int64, "other": np.bool_})
