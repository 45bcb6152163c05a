"""A demo-sized warehouse, built ONCE per session by running the real pipeline as Prefect flows.

`demo_warehouse` generates a library with known answers (emulators.corpus), serves it from the ABS
emulator and the catalogue from the Hardcover emulator (loopback, fast per-minute refill), then runs
`sync` capped at 3 Hardcover requests → `sync` → one approval → `writeback` (dry-run) → `writeback --apply` → `rollback` of one item, all
under the session's Prefect test harness. Tests read the resulting DuckDB file and the flow states;
they must not write to it (copy it first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

DEMO_ITEMS, HOSTILE_ITEMS = 70, 30
ABS_KEY, HC_TOKEN = "demo-abs-key", "demo-hc-token"


@dataclass
class DemoWarehouse:
    db_path: Path
    truth: dict
    states: dict[str, Any] = field(default_factory=dict)  # flow name -> final State
    results: dict[str, dict] = field(default_factory=dict)  # flow name -> returned summary
    approved_item: str | None = None
    abs_items_after: dict = field(default_factory=dict)  # ABS emulator state after the writes
    library: dict = field(default_factory=dict)  # the ABS library the items belong to (to serve them again)
    audio_root: Path | None = None


@pytest.fixture(scope="session")
def demo_warehouse(prefect_harness, tmp_path_factory) -> DemoWarehouse:
    import asyncio

    from emulators.abs import run_abs_emulator
    from emulators.corpus import generate_library
    from emulators.hardcover import Limits, run_hardcover_emulator

    root = tmp_path_factory.mktemp("demo-warehouse")
    db = root / "demo.duckdb"
    audio_root = root / "audiobooks"
    lib = generate_library(DEMO_ITEMS, seed=11, profile="default", audio_root=audio_root)
    # Plus hostile items (garbage folders, wrong or no tags), so every tier — pending too — has rows.
    hostile = generate_library(
        HOSTILE_ITEMS, seed=12, profile="hostile", audio_root=audio_root, library_id=lib.library["id"]
    )
    lib.items.extend(hostile.items)
    lib.truth.update(hostile.truth)
    demo = DemoWarehouse(db_path=db, truth=lib.truth, library=lib.library, audio_root=audio_root)

    with (
        pytest.MonkeyPatch.context() as mp,
        run_abs_emulator(lib.items, api_key=ABS_KEY, library=lib.library, audio_root=audio_root) as abs_emu,
        run_hardcover_emulator(token=HC_TOKEN, limits=Limits(per_minute=6000, burst=100)) as hc,
    ):
        mp.setenv("SHELFMATCH_ABS_URL", abs_emu.url)
        mp.setenv("SHELFMATCH_ABS_API_KEY", ABS_KEY)
        mp.setenv("SHELFMATCH_HARDCOVER_URL", hc.url)
        mp.setenv("SHELFMATCH_HARDCOVER_TOKEN", HC_TOKEN)
        mp.setenv("SHELFMATCH_DUCKDB_PATH", str(db))
        # A stricter auto threshold than the default 0.95, so the review queue has rows however the
        # scoring model is calibrated (it is a setting people change too).
        mp.setenv("SHELFMATCH_AUTO_THRESHOLD", "0.995")
        mp.setenv("SHELFMATCH_PATH_MAP", f'{{"{lib.folder}": "{audio_root}"}}')

        from flows.rollback import rollback
        from flows.sync import sync
        from flows.writeback import writeback

        # First a sync capped at 3 Hardcover requests (it stops at the cap and says so), then the
        # nightly one, which resumes from the cache.
        state = sync(db_path=str(db), max_requests=3, skip_listen=True, return_state=True)
        demo.states["sync_capped"] = state
        demo.results["sync_capped"] = state.result(raise_on_failure=False)

        state = sync(db_path=str(db), max_listen=4, return_state=True)
        demo.states["sync"] = state
        demo.results["sync"] = state.result(raise_on_failure=False)

        demo.approved_item = _approve_one_pending(db)

        for name, apply in (("writeback_dry_run", False), ("writeback_apply", True)):
            state = asyncio.run(writeback(apply=apply, db_path=str(db), return_state=True))
            demo.states[name] = state
            demo.results[name] = state.result(raise_on_failure=False)

        undo_item = _one_written_item(db)
        if undo_item is not None:
            state = asyncio.run(rollback(item_ids=[undo_item], db_path=str(db), return_state=True))
            demo.states["rollback"] = state
            demo.results["rollback"] = state.result(raise_on_failure=False)
        demo.abs_items_after = {k: v for k, v in abs_emu.items.items()}
    return demo


def _approve_one_pending(db: Path) -> str | None:
    from tasks.review import record_decision
    from tasks.warehouse import connect

    with connect(db) as con:
        rows = con.execute(
            "SELECT item_id, book_id, edition_id, evidence_hash FROM match_review_queue "
            "JOIN matches USING (item_id) ORDER BY item_id LIMIT 1"
        ).fetchall()
        if not rows:
            return None
        item_id, book_id, edition_id, evidence_hash = rows[0]
        record_decision(con, item_id, "approve", book_id, edition_id, evidence_hash, by="test", via="approve")
    return item_id


def _one_written_item(db: Path) -> str | None:
    from tasks.warehouse import connect

    with connect(db) as con:
        rows = con.execute(
            "SELECT item_id FROM writeback_log WHERE status = 'verified' AND undoes_run_id IS NULL "
            "ORDER BY item_id LIMIT 1"
        ).fetchall()
    return rows[0][0] if rows else None
