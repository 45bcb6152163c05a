"""Prepared keys persist between score runs: a run normalises only the items whose evidence changed and
the books whose Hardcover rows changed, and scores from persisted keys exactly as from fresh ones."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from tasks.scoring.store import latest_rates, score_warehouse
from tasks.settings import get_settings
from tasks.warehouse import connect
from tests.test_score_flow import DUNE, ITEMS, seed_warehouse

SCORED = "SELECT * EXCLUDE (run_id, scored_at) FROM match_scores WHERE run_id = ? ORDER BY item_id, book_id"
MATCHES = "SELECT * EXCLUDE (run_id, scored_at) FROM matches ORDER BY item_id"


def _rows(db_path, query, params=None) -> pl.DataFrame:
    with connect(db_path) as con:
        return con.sql(query, params=params).pl() if params else con.sql(query).pl()


def _score(db_path, run_id, item_ids=None):
    return score_warehouse(db_path, run_id, item_ids, get_settings(duckdb_path=db_path))


def test_a_second_run_prepares_nothing_and_scores_the_same_from_persisted_keys(db_path):
    seed_warehouse(db_path)
    n_books = len({b for *_, ids in ITEMS.values() for b in ids})
    first = _score(db_path, "run-1")
    assert (first.items_prepared, first.books_prepared) == (len(ITEMS), n_books)
    first_pairs, first_matches = _rows(db_path, SCORED, ["run-1"]), _rows(db_path, MATCHES)

    second = _score(db_path, "run-2")
    assert (second.items_prepared, second.books_prepared) == (0, 0)
    assert_frame_equal(_rows(db_path, SCORED, ["run-2"]), first_pairs)
    assert_frame_equal(_rows(db_path, MATCHES), first_matches)


def test_changed_evidence_re_prepares_exactly_that_item(db_path):
    seed_warehouse(db_path)
    _score(db_path, "run-1")
    with connect(db_path) as con:
        # The folder now names the sequel: the keys must follow, or the item would keep scoring as "Dune".
        con.execute(
            "UPDATE item_evidence SET value = 'Dune Messiah' WHERE item_id = 'dune' AND field = 'title'"
        )
    summary = _score(db_path, "run-2")
    assert (summary.items_prepared, summary.books_prepared) == (1, 0)
    with connect(db_path) as con:
        [(title_level,)] = con.execute(
            "SELECT title_level FROM match_scores WHERE run_id = 'run-2' AND item_id = 'dune' AND book_id = ?",
            [DUNE],
        ).fetchall()
    assert title_level == "item_longer"
    # The same as scoring everything from scratch.
    reused = _rows(db_path, SCORED, ["run-2"])
    with connect(db_path) as con:
        con.execute("DELETE FROM score_prepared_items")
        con.execute("DELETE FROM score_prepared_books")
    fresh = _score(db_path, "run-3")
    n_books = len({b for *_, ids in ITEMS.values() for b in ids})
    assert (fresh.items_prepared, fresh.books_prepared) == (len(ITEMS), n_books)
    assert_frame_equal(_rows(db_path, SCORED, ["run-3"]), reused)


def test_a_refetched_book_whose_rows_changed_is_prepared_again(db_path):
    seed_warehouse(db_path)
    _score(db_path, "run-1")
    with connect(db_path) as con:
        con.execute("UPDATE hc_books SET title = 'Children of Dune' WHERE book_id = ?", [DUNE])
    summary = _score(db_path, "run-2")
    assert (summary.items_prepared, summary.books_prepared) == (0, 1)
    with connect(db_path) as con:
        [(variants,)] = con.execute(
            "SELECT title_variants FROM score_prepared_books WHERE book_id = ?", [DUNE]
        ).fetchall()
    assert variants == ["children of dune"]
    dune = _rows(
        db_path,
        "SELECT title_level FROM match_scores WHERE run_id = 'run-2' AND item_id = 'dune' AND book_id = ?",
        [DUNE],
    )
    assert dune["title_level"].item() == "candidate_longer"


def test_a_new_prepare_version_prepares_everything_again(db_path, monkeypatch):
    import tasks.scoring.store as store

    seed_warehouse(db_path)
    _score(db_path, "run-1")
    monkeypatch.setattr(store, "PREPARE_VERSION", "test-next")
    summary = _score(db_path, "run-2")
    assert summary.items_prepared == len(ITEMS) and summary.books_prepared > 0


def test_prepared_keys_of_an_item_removed_from_abs_are_dropped(db_path):
    seed_warehouse(db_path)
    _score(db_path, "run-1")
    with connect(db_path) as con:
        con.execute("UPDATE abs_items SET removed_at = now() WHERE item_id = 'dune'")
    assert _score(db_path, "run-2").items_prepared == 0
    with connect(db_path) as con:
        kept = {r[0] for r in con.execute("SELECT item_id FROM score_prepared_items").fetchall()}
    assert "dune" not in kept
    assert kept == set(ITEMS) - {"dune"}


def _runs_by_item(db_path) -> dict[str, list[str]]:
    rows = _rows(
        db_path,
        "SELECT item_id, list(DISTINCT run_id ORDER BY run_id) AS runs FROM match_scores GROUP BY ALL",
    )
    return dict(zip(rows["item_id"].to_list(), rows["runs"].to_list(), strict=True))


def test_match_scores_keeps_the_latest_runs_and_each_items_current_match_run(db_path):
    seed_warehouse(db_path)
    settings = get_settings(duckdb_path=db_path, score_history_runs=2)
    scored_items = [i for i, (*_, ids) in ITEMS.items() if ids]
    for run in ("run-1", "run-2", "run-3"):
        summary = score_warehouse(db_path, run, None, settings)
    assert summary.pairs_pruned == summary.pairs  # run-1's pairs, every one
    assert _runs_by_item(db_path) == {i: ["run-2", "run-3"] for i in scored_items}

    # A partial run (one item, as listening re-scores what it heard): the two latest runs are now run-3
    # and run-4; run-2 goes, and run-3 stays for every item — the others' current match comes from it.
    summary = score_warehouse(db_path, "run-4", ["dune"], settings)
    assert summary.pairs_pruned == _rows(db_path, SCORED, ["run-3"]).height  # run-2 had as many
    assert _runs_by_item(db_path) == {
        i: ["run-3", "run-4"] if i == "dune" else ["run-3"] for i in scored_items
    }

    # run-5 for dune only: run-3 leaves the latest two, but it is still the others' match run — only dune's
    # run-3 rows go. Review lists every candidate of the current run, so those must stay.
    score_warehouse(db_path, "run-5", ["dune"], settings)
    assert _runs_by_item(db_path) == {
        i: ["run-4", "run-5"] if i == "dune" else ["run-3"] for i in scored_items
    }
    with connect(db_path) as con:
        orphans = con.execute(
            "SELECT count(*) FROM matches AS m WHERE m.book_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM match_scores AS s WHERE s.item_id = m.item_id AND s.run_id = m.run_id)"
        ).fetchone()[0]
    assert orphans == 0


def test_score_history_runs_zero_keeps_every_run(db_path):
    seed_warehouse(db_path)
    settings = get_settings(duckdb_path=db_path, score_history_runs=0)
    for run in ("run-1", "run-2", "run-3"):
        summary = score_warehouse(db_path, run, None, settings)
    assert summary.pairs_pruned == 0
    assert set(summary.seconds) == {"load", "score", "write"} and all(v > 0 for v in summary.seconds.values())
    assert set(_rows(db_path, "SELECT DISTINCT run_id FROM match_scores")["run_id"]) == {
        "run-1",
        "run-2",
        "run-3",
    }


def test_a_whole_run_records_its_source_rates_and_a_run_of_a_few_items_reuses_them(db_path):
    seed_warehouse(db_path)
    _score(db_path, "run-1")
    rates = (
        "SELECT run_id, source, settled, named, rate FROM score_source_reliability ORDER BY run_id, source"
    )
    first = _rows(db_path, rates)
    assert first["run_id"].unique().to_list() == ["run-1"]
    assert sorted(first["source"]) == ["abs", "filename", "path", "tags", "transcript"]
    assert ((first["rate"] > 0) & (first["rate"] < 1) & (first["named"] <= first["settled"])).all()
    # Rescoring one item estimates nothing of its own: the library's latest rates stand.
    _score(db_path, "run-2", ["dune"])
    assert_frame_equal(_rows(db_path, rates), first)
    with connect(db_path) as con:
        latest = latest_rates(con)
    assert latest is not None and sorted(latest["source"]) == sorted(first["source"])
