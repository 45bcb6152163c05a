"""Every view in sql/views/ on a demo-sized warehouse built by the real pipeline (see demo_fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.warehouse import fetch_dicts, open_connection

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parent.parent
VIEWS = sorted(p.stem for p in (ROOT / "sql" / "views").glob("*.sql"))
ANALYSES = sorted((ROOT / "sql" / "analysis").glob("*.sql"))


@pytest.fixture(scope="module")
def con(demo_warehouse):
    con = open_connection(demo_warehouse.db_path, read_only=True)
    yield con
    con.close()


def rows(con, sql, params=None):
    return fetch_dicts(con, sql, params)


def scalar(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()[0][0]


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_returns_rows_on_the_demo_warehouse(con, view):
    assert scalar(con, f"SELECT count(*) FROM {view}") > 0, f"{view} is empty on a demo warehouse"


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_is_described_in_docs_sql_md(view):
    assert f"`{view}`" in (ROOT / "docs" / "sql.md").read_text()


def test_item_overview_has_one_row_per_item_with_its_match(con):
    assert scalar(con, "SELECT count(*) FROM item_overview") == scalar(con, "SELECT count(*) FROM abs_items")
    mismatched = scalar(
        con,
        "SELECT count(*) FROM item_overview o JOIN matches m USING (item_id) "
        "WHERE o.tier IS DISTINCT FROM m.tier OR o.hc_book_id IS DISTINCT FROM m.book_id",
    )
    assert mismatched == 0
    auto = rows(con, "SELECT hc_title, hc_authors, hc_url FROM item_overview WHERE tier = 'auto' LIMIT 5")
    assert all(
        r["hc_title"] and r["hc_authors"] and r["hc_url"].startswith("https://hardcover.app/books/")
        for r in auto
    )


def test_match_review_queue_holds_undecided_pending_matches_by_expected_gain(con, demo_warehouse):
    queue = rows(con, "SELECT item_id, confidence, fields_to_fix, expected_gain FROM match_review_queue")
    pending = {
        r
        for (r,) in con.execute(
            "SELECT item_id FROM matches WHERE tier = 'pending' AND book_id IS NOT NULL"
        ).fetchall()
    }
    assert {r["item_id"] for r in queue} <= pending
    assert demo_warehouse.approved_item not in {r["item_id"] for r in queue}
    assert len(queue) == len(pending) - 1  # everything pending except the one approved
    gains = [(r["expected_gain"], r["confidence"]) for r in queue]
    assert gains == sorted(gains, reverse=True)
    for r in queue:  # the chance it is right times the identity fields it would correct
        # Both columns are shown to 3 decimals: each rounding is off by half a unit at most.
        tolerance = 0.0005 * (r["fields_to_fix"] + 1) + 1e-9
        assert abs(r["expected_gain"] - r["confidence"] * r["fields_to_fix"]) <= tolerance
    assert any(r["fields_to_fix"] for r in queue)


def test_metadata_issues_lists_every_item_without_a_narrator(con):
    missing = scalar(
        con, "SELECT count(*) FROM abs_items WHERE removed_at IS NULL AND len(coalesce(narrators, [])) = 0"
    )
    assert missing > 0
    assert scalar(con, "SELECT count(*) FROM metadata_issues WHERE issue = 'missing_narrator'") == missing
    fillable = rows(
        con, "SELECT item_id FROM metadata_issues WHERE issue = 'missing_narrator' AND hardcover_can_fill"
    )
    assert fillable, "matched audio editions carry narrators, so some missing narrators are fillable"


def test_conflicts_show_a_wrong_abs_title_against_its_hardcover_match(con):
    disagreements = rows(
        con,
        "SELECT c.item_id, c.abs_value, c.other_value FROM conflicts c JOIN matches m USING (item_id) "
        "WHERE c.field = 'title' AND c.other_source = 'hardcover' AND m.tier = 'auto'",
    )
    for d in disagreements:
        assert d["abs_value"].lower() != d["other_value"].lower()
    # Items whose ABS title equals the matched book's title never show up as a title conflict.
    same = scalar(
        con,
        "SELECT count(*) FROM conflicts c JOIN matches m USING (item_id) JOIN abs_items i USING (item_id) "
        "JOIN hc_books b ON b.book_id = m.book_id "
        "WHERE c.field = 'title' AND c.other_source = 'hardcover' AND lower(i.title) = lower(b.title)",
    )
    assert same == 0


def test_narrator_coverage_counts_add_up(con):
    for r in rows(con, "SELECT * FROM narrator_coverage"):
        assert r["with_narrator"] + r["without_narrator"] == r["items"]
        assert 0 <= r["hardcover_can_fill"] <= r["without_narrator"]


def test_series_gaps_never_list_an_owned_position(con):
    for r in rows(con, "SELECT owned_positions, missing_positions FROM series_gaps"):
        owned = set(r["owned_positions"].split(", "))
        missing = {m.split(" ")[0] for m in r["missing_positions"].split(", ")}
        assert not owned & missing


def test_writeback_history_shows_the_applied_writes_and_the_rollback(con, demo_warehouse):
    applied = demo_warehouse.results["writeback_apply"]["run_id"]
    history = rows(con, "SELECT * FROM writeback_history WHERE run_id = ?", [applied])
    assert history and all(h["kind"] == "writeback" for h in history)
    assert "rollback" in demo_warehouse.results, "the demo warehouse rolls back one written item"
    undone = rows(con, "SELECT * FROM writeback_history WHERE kind LIKE 'rollback of %'")
    assert undone
    assert any(h["rolled_back_since"] for h in history)


def test_hardcover_budget_matches_what_was_billed(con):
    [today] = rows(con, "SELECT * FROM hardcover_budget ORDER BY day DESC LIMIT 1")
    assert today["requests_sent"] == scalar(con, "SELECT sum(root_fields) FROM hc_requests")
    assert today["daily_quota"] == 5000
    assert 0 < today["daily_remaining"] < 5000


@pytest.mark.parametrize("path", ANALYSES, ids=lambda p: p.stem)
def test_every_analysis_example_runs(con, path):
    result = con.execute(path.read_text())
    assert result.description, path.name
    json.dumps(result.fetchall(), default=str)
