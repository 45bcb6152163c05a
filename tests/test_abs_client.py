"""The ABS client against the ABS emulator over real HTTP on loopback."""

from __future__ import annotations

import socket

import pytest

from emulators.abs import fixture_items
from tasks.abs import AbsAuthError, AbsClient, AbsForbidden, AbsNotFound, AbsUnavailable

LIBRARY = "584914cc-4ac6-49df-9acb-b272830f5af5"
HAIL_MARY = "1a2e1eec-0d8d-482c-a299-11a3a72ded0d"


def client(emu, key: str = "test-key", **kw) -> AbsClient:
    kw.setdefault("backoff", 0.01)
    return AbsClient(emu.url, key, timeout=5, **kw)


async def test_lists_every_item_id_with_updated_at_in_one_request(abs_server):
    emu = abs_server()
    async with client(emu) as abs:
        listed = await abs.library_item_ids(LIBRARY)
    assert {e["id"] for e in listed} == {it["id"] for it in fixture_items()}
    assert all(isinstance(e["updatedAt"], int) and e["title"] for e in listed)
    assert emu.count("GET", f"/api/libraries/{LIBRARY}/items") == 1


async def test_paging_with_a_stable_sort_returns_the_same_ids_in_added_order(abs_server):
    emu = abs_server()
    async with client(emu) as abs:
        paged = await abs.library_item_ids(LIBRARY, page_size=3)
        everything = await abs.library_item_ids(LIBRARY)
    assert [e["id"] for e in paged] == [e["id"] for e in everything]
    assert (
        emu.count("GET", f"/api/libraries/{LIBRARY}/items") == 4 + 1
    )  # 10 items in pages of 3, then limit=0


async def test_batch_get_is_chunked_by_batch_size(abs_server):
    emu = abs_server()
    ids = [it["id"] for it in fixture_items()]
    async with client(emu, batch_size=3) as abs:
        items = await abs.get_items(ids)
    assert sorted(it["id"] for it in items) == sorted(ids)
    assert emu.count("POST", "/api/items/batch/get") == 4
    assert all("audioFiles" in it["media"] and "duration" in it["media"] for it in items)


async def test_ids_abs_silently_drops_from_a_batch_are_reported_missing(abs_server):
    emu = abs_server()
    async with client(emu) as abs:
        items, missing = await abs.get_items_with_missing([HAIL_MARY, "li_gone_since_listing"])
    assert [it["id"] for it in items] == [HAIL_MARY]
    assert missing == ["li_gone_since_listing"]


async def test_a_wrong_key_is_a_clear_auth_error_that_does_not_show_the_key(abs_server):
    emu = abs_server()
    async with client(emu, key="s3cret-wrong-key") as abs:
        with pytest.raises(AbsAuthError) as err:
            await abs.libraries()
    message = str(err.value)
    assert emu.url in message and "SHELFMATCH_ABS_API_KEY" in message
    assert "s3cret-wrong-key" not in message and "s3cret" not in repr(abs)
    assert emu.count("GET", "/api/libraries") == 1  # 4xx is not retried


async def test_a_user_without_update_permission_gets_forbidden_on_writes(abs_server):
    emu = abs_server(readonly_keys={"reader-key"})
    async with client(emu, key="reader-key") as abs:
        assert await abs.get_item(HAIL_MARY)  # reading is allowed
        with pytest.raises(AbsForbidden, match="403"):
            await abs.patch_item_media(HAIL_MARY, {"metadata": {"publisher": "Tor"}})


async def test_an_unknown_library_is_named_with_the_known_ones(abs_server):
    emu = abs_server()
    async with client(emu) as abs:
        with pytest.raises(AbsNotFound) as err:
            await abs.library_item_ids("lib_typo")
    assert "'lib_typo'" in str(err.value) and LIBRARY in str(err.value) and "Audiobooks" in str(err.value)


async def test_5xx_bursts_are_retried_with_backoff_then_succeed(abs_server):
    emu = abs_server()
    emu.fail_next(2, status=503)
    async with client(emu, retries=3) as abs:
        libraries = await abs.libraries()
    assert [lib["id"] for lib in libraries] == [LIBRARY]
    assert [r["status"] for r in emu.request_log] == [503, 503, 200]


async def test_5xx_that_never_ends_becomes_unavailable_after_the_retries(abs_server):
    emu = abs_server()
    emu.fail_next(10, status=500)
    async with client(emu, retries=2) as abs:
        with pytest.raises(AbsUnavailable, match="after 3 attempts"):
            await abs.libraries()
    assert emu.count() == 3


async def test_a_dropped_connection_on_a_read_is_retried(abs_server):
    emu = abs_server(drop_connection_on={1})
    async with client(emu) as abs:
        item = await abs.get_item(HAIL_MARY)
    assert item["id"] == HAIL_MARY
    assert [r["status"] for r in emu.request_log] == ["dropped", 200]


async def test_connection_refused_names_the_url_and_the_setting():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    async with AbsClient(url, "k", retries=1, backoff=0.01) as abs:
        with pytest.raises(AbsUnavailable) as err:
            await abs.libraries()
    assert url in str(err.value) and "SHELFMATCH_ABS_URL" in str(err.value)


async def test_a_payload_that_kills_abs_is_reported_not_replayed_and_restart_brings_it_back(abs_server):
    emu = abs_server()
    async with client(emu) as abs:
        with pytest.raises(AbsUnavailable, match="may or may not have applied it; it was not sent again"):
            await abs.patch_item_media(HAIL_MARY, {"metadata": {"authors": [None]}})
        assert emu.count("PATCH") == 1
        with pytest.raises(AbsUnavailable, match="Cannot reach ABS"):
            await abs.libraries()
        emu.call(emu.restart())
        assert await abs.libraries()


async def test_patch_follows_abs_write_rules(abs_server):
    emu = abs_server()
    async with client(emu) as abs:
        changed = await abs.patch_item_media(
            HAIL_MARY,
            {"metadata": {"series": [{"name": "Standalone", "sequence": 1}], "genres": ["SF", None]}},
        )
        unchanged = await abs.patch_item_media(
            HAIL_MARY, {"metadata": {"authors": "not a list", "explicit": False}}
        )
        after = await abs.get_item(HAIL_MARY)
    assert changed["updated"] is True and "updated" not in unchanged
    assert (
        after["media"]["metadata"]["series"][0]["sequence"] is None
    )  # numbers are not strings: stored as null
    assert after["media"]["metadata"]["genres"] == [
        "Audiobook"
    ]  # one non-string element drops the whole list
    assert after["media"]["metadata"]["seriesName"] == "Standalone"
    assert after["updatedAt"] > next(it for it in fixture_items() if it["id"] == HAIL_MARY)["updatedAt"]


async def test_batch_update_with_one_unknown_id_changes_nothing(abs_server):
    emu = abs_server()
    before = emu.items[HAIL_MARY]["updatedAt"]
    async with client(emu) as abs:
        with pytest.raises(AbsNotFound):
            await abs.batch_update(
                [
                    {"id": HAIL_MARY, "mediaPayload": {"metadata": {"publisher": "Tor"}}},
                    {"id": "li_nope", "mediaPayload": {"metadata": {"title": "x"}}},
                ]
            )
        result = await abs.batch_update(
            [{"id": HAIL_MARY, "mediaPayload": {"metadata": {"publisher": "Tor"}}}]
        )
    assert emu.items[HAIL_MARY]["media"]["metadata"]["publisher"] == "Tor"
    assert result == {"success": True, "updates": 1} and emu.items[HAIL_MARY]["updatedAt"] > before


async def test_audio_files_are_read_by_byte_range(abs_server, tmp_path):
    local = tmp_path / "library" / "Andy Weir" / "Project Hail Mary" / "Project Hail Mary.m4b"
    local.parent.mkdir(parents=True)
    local.write_bytes(bytes(range(256)) * 40)
    emu = abs_server(audio_root=tmp_path / "library")
    async with client(emu) as abs:
        size = await abs.file_size(HAIL_MARY, "2221905")
        chunk = await abs.open_file_range(HAIL_MARY, "2221905", 250, 260)
        with pytest.raises(AbsNotFound):
            await abs.file_size(HAIL_MARY, "999")
    assert size == 256 * 40
    assert chunk == bytes([250, 251, 252, 253, 254, 255, 0, 1, 2, 3, 4])
