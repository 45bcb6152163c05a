"""End to end against the ABS emulator: extract → matches → decisions → dry-run → apply → extract → rollback."""

from __future__ import annotations

import copy
import json

import pytest

from flows.rollback import rollback
from flows.writeback import writeback
from tasks.review import decide
from tasks.warehouse import connect, fetch_dicts
from tasks.writeback.payload import FIELDS, from_abs_metadata, same
from tests.writeback_data import APPROVED_TITLES, extract, library_fixture, metadata_json, writes  # noqa: F401

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


async def test_only_approved_fields_reach_abs_and_rollback_restores_the_original_exactly(library, db_path):
    emu, by_title, books = library
    await extract(db_path)
    original = metadata_json(emu)
    with connect(db_path) as con:
        original_rows = fetch_dicts(
            con, "SELECT * EXCLUDE (extracted_at, run_id, raw, updated_at) FROM abs_items ORDER BY item_id"
        )

    # Dry-run (the default): a stored plan, and not one write request.
    dry = await writeback(db_path=str(db_path))
    assert writes(emu) == []
    assert metadata_json(emu) == original
    with connect(db_path) as con:
        planned = fetch_dicts(
            con, "SELECT item_id, field, before, after FROM writeback_plans WHERE run_id = ?", [dry["run_id"]]
        )
    approved_ids = {by_title[t] for t in APPROVED_TITLES}
    assert {p["item_id"] for p in planned} == approved_ids
    assert dry["planned_fields"] == len(planned) > 0

    applied = await writeback(apply=True, db_path=str(db_path))
    assert applied["verified"] == len(planned) == applied["planned_fields"]
    assert applied["mismatch"] == applied["refused"] == applied["missing"] == 0

    after = metadata_json(emu)
    for item_id, before_json in original.items():
        if item_id not in approved_ids:
            assert after[item_id] == before_json, f"unapproved item {item_id} changed"
    plan_by_item: dict[str, dict] = {}
    for p in planned:
        plan_by_item.setdefault(p["item_id"], {})[p["field"]] = json.loads(p["after"])
    for item_id in approved_ids:
        now = from_abs_metadata(emu.items[item_id]["media"]["metadata"])
        was = from_abs_metadata(json.loads(original[item_id]))
        for field in FIELDS:
            if field in plan_by_item[item_id]:
                assert same(field, now[field], plan_by_item[item_id][field]), (item_id, field)
            else:
                assert now[field] == was[field], f"{field} of {item_id} changed without a plan"
            assert not (was[field] and not now[field]), f"{field} of {item_id} was blanked"

    # The journal: an intent then a verified row for every planned field, before/after as planned.
    with connect(db_path) as con:
        log = fetch_dicts(
            con,
            "SELECT item_id, field, status, before, after FROM writeback_log WHERE run_id = ? ORDER BY seq",
            [applied["run_id"]],
        )
    assert sorted((r["item_id"], r["field"]) for r in log if r["status"] == "intent") == sorted(
        (p["item_id"], p["field"]) for p in planned
    )
    assert len([r for r in log if r["status"] == "verified"]) == len(planned)

    # A second apply writes nothing: every field already holds its value.
    n_writes = len(writes(emu))
    again = await writeback(apply=True, db_path=str(db_path))
    assert len(writes(emu)) == n_writes
    assert again["planned_fields"] == 0 and again["already_equal"] >= len(planned)

    # Extract again sees exactly the approved values.
    await extract(db_path)
    with connect(db_path) as con:
        for p in planned:
            value = con.execute(
                f"SELECT {p['field']} FROM abs_items WHERE item_id = ?", [p["item_id"]]
            ).fetchone()[0]
            assert same(p["field"], value, json.loads(p["after"])), (p["item_id"], p["field"], value)

    undone = await rollback(run_id=applied["run_id"], db_path=str(db_path))
    assert undone["rolled_back"] == len(planned) and undone["conflict_count"] == 0
    assert metadata_json(emu) == original

    await extract(db_path)
    with connect(db_path) as con:
        rows = fetch_dicts(
            con, "SELECT * EXCLUDE (extracted_at, run_id, raw, updated_at) FROM abs_items ORDER BY item_id"
        )
    assert rows == original_rows

    # What was rolled back stays rolled back: not written again until a person approves the item anew.
    n_writes = len(writes(emu))
    held = await writeback(apply=True, db_path=str(db_path))
    assert len(writes(emu)) == n_writes
    assert held["planned_fields"] == 0 and held["held_after_rollback"] == len(planned)
    dune = by_title["Dune - Frank Herbert (Unabridged)"]
    with connect(db_path) as con:
        decide(con, "approve", [dune], by="tester", note="checked again after the rollback")
    dry = await writeback(db_path=str(db_path))
    assert dry["planned_items"] == 1 and dry["planned_fields"] == len(plan_by_item[dune])


async def test_a_field_changed_after_our_write_is_a_conflict_left_alone_unless_forced(library, db_path):
    emu, by_title, _ = library
    await extract(db_path)
    original = copy.deepcopy(emu.items)
    applied = await writeback(apply=True, db_path=str(db_path))
    dune = by_title["Dune - Frank Herbert (Unabridged)"]
    emu.touch(dune, publisher="Someone's Own Edit")  # a person edits the field after our write

    undone = await rollback(run_id=applied["run_id"], db_path=str(db_path))
    assert [(c["item_id"], c["field"]) for c in undone["conflicts"]] == [(dune, "publisher")]
    assert emu.items[dune]["media"]["metadata"]["publisher"] == "Someone's Own Edit"
    for item_id, item in original.items():
        if item_id != dune:
            assert emu.items[item_id]["media"]["metadata"] == item["media"]["metadata"]

    forced = await rollback(item_ids=[dune], force=True, db_path=str(db_path))
    assert forced["rolled_back"] == 1
    assert emu.items[dune]["media"]["metadata"] == original[dune]["media"]["metadata"]
    with connect(db_path) as con:
        statuses = [
            r[0]
            for r in con.execute(
                "SELECT status FROM writeback_log WHERE item_id = ? AND field = 'publisher' ORDER BY seq",
                [dune],
            ).fetchall()
        ]
    assert statuses == ["intent", "verified", "conflict", "intent", "rolled_back"]


async def test_apply_and_rollback_report_progress_once_per_chunk(library, db_path):
    from tasks.abs import AbsClient
    from tasks.settings import get_settings
    from tasks.writeback.apply import apply_writeback
    from tasks.writeback.rollback import apply_rollback

    await extract(db_path)
    settings = get_settings(duckdb_path=db_path, writeback_batch_size=2)
    applied: list[tuple[int, int]] = []
    restored: list[tuple[int, int]] = []
    async with AbsClient.from_settings(settings) as client:
        with connect(db_path) as con:
            wrote = await apply_writeback(
                con, client, settings, "wb-progress", on_progress=lambda d, t: applied.append((d, t))
            )
            undid = await apply_rollback(
                con,
                client,
                settings,
                "rb-progress",
                target_run_id="wb-progress",
                on_progress=lambda d, t: restored.append((d, t)),
            )

    for calls, n in ((applied, wrote.counts["approved"]), (restored, wrote.counts["planned_items"])):
        assert n > 2  # more than one chunk
        assert calls[0] == (0, n) and calls[-1] == (n, n) and {t for _, t in calls} == {n}
        steps = [b - a for (a, _), (b, _) in zip(calls, calls[1:], strict=False)]
        assert all(0 < s <= 2 for s in steps) and len(steps) == -(-n // 2)
    assert undid.rolled_back == wrote.counts["verified"] > 0
