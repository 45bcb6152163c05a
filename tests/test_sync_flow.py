"""sync and writeback as Prefect flows (session test harness): run states, `runs` rows and artifacts."""

from __future__ import annotations

import pytest

from tasks.warehouse import connect
from tests.prefect_reads import artifacts_of, run_logs

pytestmark = pytest.mark.flow


def test_sync_completes_and_every_step_records_its_run(demo_warehouse):
    state = demo_warehouse.states["sync"]
    assert state.is_completed(), state.message
    with connect(demo_warehouse.db_path) as con:
        runs = dict(
            con.execute(
                "SELECT flow, status FROM runs WHERE flow <> 'writeback' AND flow <> 'rollback'"
            ).fetchall()
        )
    assert runs["sync"] == "completed"
    for step in ("extract_abs", "fetch_candidates", "score", "listen"):
        assert runs.get(step) == "completed", runs


def test_sync_summary_counts_agree_with_the_warehouse(demo_warehouse):
    summary = demo_warehouse.results["sync"]
    with connect(demo_warehouse.db_path) as con:
        tiers = dict(con.execute("SELECT tier, count(*) FROM matches GROUP BY tier").fetchall())
        [(billed,)] = con.execute("SELECT sum(root_fields) FROM hc_requests").fetchall()
        [(items,)] = con.execute("SELECT count(*) FROM abs_items").fetchall()
    assert summary["items_seen"] == items == len(demo_warehouse.truth)
    for tier in ("auto", "pending", "reject"):
        assert summary[tier] == tiers.get(tier, 0)
    assert summary["auto"] > 0
    capped = demo_warehouse.results["sync_capped"]
    assert capped["hardcover_requests_used"] + summary["hardcover_requests_used"] == billed > 0
    assert 0 < summary["hardcover_budget_left"] <= 5000 - billed


def test_sync_publishes_a_markdown_summary_a_review_queue_table_and_progress(demo_warehouse):
    import json

    state = demo_warehouse.states["sync"]
    found = artifacts_of(state)
    summary = found["sync-summary"]
    text = summary.data
    for phrase in (
        "# shelfmatch sync",
        "items seen",
        "hardcover requests used",
        "hardcover budget left",
        "Errors by kind",
    ):
        assert phrase in text, phrase
    assert f"| auto | {demo_warehouse.results['sync']['auto']} |" in text

    queue = found["sync-review-queue"]
    rows = json.loads(queue.data) if isinstance(queue.data, str) else queue.data
    assert 0 < len(rows) <= 20
    with connect(demo_warehouse.db_path) as con:
        pending = {r for (r,) in con.execute("SELECT item_id FROM matches WHERE tier = 'pending'").fetchall()}
    assert {r["item_id"] for r in rows} <= pending

    progress = found["progress"]
    assert float(progress.data) == 100.0


def test_writeback_runs_as_a_flow_dry_run_first_then_apply(demo_warehouse):
    dry, applied = demo_warehouse.states["writeback_dry_run"], demo_warehouse.states["writeback_apply"]
    assert dry.is_completed(), dry.message
    assert applied.is_completed(), applied.message
    assert "writeback-summary" in artifacts_of(dry)
    assert "writeback-summary" in artifacts_of(applied)
    assert demo_warehouse.results["writeback_dry_run"]["planned_fields"] > 0
    with connect(demo_warehouse.db_path) as con:
        written = con.execute(
            "SELECT count(*) FROM writeback_log WHERE run_id = ? AND status = 'verified'",
            [demo_warehouse.results["writeback_apply"]["run_id"]],
        ).fetchall()[0][0]
    assert written > 0


def test_a_failed_step_fails_the_sync_after_the_other_steps_ran(prefect_harness, db_path, monkeypatch):
    from flows.sync import sync

    monkeypatch.setenv("SHELFMATCH_ABS_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("SHELFMATCH_ABS_API_KEY", "k")
    monkeypatch.setenv("SHELFMATCH_ABS_RETRIES", "0")
    monkeypatch.setenv("SHELFMATCH_HARDCOVER_TOKEN", "t")
    state = sync(db_path=str(db_path), skip_listen=True, return_state=True)
    assert state.is_failed()
    assert "extract" in state.message
    with connect(db_path) as con:
        runs = dict(con.execute("SELECT flow, status FROM runs").fetchall())
    assert runs["sync"] == "failed"
    assert runs["score"] == "completed"  # later steps still ran
    assert "sync-summary" in artifacts_of(state)


def test_a_sync_stopped_by_the_hardcover_budget_completes_and_says_what_remains(demo_warehouse):
    state = demo_warehouse.states["sync_capped"]
    assert state.is_completed(), state.message
    capped = demo_warehouse.results["sync_capped"]
    assert capped["hardcover_requests_used"] <= 3
    assert capped["items_waiting_for_hardcover_budget"] > 0
    text = artifacts_of(state)["sync-summary"].data
    assert "**Hardcover:**" in text and "remain" in text
    # The next sync resumed: everything got its candidates, and nothing was asked twice.
    assert demo_warehouse.results["sync"]["items_waiting_for_hardcover_budget"] == 0
    with connect(demo_warehouse.db_path) as con:
        [(keys, distinct)] = con.execute(
            "SELECT count(*), count(DISTINCT cache_key) FROM hc_requests"
        ).fetchall()
    assert keys == distinct


def test_items_whose_audio_cannot_be_read_are_counted_as_failed_listens_not_listened(
    prefect_harness, abs_server, abs_settings, hc_server, db_path
):
    """The recorded ABS items are served without their audio files (404): every listen attempt fails."""
    from flows.cli_runtime import flush_prefect_logs
    from flows.sync import sync

    abs_settings(abs_server())
    state = sync(db_path=str(db_path), max_listen=3, return_state=True)
    assert state.is_completed(), state.message
    summary = state.result()
    with connect(db_path) as con:
        [(attempted, failed)] = con.execute(
            "SELECT count(*), count(*) FILTER (verdict = 'error') FROM listen_results"
        ).fetchall()
    # How many recorded items need listening depends on what the text path settles; every one fails.
    assert 1 <= attempted == failed <= 3
    n = attempted
    assert summary["items_listened"] == 0 and summary["items_listen_failed"] == n
    text = artifacts_of(state)["sync-summary"].data
    assert f"listening failed for {n} of {n} items (abs_unavailable: {n})" in text
    flush_prefect_logs()
    assert any(f"listening failed for {n} of {n} items" in m for m in run_logs(state, 30))


def test_the_budget_reset_time_is_shown_with_its_time_zone(demo_warehouse):
    import io

    from rich.console import Console

    from tasks.report import print_sync_summary

    summary = demo_warehouse.results["sync"]
    assert summary["hardcover_budget_resets_at"].endswith(" UTC")
    out = io.StringIO()
    print_sync_summary(summary, Console(file=out, width=200))
    [line] = [line for line in out.getvalue().splitlines() if "hardcover budget resets at" in line]
    assert line.rstrip(" │").endswith(" UTC")
