"""Contract: for every exchange recorded from a real ABS 2.36.0 server, the emulator answers the
recorded request with the same status and a body of the same shape (keys and JSON types, recursively)."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from emulators.abs import FIXTURES

RECORDINGS = sorted(FIXTURES.glob("*.json"))

# Exchanges recorded after earlier ones changed the server's state: replay those first.
SETUP = {
    "patch_item_media_noop": ["patch_item_media"],
    "patch_item_media_bad_authors": ["patch_item_media"],
    "patch_item_media_bad_sequence_type": ["patch_item_media"],
    "get_item_expanded_after_patch": ["patch_item_media", "patch_item_media_bad_sequence_type"],
    "get_tasks_during_scan": ["scan_library"],
}
# Recorded while the filesystem watcher was rescanning changed files: make the emulator's watcher fire.
WATCHER = {"get_tasks_idle", "get_tasks_during_scan"}
AUTH = {"error_no_token": None, "error_bad_token": "not-the-key"}


def kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_differences(ours: object, recorded: object, where: str = "$") -> list[str]:
    """Where `ours` differs from `recorded` in keys or JSON types; values may differ.

    Lists: our first element must have the shape of some recorded element (lists such as tasks mix
    shapes); an empty list is a value like any other (a book with no narrators), so it matches.
    """
    if kind(ours) != kind(recorded):
        return [f"{where}: {kind(ours)} where ABS sent {kind(recorded)}"]
    if isinstance(recorded, dict):
        assert isinstance(ours, dict)
        out = [f"{where}.{k}: missing" for k in recorded.keys() - ours.keys()]
        out += [f"{where}.{k}: not in ABS's answer" for k in ours.keys() - recorded.keys()]
        for key in recorded.keys() & ours.keys():
            out += shape_differences(ours[key], recorded[key], f"{where}.{key}")
        return out
    if isinstance(recorded, list):
        assert isinstance(ours, list)
        if not recorded or not ours:
            return []
        attempts = [shape_differences(ours[0], rec, f"{where}[0]") for rec in recorded]
        return min(attempts, key=len)
    return []


def test_shape_differences_catches_a_changed_type_and_a_missing_key():
    recorded = {"a": 1, "b": [{"x": "s"}], "c": None}
    assert shape_differences({"a": 2.5, "b": [{"x": "t"}], "c": None}, recorded) == []
    assert shape_differences({"a": "1", "b": [{"x": "s"}], "c": None}, recorded) == [
        "$.a: string where ABS sent number"
    ]
    assert shape_differences({"a": 1, "b": [{}], "c": None}, recorded) == ["$.b[0].x: missing"]
    assert shape_differences({"a": 1, "b": [], "c": None, "d": 0}, recorded) == ["$.d: not in ABS's answer"]
    assert shape_differences({"a": 1, "b": [{"x": "s"}], "c": {}}, recorded) == [
        "$.c: object where ABS sent null"
    ]


async def replay(
    session: aiohttp.ClientSession, url: str, recording: dict, key: str | None
) -> tuple[int, object]:
    request = recording["request"]
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = request.get("body")
    kwargs = {"json": body} if body is not None else {}
    async with session.request(request["method"], url + request["path"], headers=headers, **kwargs) as resp:
        text = await resp.text()
        try:
            return resp.status, json.loads(text) if resp.content_type == "application/json" else text
        except ValueError:
            return resp.status, text


@pytest.mark.parametrize("recording_file", RECORDINGS, ids=[p.stem for p in RECORDINGS])
async def test_emulator_answers_like_abs_2_36(recording_file: Path, abs_server):
    recording = json.loads(recording_file.read_text())
    emu = abs_server()
    if recording_file.stem in WATCHER:
        emu.set_items(list(emu.items.values()))
    async with aiohttp.ClientSession() as session:
        for name in SETUP.get(recording_file.stem, []):
            status, _ = await replay(
                session, emu.url, json.loads((FIXTURES / f"{name}.json").read_text()), "test-key"
            )
            assert status == 200, f"set-up exchange {name} failed with {status}"
        status, body = await replay(session, emu.url, recording, AUTH.get(recording_file.stem, "test-key"))

    assert status == recording["status"]
    if isinstance(recording["response"], str):
        assert body == recording["response"]
    else:
        assert shape_differences(body, recording["response"]) == []


# --- behaviour beyond the recorded exchanges (reference/abs-api.md §2-§4) ---------------------------

LIBRARY = "584914cc-4ac6-49df-9acb-b272830f5af5"
HAIL_MARY = "1a2e1eec-0d8d-482c-a299-11a3a72ded0d"
FINAL_EMPIRE = "4341567a-1abe-4854-bdcc-9617a0449a42"
KEY = {"Authorization": "Bearer test-key"}


async def call(emu, method: str, path: str, body=None, headers=None):
    async with aiohttp.ClientSession() as session:
        kwargs = {"json": body} if body is not None else {}
        async with session.request(method, emu.url + path, headers=headers or KEY, **kwargs) as resp:
            text = await resp.text()
            return (
                resp.status,
                (json.loads(text) if resp.content_type == "application/json" else text),
                resp.headers,
            )


async def test_list_limits_pages_sorts_and_filters_like_abs(abs_server):
    emu = abs_server()
    base = f"/api/libraries/{LIBRARY}/items"
    _, everything, _ = await call(emu, "GET", base + "?limit=0&sort=addedAt")
    assert len(everything["results"]) == everything["total"] == 10
    assert everything["results"][0]["media"]["metadata"]["authorName"] == ""  # strings, not arrays
    _, page, _ = await call(emu, "GET", base + "?limit=3&page=3&sort=addedAt&desc=1")
    assert [r["id"] for r in page["results"]] == [everything["results"][0]["id"]] and page["offset"] == 9
    assert (await call(emu, "GET", base + "?limit=1.5"))[:2] == (
        400,
        "Invalid request. limit must be a positive integer",
    )
    _, missing, _ = await call(
        emu, "GET", base + "?limit=0&filter=missing.bmFycmF0b3Jz"
    )  # base64("narrators")
    no_narrators = [i for i, it in emu.items.items() if not it["media"]["metadata"]["narrators"]]
    assert sorted(r["id"] for r in missing["results"]) == sorted(no_narrators) and 0 < len(no_narrators) < 10
    _, unencoded, _ = await call(emu, "GET", base + "?limit=0&filter=missing.narrators")
    assert unencoded["total"] == 10  # silently matches everything
    assert (await call(emu, "GET", "/audiobookshelf" + base + "?limit=1"))[0] == 200
    assert (await call(emu, "GET", base + "?limit=1&token=test-key", headers={}))[0] == 200


async def test_item_reads_expanded_or_not_and_batch_drops_unknown_ids(abs_server):
    emu = abs_server()
    _, plain, _ = await call(emu, "GET", f"/api/items/{HAIL_MARY}")
    assert "duration" not in plain["media"] and "numTracks" not in plain["media"] and "size" not in plain
    _, expanded, _ = await call(emu, "GET", f"/api/items/{HAIL_MARY}?expanded=1")
    assert expanded["media"]["duration"] > 0 and expanded["media"]["tracks"]
    _, got, _ = await call(emu, "POST", "/api/items/batch/get", {"libraryItemIds": [HAIL_MARY, "li_nope"]})
    assert [it["id"] for it in got["libraryItems"]] == [HAIL_MARY]
    assert (await call(emu, "GET", "/api/items/li_nope?expanded=1"))[:2] == (404, "Not Found")


async def test_patch_write_rules(abs_server):
    emu = abs_server()
    path = f"/api/items/{HAIL_MARY}/media"
    _, out, _ = await call(
        emu, "PATCH", path, {"metadata": {"publisher": "", "publishedYear": 2021, "explicit": "yes"}}
    )
    meta = emu.items[HAIL_MARY]["media"]["metadata"]
    assert (
        "updated" in out
        and meta["publisher"] is None
        and meta["publishedYear"] == "2021"
        and meta["explicit"] is True
    )
    _, out, _ = await call(
        emu, "PATCH", path, {"metadata": {"title": ["not", "text"], "narrators": ["A", 1]}, "bogus": 1}
    )
    assert (
        "updated" not in out and meta["title"] == "Project Hail Mary" and meta["narrators"] == ["Ray Porter"]
    )
    _, out, _ = await call(
        emu,
        "PATCH",
        path,
        {"tags": ["x"], "metadata": {"authors": [{"name": "ANDY WEIR"}, {"name": "New One"}]}},
    )
    assert emu.items[HAIL_MARY]["media"]["tags"] == ["x"]
    assert [a["name"] for a in meta["authors"]] == [
        "Andy Weir",
        "New One",
    ]  # case-insensitive match keeps the spelling
    await call(emu, "PATCH", path, {"metadata": {"authors": [{"id": "whatever"}]}})
    assert meta["authors"] == [] and meta["authorName"] == ""  # a list without names removes every author


async def test_batch_update_validation(abs_server):
    emu = abs_server()
    url = "/api/items/batch/update"
    assert (await call(emu, "POST", url, []))[:2] == (400, "Bad Request")
    assert (await call(emu, "POST", url, {"id": HAIL_MARY}))[0] == 400
    dup = [{"id": HAIL_MARY, "mediaPayload": {}}, {"id": HAIL_MARY, "mediaPayload": {}}]
    assert (await call(emu, "POST", url, dup))[0] == 400
    _, out, _ = await call(emu, "POST", url, [{"id": HAIL_MARY, "mediaPayload": {"metadata": {"isbn": "1"}}}])
    assert out == {"success": True, "updates": 1}


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("PATCH", f"/api/items/{HAIL_MARY}/media", {"metadata": {"authors": [None]}}),
        ("PATCH", f"/api/items/{HAIL_MARY}/media", {"metadata": {"series": [None]}}),
        (
            "POST",
            "/api/items/batch/update",
            [{"id": FINAL_EMPIRE, "mediaPayload": {"metadata": {"isbn": "9"}}}, {"id": HAIL_MARY}],
        ),
        ("POST", "/api/items/batch/update", [{"id": HAIL_MARY, "mediaPayload": None}]),
    ],
    ids=["authors-null", "series-null", "no-mediaPayload", "mediaPayload-null"],
)
async def test_payloads_that_kill_abs_drop_the_connection_until_restart(abs_server, method, path, body):
    emu = abs_server()
    with pytest.raises(aiohttp.ClientError):
        await call(emu, method, path, body)
    with pytest.raises(aiohttp.ClientConnectionError):
        await call(emu, "GET", "/ping")
    emu.call(emu.restart())
    assert (await call(emu, "GET", "/ping"))[0] == 200
    if isinstance(body, list) and body[0]["id"] == FINAL_EMPIRE:  # the good element came first
        assert emu.items[FINAL_EMPIRE]["media"]["metadata"]["isbn"] == "9"  # saved before the crash, like ABS


async def test_files_are_served_with_http_range(abs_server, tmp_path):
    local = tmp_path / "lib" / "Andy Weir" / "Project Hail Mary" / "Project Hail Mary.m4b"
    local.parent.mkdir(parents=True)
    local.write_bytes(b"0123456789" * 10)
    emu = abs_server(audio_root=tmp_path / "lib")
    status, body, headers = await call(
        emu, "GET", f"/api/items/{HAIL_MARY}/file/2221905", headers={**KEY, "Range": "bytes=10-19"}
    )
    assert status == 206 and body == "0123456789"
    assert headers["Content-Range"] == "bytes 10-19/100" and headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Type"] == "audio/mp4"
    assert (await call(emu, "GET", f"/api/items/{HAIL_MARY}/file/1"))[0] == 404


async def test_prewarmed_answers_equal_fresh_ones_and_follow_changes(abs_server):
    emu = abs_server()
    ask = {"libraryItemIds": [HAIL_MARY, FINAL_EMPIRE]}
    _, fresh, _ = await call(emu, "POST", "/api/items/batch/get", ask)
    emu.prewarm()
    _, warm, _ = await call(emu, "POST", "/api/items/batch/get", ask)
    assert warm == fresh
    await call(emu, "PATCH", f"/api/items/{HAIL_MARY}/media", {"metadata": {"publisher": "Tor"}})
    _, after, _ = await call(emu, "POST", "/api/items/batch/get", ask)
    assert (
        next(it for it in after["libraryItems"] if it["id"] == HAIL_MARY)["media"]["metadata"]["publisher"]
        == "Tor"
    )
