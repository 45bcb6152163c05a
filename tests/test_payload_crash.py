"""A payload that crashes ABS 2.36 (U+0000 in a series name): refused before sending, and the
half-saved item such a crash leaves behind is read again by the next incremental extract.

The ABS emulator crashes on it as ABS 2.36 does: it drops the connection and stops listening,
after saving the item's other fields and without moving `updatedAt`.
"""

from __future__ import annotations

import asyncio

import pytest

from emulators.abs import fixture_items
from tasks.abs import AbsClient, AbsUnavailable
from tasks.extract.fetch import run_extract
from tasks.settings import get_settings
from tasks.warehouse import connect
from tasks.writeback.journal import log_row, log_rows
from tasks.writeback.payload import PayloadError, validate_batch
from tasks.writeback.send import write_changes

HAIL_MARY = "1a2e1eec-0d8d-482c-a299-11a3a72ded0d"
NUL_SERIES = {"name": "Hail Mary\x00 Cycle", "sequence": "1"}


@pytest.mark.parametrize(
    ("metadata", "where"),
    [
        ({"series": [NUL_SERIES]}, "metadata.series[0].name"),
        ({"series": [{"name": "Cycle", "sequence": "1\x00"}]}, "metadata.series[0].sequence"),
        ({"title": "Project\x07Hail Mary"}, "metadata.title"),
        ({"authors": [{"name": "Andy\x1bWeir"}]}, "metadata.authors[0].name"),
        ({"narrators": ["Ray\x7fPorter"]}, "metadata.narrators[0]"),
        ({"genres": ["Science\x85Fiction"]}, "metadata.genres[0]"),
        ({"publisher": "Audible\ud800"}, "metadata.publisher"),
        ({"description": "One\x00two"}, "metadata.description"),
    ],
)
def test_control_characters_are_refused_naming_the_item_and_the_field(metadata, where):
    with pytest.raises(PayloadError) as refused:
        validate_batch([{"id": "li-1", "mediaPayload": {"metadata": metadata}}])
    assert refused.value.item_id == "li-1" and refused.value.field == where
    assert "li-1" in str(refused.value) and where in str(refused.value) and "U+" in str(refused.value)


def test_line_breaks_and_tabs_stay_allowed_in_a_description_only():
    validate_batch([{"id": "li-1", "mediaPayload": {"metadata": {"description": "One\n\ttwo\r\n"}}}])
    with pytest.raises(PayloadError):
        validate_batch([{"id": "li-1", "mediaPayload": {"metadata": {"title": "One\ntwo"}}}])


async def test_the_emulator_crashes_on_a_nul_series_name_after_saving_the_other_fields(abs_server):
    emu = abs_server()
    before = emu.items[HAIL_MARY]
    stamp, series = before["updatedAt"], list(before["media"]["metadata"]["series"])
    payload = {"metadata": {"title": "Half Saved", "series": [NUL_SERIES]}}
    async with AbsClient(emu.url, "test-key", retries=0) as client:
        with pytest.raises(AbsUnavailable):
            await client.batch_update([{"id": HAIL_MARY, "mediaPayload": payload}])
    assert emu.crashed
    emu.call(emu.restart())
    async with AbsClient(emu.url, "test-key") as client:
        item = await client.get_item(HAIL_MARY)
    meta = item["media"]["metadata"]
    assert meta["title"] == "Half Saved"  # saved before the crash
    assert meta["series"] == series and item["updatedAt"] == stamp  # not saved, and nothing says it changed


async def test_writeback_refuses_a_nul_series_name_before_any_request_and_abs_stays_up(
    abs_server, abs_settings, db_path
):
    emu = abs_server(record_bodies=True)
    settings = abs_settings(emu)
    counts: dict[str, int] = {}
    changes = {HAIL_MARY: [("series", [], [dict(NUL_SERIES)]), ("publisher", None, "Audible Studios")]}
    async with AbsClient.from_settings(settings) as client:
        with connect(db_path) as con:
            await write_changes(con, client, "run-nul", changes, counts)
            errors = con.execute("SELECT item_id, kind, message FROM errors").fetchall()
            statuses = [s for (s,) in con.execute("SELECT status FROM writeback_log").fetchall()]
    assert not emu.crashed and emu.count("POST", "/api/items/batch/update") == 0
    assert counts == {"refused": 2} and statuses == ["refused", "refused"]
    assert errors[0][:2] == (HAIL_MARY, "payload_refused")
    assert (
        HAIL_MARY in errors[0][2] and "metadata.series[0].name" in errors[0][2] and "U+0000" in errors[0][2]
    )


def test_the_incremental_extract_reads_again_an_item_a_write_reached_without_moving_updated_at(
    abs_server, abs_settings, db_path
):
    emu = abs_server()
    settings = abs_settings(emu)
    run_extract(settings, db_path, "extract-1")
    with connect(db_path) as con:
        # A writeback sent the item a payload (its intent is journaled) and ABS died half-way through it.
        log_rows(con, [log_row("wb-1", HAIL_MARY, "title", "Project Hail Mary", "Half Saved", "intent")])

    async def crash() -> None:
        payload = {"metadata": {"title": "Half Saved", "series": [NUL_SERIES]}}
        async with AbsClient(emu.url, "test-key", retries=0) as client:
            with pytest.raises(AbsUnavailable):
                await client.batch_update([{"id": HAIL_MARY, "mediaPayload": payload}])

    asyncio.run(crash())
    emu.call(emu.restart())
    summary = run_extract(get_settings(), db_path, "extract-2")
    with connect(db_path) as con:
        title = con.execute("SELECT title FROM abs_items WHERE item_id = ?", [HAIL_MARY]).fetchone()[0]
    assert title == "Half Saved"
    assert summary["changed"] == 1 and summary["unchanged"] == len(fixture_items()) - 1

    again = run_extract(get_settings(), db_path, "extract-3")  # read once: not again and again
    assert again["changed"] == 0
