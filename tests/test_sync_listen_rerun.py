"""A sync that listens, then a candidates run with nothing changed: what listening added to an item's
evidence was looked up within the sync, so the second run asks Hardcover nothing (real audio, the
real model, the ABS and Hardcover emulators, a real DuckDB file, Prefect's test harness)."""

from __future__ import annotations

import json

import pytest

from emulators.abs import default_library
from emulators.speech import expanded_item
from tasks.warehouse import connect

pytestmark = [pytest.mark.flow, pytest.mark.audio]

LIBRARY, FOLDER = "lib-rerun", "fol-rerun"
SPOKEN = ("final_empire", "sunrise")  # tag-free files in folders named after the fixture, not the book


def test_a_candidates_run_after_a_sync_that_listened_bills_nothing(
    prefect_harness, abs_server, abs_settings, hc_server, spoken_books, db_path, monkeypatch
):
    from flows.candidates import fetch_candidates
    from flows.sync import sync

    root = spoken_books["music"].path.parent.parent
    items = [expanded_item(f"li-{n}", spoken_books[n].paths, root, LIBRARY, FOLDER) for n in SPOKEN]
    abs_settings(abs_server(items, audio_root=root, library=default_library(LIBRARY, folder_id=FOLDER)))
    monkeypatch.setenv("SHELFMATCH_PATH_MAP", json.dumps({"/audiobooks": str(root)}))
    monkeypatch.setenv("SHELFMATCH_LISTEN_INTRO_SECONDS", "30")

    state = sync(db_path=str(db_path), return_state=True)
    assert state.is_completed(), state.message
    with connect(db_path) as con:
        [(spoken,)] = con.execute(
            "SELECT count(DISTINCT item_id) FROM item_evidence WHERE source = 'transcript'"
        ).fetchall()
    assert spoken >= 1  # listening added evidence the text path did not have
    billed = hc_server.billed()
    assert billed > 0

    again = fetch_candidates(db_path=str(db_path))
    with connect(db_path) as con:
        asked = con.execute(
            "SELECT operation, variables::VARCHAR FROM hc_requests WHERE run_id = ? AND root_fields > 0",
            [again["run_id"]],
        ).fetchall()
    assert hc_server.billed() == billed, asked
    assert again["requests"] == 0
