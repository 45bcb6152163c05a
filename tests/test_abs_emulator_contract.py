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
