"""Faults during writeback: ABS dies or restarts mid-run, an item 404s in a batch, a payload would crash ABS.

Every case ends the same way: a re-run finishes the job, nothing is written twice, and the journal
holds one outcome for every field.
"""

from __future__ import annotations

import json

import pytest

from flows.writeback import writeback
from tasks.abs import AbsClient, AbsUnavailable
from tasks.settings import get_settings
from tasks.warehouse import connect, fetch_dicts
from tasks.writeback.apply import AbsNotAnswering
from tasks.writeback.send import write_changes
from tests.writeback_data import (  # noqa: F401
    APPROVED_TITLES,
    delivered_writes,
    extract,
    library_fixture,
    metadata_json,
    writes,
)

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

# With 2 items per chunk and no read retries, each chunk is exactly: batch/get, batch/update, batch/get.
REQUESTS_PER_CHUNK = 3


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setenv("SHELFMATCH_WRITEBACK_BATCH_SIZE", "2")
    monkeypatch.setenv("SHELFMATCH_ABS_RETRIES", "0")


def journal(db_path) -> list[dict]:
    with connect(db_path) as con:
        return fetch_dicts(con, "SELECT * FROM writeback_log ORDER BY seq")


def outcomes(db_path) -> dict[tuple[str, str], list[str]]:
    """(item, field) -> statuses in order, over every run."""
    out: dict[tuple[str, str], list[str]] = {}
    for r in journal(db_path):
        out.setdefault((r["item_id"], r["field"]), []).append(r["status"])
    return out


def expected_fields(db_path, run_id) -> set[tuple[str, str]]:
    with connect(db_path) as con:
        return {
            tuple(r)
            for r in con.execute(
                "SELECT item_id, field FROM writeback_plans WHERE run_id = ?", [run_id]
            ).fetchall()
        }


async def test_abs_dying_mid_run_stops_with_a_clear_message_and_the_next_run_resumes(
    library, db_path, small_chunks
):
    emu, by_title, _ = library
    await extract(db_path)
    dry = await writeback(db_path=str(db_path))
    planned = expected_fields(db_path, dry["run_id"])
    start = len(emu.request_log)
    dead_at = start + REQUESTS_PER_CHUNK + 2  # the second chunk's batch/update
    emu.drop_connection_on = {dead_at}

    with pytest.raises(AbsNotAnswering) as stopped:
        await writeback(apply=True, db_path=str(db_path))
    message = str(stopped.value)
    assert emu.url in message and message.startswith("Stopped: ")
    assert "4 approved items left" in message and "shelfmatch writeback --apply" in message
    assert emu.request_log[dead_at - 1]["path"] == "/api/items/batch/update"
    with connect(db_path) as con:
        status, run_message = con.execute(
            "SELECT status, message FROM runs WHERE flow = 'writeback' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    assert status == "failed" and "re-run" in run_message
    with connect(db_path) as con:
        kinds = [k for (k,) in con.execute("SELECT kind FROM errors WHERE flow = 'writeback'").fetchall()]
    assert kinds == ["abs_unavailable"]
    open_intents = [k for k, s in outcomes(db_path).items() if s[-1] == "intent"]
    assert open_intents, "the interrupted chunk's intents must be in the journal"

    writes_before = len(writes(emu))
    resumed = await writeback(apply=True, db_path=str(db_path))
    assert resumed["reconciled"] == len(open_intents)
    assert len(writes(emu)) - writes_before == 2  # chunks 2 and 3 only: chunk 1 is not sent again
    final = outcomes(db_path)
    assert set(final) == planned
    for key, statuses in final.items():
        assert statuses.count("verified") == 1, (key, statuses)
        assert statuses[-1] == "verified"
    delivered = delivered_writes(emu)
    assert len(delivered) == len(set(delivered)) == 6  # every approved item written exactly once
    for key in open_intents:  # dropped before ABS handled it: recorded as not applied, then written
        assert final[key] == ["intent", "not_applied", "intent", "verified"]


async def test_abs_restarting_after_a_write_but_before_the_read_back_is_reconciled_not_rewritten(
    library, db_path, small_chunks
):
    emu, _, _ = library
    await extract(db_path)
    dry = await writeback(db_path=str(db_path))
    planned = expected_fields(db_path, dry["run_id"])
    start = len(emu.request_log)
    emu.drop_connection_on = {start + REQUESTS_PER_CHUNK + 3}  # the second chunk's read-back

    with pytest.raises(AbsNotAnswering):
        await writeback(apply=True, db_path=str(db_path))
    emu.call(emu.restart())  # the server comes back with what it had saved

    writes_before = len(writes(emu))
    resumed = await writeback(apply=True, db_path=str(db_path))
    assert len(writes(emu)) - writes_before == 1  # only chunk 3: chunk 2 had landed
    assert resumed["reconciled"] > 0
    final = outcomes(db_path)
    assert set(final) == planned
    assert all(s.count("intent") == 1 and s[-1] == "verified" for s in final.values()), final
    delivered = delivered_writes(emu)
    assert len(delivered) == len(set(delivered)) == 6  # the landed chunk was not sent again
    reconciled = [r for r in journal(db_path) if (r["error"] or "").startswith("reconciled by run")]
    assert len(reconciled) == resumed["reconciled"] and {r["status"] for r in reconciled} == {"verified"}


async def test_an_approved_item_gone_from_abs_is_marked_missing_and_the_rest_is_written(library, db_path):
    emu, by_title, _ = library
    await extract(db_path)
    gone = by_title["Part 1"]
    del emu.items[gone]
    result = await writeback(apply=True, db_path=str(db_path))
    assert result["missing"] > 0 and result["verified"] > 0
    statuses = {r["status"] for r in journal(db_path) if r["item_id"] == gone}
    assert statuses == {"missing"}
    with connect(db_path) as con:
        kinds = con.execute("SELECT kind, message FROM errors WHERE item_id = ?", [gone]).fetchall()
    assert kinds and kinds[0][0] == "abs_item_missing" and gone in kinds[0][1]


async def test_a_batch_404_for_one_id_falls_back_to_per_item_patches_and_marks_it_missing(library, db_path):
    emu, by_title, _ = library
    settings = get_settings()
    hunger, dune = by_title["Hunger Games, The"], by_title["Dune - Frank Herbert (Unabridged)"]
    changes = {
        hunger: [("publisher", None, "Scholastic Audio")],
        "li-not-in-abs": [("publisher", None, "Nobody")],
        dune: [("publisher", None, "Macmillan Audio"), ("authors", [], ["Frank Herbert"])],
    }
    counts: dict[str, int] = {}
    async with AbsClient.from_settings(settings) as client:
        with connect(db_path) as con:
            await write_changes(con, client, "run-404", changes, counts)
            errors = con.execute("SELECT item_id, kind FROM errors WHERE run_id = 'run-404'").fetchall()
    paths = [(r["method"], r["path"], r["status"]) for r in writes(emu)]
    assert paths[0] == ("POST", "/api/items/batch/update", 404)
    assert sorted(p[1] for p in paths[1:]) == sorted(f"/api/items/{i}/media" for i in changes)
    assert counts == {"missing": 1, "verified": 3}
    assert errors == [("li-not-in-abs", "abs_item_missing")]
    assert emu.items[dune]["media"]["metadata"]["publisher"] == "Macmillan Audio"
    assert [a["name"] for a in emu.items[dune]["media"]["metadata"]["authors"]] == ["Frank Herbert"]
    assert [r["status"] for r in journal(db_path) if r["item_id"] == "li-not-in-abs"] == ["intent", "missing"]


async def test_a_payload_that_crashes_abs_when_sent_raw_is_refused_by_writeback(library, db_path):
    emu, by_title, _ = library
    item_id = by_title["incoming"]
    settings = get_settings()
    before = metadata_json(emu)

    # Sent raw, `authors: [null]` kills the (emulated) ABS 2.36 process.
    async with AbsClient.from_settings(settings) as client:
        with pytest.raises(AbsUnavailable):
            await client.batch_update([{"id": item_id, "mediaPayload": {"metadata": {"authors": [None]}}}])
    assert emu.crashed
    emu.call(emu.restart())
    assert metadata_json(emu) == before
    sent = len(writes(emu))

    # Through writeback the same values are refused before any request, naming item and field.
    counts: dict[str, int] = {}
    changes = {item_id: [("authors", [], [None]), ("series", [], [{"name": "Dune", "sequence": 1}])]}
    async with AbsClient.from_settings(settings) as client:
        with connect(db_path) as con:
            await write_changes(con, client, "run-bad", changes, counts)
            errors = con.execute(
                "SELECT item_id, kind, message FROM errors WHERE run_id = 'run-bad'"
            ).fetchall()
    assert not emu.crashed and len(writes(emu)) == sent
    assert counts == {"refused": 2}
    assert errors[0][:2] == (item_id, "payload_refused")
    assert item_id in errors[0][2] and "metadata.authors[0]" in errors[0][2]
    assert [r["status"] for r in journal(db_path)] == ["refused", "refused"]
    assert metadata_json(emu) == before
    assert json.loads(journal(db_path)[0]["after"]) == [None]


async def test_a_rollback_interrupted_by_abs_is_settled_and_finished_by_the_next_rollback(
    library, db_path, small_chunks
):
    from flows.rollback import rollback

    emu, _, _ = library
    await extract(db_path)  # writeback writes only what a sync read
    original = metadata_json(emu)
    applied = await writeback(apply=True, db_path=str(db_path))
    start = len(emu.request_log)
    emu.drop_connection_on = {start + 3}  # the first chunk's read-back, after its restore landed

    with pytest.raises(AbsNotAnswering, match="items left to restore"):
        await rollback(run_id=applied["run_id"], db_path=str(db_path))
    assert metadata_json(emu) != original

    first_chunk = set(json_ids(writes(emu)[-1]))  # the restore that landed before the drop
    writes_before = len(writes(emu))
    finished = await rollback(run_id=applied["run_id"], db_path=str(db_path))
    assert finished["reconciled"] > 0
    again = [i for r in writes(emu)[writes_before:] for i in json_ids(r)]
    assert again and not first_chunk & set(again)  # chunks 2 and 3 only: chunk 1's restore had landed
    assert metadata_json(emu) == original
    restores = [r for r in journal(db_path) if r["undoes_run_id"] == applied["run_id"]]
    settled = {}
    for r in restores:
        settled.setdefault((r["item_id"], r["field"]), []).append(r["status"])
    assert all(s[-1] == "rolled_back" and s.count("intent") == 1 for s in settled.values()), settled


def json_ids(request: dict) -> list[str]:
    """The item ids of one recorded batch/update request."""
    return [u["id"] for u in json.loads(request["body"])]
