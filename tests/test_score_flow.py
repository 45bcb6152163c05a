"""The score flow against a small real warehouse (temp DuckDB file) under the Prefect test harness."""

from __future__ import annotations

import json

import polars as pl
import pytest

from emulators.hc_tables import catalogue_tables
from tasks.warehouse import connect, now
from tests.prefect_reads import artifacts_of

pytestmark = pytest.mark.flow

DUNE, DUNE_MESSIAH = 1097794, 850471
HUNGER_GAMES, CATCHING_FIRE, HUNGER_GAMES_EGAN = 107919, 234623, 777908

# item_id -> (ABS title, ABS authors, duration, evidence by source, candidate book ids)
ITEMS = {
    "dune": (
        "Dune",
        ["Frank Herbert"],
        14862.0,
        {"abs": {"title": "Dune", "author": "Frank Herbert"}},
        [DUNE, DUNE_MESSIAH],
    ),
    "hg-wrong-position": (
        "The Hunger Games",
        ["Suzanne Collins"],
        27921.0,
        {
            "abs": {
                "title": "The Hunger Games",
                "author": "Suzanne Collins",
                "series": "The Hunger Games",
                "sequence": "2",
            }
        },
        [HUNGER_GAMES, CATCHING_FIRE],
    ),
    "garbage": ("rip_30535", [], 1000.0, {"path": {"title": "rip_30535"}}, [DUNE_MESSIAH]),
    "no-candidates": ("Nothing Found", [], 100.0, {"abs": {"title": "Nothing Found"}}, []),
}


def seed_warehouse(db_path) -> None:
    books = sorted({b for *_, ids in ITEMS.values() for b in ids})
    tables = catalogue_tables(books)
    with connect(db_path) as con:
        for item_id, (title, authors, duration, sources, ids) in ITEMS.items():
            con.execute(
                "INSERT INTO abs_items (item_id, library_id, title, authors, duration, extracted_at) VALUES (?, 'lib', ?, ?, ?, ?)",
                [item_id, title, authors, duration, now()],
            )
            for source, fields in sources.items():
                for field, value in fields.items():
                    con.execute(
                        "INSERT INTO item_evidence (item_id, source, field, value, ordinal, rule) VALUES (?, ?, ?, ?, 0, 'test')",
                        [item_id, source, field, value],
                    )
            for rank, book_id in enumerate(ids):
                con.execute(
                    "INSERT INTO candidates (item_id, book_id, strategy, rank, found_at) VALUES (?, ?, 'search', ?, ?)",
                    [item_id, book_id, rank, now()],
                )
            # fetch_candidates finished the item (it was asked about), whether or not it found anything.
            con.execute(
                "INSERT INTO hc_item_status (item_id, evidence_hash, n_candidates, fetched_at) VALUES (?, '', ?, ?)",
                [item_id, len(ids), now()],
            )
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM frame")
            con.unregister("frame")


def test_score_flow_fills_matches_and_tier_tables_and_publishes_an_artifact(prefect_harness, db_path):
    from flows.score import score

    seed_warehouse(db_path)
    state = score(db_path=str(db_path), return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()

    with connect(db_path) as con:
        matches = con.sql("SELECT * FROM matches ORDER BY item_id").pl()
        pairs = con.sql("SELECT * FROM match_scores").pl()
        tiers = {
            t: con.sql(f"SELECT item_id FROM matches_{t}").pl()["item_id"].to_list()
            for t in ("auto", "pending", "reject")
        }
        [(status, counts)] = con.execute("SELECT status, counts FROM runs WHERE flow = 'score'").fetchall()

    by_item = {r["item_id"]: r for r in matches.iter_rows(named=True)}
    assert set(by_item) == set(ITEMS)
    assert by_item["dune"]["book_id"] == DUNE and by_item["dune"]["tier"] == "auto"
    assert by_item["dune"]["runner_up_book_id"] == DUNE_MESSIAH and by_item["dune"]["margin"] > 0.5
    assert (
        by_item["hg-wrong-position"]["tier"] == "pending"
        and "series_position" in by_item["hg-wrong-position"]["caps"]
    )
    assert by_item["garbage"]["tier"] == "reject"
    assert by_item["no-candidates"]["book_id"] is None and by_item["no-candidates"]["confidence"] == 0.0
    assert all(r["evidence_hash"] and r["run_id"] == summary["run_id"] for r in by_item.values())

    # Every pair is kept with its named features and an explanation; the tier tables mirror matches.
    assert pairs.height == sum(len(ids) for *_, ids in ITEMS.values())
    assert pairs["title_level"].null_count() == 0 and pairs["model_version"].unique().to_list() == ["v2"]
    explanation = json.loads(pairs.filter(pl.col("book_id") == DUNE)["explanation"].item())
    assert set(explanation) >= {"title", "author", "duration", "identifier"}
    assert explanation["title"] == {"level": "exact", "weight": pytest.approx(explanation["title"]["weight"])}
    assert tiers == {
        "auto": ["dune"],
        "pending": ["hg-wrong-position"],
        "reject": sorted(["garbage", "no-candidates"], key=lambda i: (-by_item[i]["confidence"], i)),
    }
    assert status == "completed" and json.loads(counts)["auto"] == 1

    artifact = artifacts_of(state)["score-summary"]
    assert "| auto | 1 |" in artifact.data and "Top conflicts" in artifact.data
    assert "The Hunger Games" in artifact.data
    assert "score-conflicts" in artifacts_of(state)
    # The score step's stages show as a progress artifact that ends at 100 %.
    progress = artifacts_of(state)["progress"]
    assert progress.type == "progress" and float(progress.data) == 100.0


def test_rescoring_replaces_matches_but_keeps_every_runs_pairs(prefect_harness, db_path):
    from flows.score import score

    seed_warehouse(db_path)
    first = score(db_path=str(db_path))
    second = score(item_ids=["dune"], db_path=str(db_path))
    with connect(db_path) as con:
        runs = dict(con.execute("SELECT run_id, count(*) FROM match_scores GROUP BY run_id").fetchall())
        [(dune_run,)] = con.execute("SELECT run_id FROM matches WHERE item_id = 'dune'").fetchall()
        [(n_matches,)] = con.execute("SELECT count(*) FROM matches").fetchall()
    assert runs == {first["run_id"]: 5, second["run_id"]: 2}
    assert dune_run == second["run_id"] and n_matches == len(ITEMS)


def test_shelfmatch_score_prints_the_tier_counts(prefect_harness, db_path):
    from typer.testing import CliRunner

    from flows.cli import app

    seed_warehouse(db_path)
    result = CliRunner().invoke(app, ["score", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "scored 4 items (5 candidate pairs, model v2): 1 auto, 1 pending, 2 reject" in result.output
