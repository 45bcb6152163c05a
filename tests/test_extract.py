"""extract: ABS emulator → a real temporary DuckDB file, asserting on the tables."""

from __future__ import annotations

import asyncio
import copy
import json

import pytest

from emulators.abs import fixture_items
from tasks import warehouse
from tasks.abs import AbsClient, AbsUnavailable
from tasks.extract.fetch import extract
from tasks.extract.flatten import default_evidence, flatten_item
from tasks.extract.validate import MalformedItem, looks_mis_decoded

FINAL_EMPIRE = "4341567a-1abe-4854-bdcc-9617a0449a42"
HAIL_MARY = "1a2e1eec-0d8d-482c-a299-11a3a72ded0d"


def run(emu, db_path, run_id="run", **kw) -> dict:
    async def main():
        async with AbsClient(emu.url, "test-key", timeout=10, backoff=0.01) as client:
            with warehouse.connect(db_path) as con:
                return await extract(client, con, run_id, evidence_fn=default_evidence(None), **kw)

    return asyncio.run(main())


def rows(db_path, sql, params=None):
    with warehouse.connect(db_path) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_fixture_item_lands_with_its_files_tags_and_evidence(abs_server, db_path):
    items = fixture_items()
    summary = run(abs_server(), db_path)

    assert summary["extracted"] == summary["items_seen"] == summary["new"] == len(items) == 10
    assert summary["error_count"] == 0
    assert rows(db_path, "SELECT count(*) FROM abs_items") == [(10,)]
    n_audio = sum(len(it["media"]["audioFiles"]) for it in items)
    n_files = sum(len(it["libraryFiles"]) for it in items)
    assert rows(db_path, "SELECT count(*) FROM abs_audio_files") == [(n_audio,)]
    assert rows(db_path, "SELECT count(*) FROM abs_files") == [(n_files,)]

    (item,) = rows(
        db_path,
        "SELECT title, authors, series, narrators, rel_path, duration, num_audio_files, updated_at, raw->>'$.id' "
        "FROM abs_items WHERE item_id = ?",
        [FINAL_EMPIRE],
    )
    assert item[:5] == (
        "The Final Empire",
        ["Brandon Sanderson"],
        [{"name": "Mistborn", "sequence": "1"}],
        [],
        "Brandon Sanderson/Mistborn/Book 1 - The Final Empire",
    )
    assert (
        item[5] == pytest.approx(9.534693)
        and item[6] == 2
        and item[7] == 1795480627908
        and item[8] == FINAL_EMPIRE
    )
    tags = rows(
        db_path,
        "SELECT idx, filename, meta_tags FROM abs_audio_files WHERE item_id = ? ORDER BY idx",
        [FINAL_EMPIRE],
    )
    assert [(i, f) for i, f, _ in tags] == [(1, "01 - Prologue.mp3"), (2, "02 - Chapter 1.mp3")]
    assert json.loads(tags[0][2]) == {
        "tagAlbum": "The Final Empire",
        "tagArtist": "Brandon Sanderson",
        "tagTitle": "Prologue",
        "tagTrack": "1",
        "tagEncoder": "Lavf59.27.100",
    }
    sources = {
        s
        for (s,) in rows(
            db_path, "SELECT DISTINCT source FROM item_evidence WHERE item_id = ?", [FINAL_EMPIRE]
        )
    }
    assert {"abs", "path", "tags"} <= sources
    assert ("path", "series", "Mistborn") in rows(
        db_path, "SELECT source, field, value FROM item_evidence WHERE item_id = ?", [FINAL_EMPIRE]
    )


def test_an_immediate_rerun_fetches_no_full_items(abs_server, db_path):
    emu = abs_server()
    run(emu, db_path)
    fetches = emu.count("POST", "/api/items/batch/get")
    summary = run(emu, db_path, run_id="second")
    assert emu.count("POST", "/api/items/batch/get") == fetches
    assert (summary["unchanged"], summary["fetched"], summary["extracted"]) == (10, 0, 0)
    assert rows(db_path, "SELECT count(*) FROM abs_items") == [(10,)]


def test_a_changed_updated_at_refetches_just_that_item_and_keeps_its_transcript(abs_server, db_path):
    emu = abs_server()
    run(emu, db_path)
    with warehouse.connect(db_path) as con:
        con.execute(
            "INSERT INTO item_evidence(item_id, source, field, value) VALUES (?, 'transcript', 'title', 'heard')",
            [HAIL_MARY],
        )
    emu.touch(HAIL_MARY, title="Project Hail Mary (Edited)")
    before = len(emu.request_log)

    summary = run(emu, db_path, run_id="second")

    assert (summary["changed"], summary["unchanged"], summary["fetched"], summary["extracted"]) == (
        1,
        9,
        1,
        1,
    )
    assert [r["path"] for r in emu.request_log[before:] if r["method"] == "POST"] == ["/api/items/batch/get"]
    assert rows(db_path, "SELECT title, run_id FROM abs_items WHERE item_id = ?", [HAIL_MARY]) == [
        ("Project Hail Mary (Edited)", "second")
    ]
    assert rows(db_path, "SELECT count(*) FROM abs_audio_files WHERE item_id = ?", [HAIL_MARY]) == [(1,)]
    evidence = rows(
        db_path, "SELECT source, value FROM item_evidence WHERE item_id = ? AND field = 'title'", [HAIL_MARY]
    )
    assert ("abs", "Project Hail Mary (Edited)") in evidence and ("transcript", "heard") in evidence
    assert ("abs", "Project Hail Mary") not in evidence


def test_a_removed_item_is_marked_not_deleted_and_comes_back_when_restored(abs_server, db_path):
    emu = abs_server()
    run(emu, db_path)
    everything = list(emu.items.values())
    emu.set_items([it for it in everything if it["id"] != HAIL_MARY])

    summary = run(emu, db_path, run_id="second")
    assert summary["removed"] == 1
    assert rows(
        db_path, "SELECT removed_at IS NOT NULL, title FROM abs_items WHERE item_id = ?", [HAIL_MARY]
    ) == [(True, "Project Hail Mary")]

    emu.set_items(everything)
    summary = run(emu, db_path, run_id="third")
    assert (summary["changed"], summary["removed"]) == (1, 0)
    assert rows(db_path, "SELECT removed_at FROM abs_items WHERE item_id = ?", [HAIL_MARY]) == [(None,)]


def test_full_refresh_refetches_everything(abs_server, db_path):
    emu = abs_server()
    run(emu, db_path)
    summary = run(emu, db_path, run_id="second", full_refresh=True)
    assert (summary["changed"], summary["fetched"], summary["extracted"]) == (10, 10, 10)
    assert rows(db_path, "SELECT count(*), count(DISTINCT run_id) FROM abs_items") == [(10, 1)]
    assert rows(db_path, "SELECT count(*) FROM item_evidence WHERE run_id = 'run'") == [(0,)]


def bad_items() -> dict[str, tuple[dict, str]]:
    """Malformed copies of a good item, keyed by defect, with the words the error must contain."""
    base = next(it for it in fixture_items() if it["id"] == FINAL_EMPIRE)
    out: dict[str, tuple[dict, str]] = {}

    def bad(name: str, expect: str, change) -> None:
        item = copy.deepcopy(base)
        item["id"] = f"li_bad_{name}"
        item["relPath"] = item["path"] = f"Bad/{name}"
        change(item)
        out[item["id"]] = (item, expect)

    bad("no_media", "media is missing", lambda it: it.pop("media"))
    bad(
        "null_author",
        "media.metadata.authors[0] is null",
        lambda it: it["media"]["metadata"].update(authors=[None]),
    )
    bad(
        "null_narrator",
        "narrators[1] is null",
        lambda it: it["media"]["metadata"].update(narrators=["A", None]),
    )
    bad(
        "title_number",
        "media.metadata.title is a number",
        lambda it: it["media"]["metadata"].update(title=12345),
    )
    bad(
        "authors_text",
        "authors is text, expected a list",
        lambda it: it["media"]["metadata"].update(authors="A, B"),
    )
    bad("duration_text", "media.duration is text", lambda it: it["media"].update(duration="ten hours"))
    bad("huge_title", "10,000 characters", lambda it: it["media"]["metadata"].update(title="x" * 10_000))
    bad(
        "surrogates",
        "not valid UTF-8",
        lambda it: it["media"]["metadata"].update(authors=[{"id": "a", "name": "Bj\udcf6rk"}]),
    )
    bad("files_not_list", "audioFiles is an object", lambda it: it["media"].update(audioFiles={"0": {}}))
    bad(
        "series_no_name",
        "series[0].name is missing",
        lambda it: it["media"]["metadata"].update(series=[{"sequence": "1"}]),
    )
    return out


def test_malformed_items_become_one_error_each_and_every_good_item_lands(abs_server, db_path):
    bad = bad_items()
    mojibake = copy.deepcopy(next(it for it in fixture_items() if it["id"] == HAIL_MARY))
    mojibake["id"] = "li_mojibake"
    mojibake["media"]["metadata"]["authors"] = [{"id": "z", "name": "Ã‰mile Zola"}]
    emu = abs_server(fixture_items() + [item for item, _ in bad.values()] + [mojibake])

    summary = run(emu, db_path)

    assert summary["items_seen"] == 10 + len(bad) + 1
    assert summary["extracted"] == 11  # the ten good items and the garbled-but-usable one
    assert summary["errors"] == {"malformed_item": len(bad), "suspicious_text": 1}
    stored = {i for (i,) in rows(db_path, "SELECT item_id FROM abs_items")}
    assert stored == {it["id"] for it in fixture_items()} | {"li_mojibake"}
    errors = {
        i: (kind, msg, detail)
        for i, kind, msg, detail in rows(db_path, "SELECT item_id, kind, message, detail FROM errors")
    }
    assert len(errors) == len(bad) + 1
    for item_id, (_, expect) in bad.items():
        kind, message, detail = errors[item_id]
        assert kind == "malformed_item" and expect in message and item_id in message
        assert json.loads(json.loads(detail)["raw"])["id"] == item_id  # nothing is lost: the raw item is kept
    assert errors["li_mojibake"][0] == "suspicious_text" and "Ã‰mile Zola" in errors["li_mojibake"][1]


def test_flatten_names_the_field_that_is_wrong():
    item = copy.deepcopy(fixture_items()[0])
    item["media"]["audioFiles"][0]["metaTags"] = ["not", "a", "dict"]
    with pytest.raises(MalformedItem, match=r"media\.audioFiles\[0\]\.metaTags is a list"):
        flatten_item(item, "r", warehouse.now())
    assert looks_mis_decoded("FranÃ§ois") and not looks_mis_decoded("Zoë Ãlvaro")


def test_an_unreachable_abs_fails_the_extract_with_the_url(abs_server, db_path):
    emu = abs_server()
    emu.call(emu.stop())
    with pytest.raises(AbsUnavailable, match=emu.url):
        run(emu, db_path)


@pytest.mark.flow
def test_extract_flow_completes_with_bad_items_and_records_its_run(
    prefect_harness, abs_server, abs_settings, db_path
):
    from flows.extract import extract_abs

    bad = bad_items()
    emu = abs_server(fixture_items() + [item for item, _ in bad.values()])
    abs_settings(emu)

    summary = extract_abs(db_path=str(db_path))

    assert (summary["extracted"], summary["error_count"]) == (10, len(bad))
    (status, counts) = rows(db_path, "SELECT status, counts FROM runs WHERE run_id = ?", [summary["run_id"]])[
        0
    ]
    assert status == "completed" and json.loads(counts)["errors"] == {"malformed_item": len(bad)}
    assert rows(db_path, "SELECT count(*) FROM errors WHERE run_id = ?", [summary["run_id"]]) == [(len(bad),)]
    assert "test-key" not in json.dumps(rows(db_path, "SELECT * FROM runs"), default=str)


def test_worker_processes_store_the_same_rows_as_inline_extraction(abs_server, tmp_path, monkeypatch):
    import tasks.extract.fetch

    monkeypatch.setattr(tasks.extract.fetch, "PARALLEL_FROM", 1)
    bad = bad_items()
    emu = abs_server(fixture_items() + [item for item, _ in bad.values()])
    snapshots = []
    for workers in (0, 2):
        db = tmp_path / f"w{workers}.duckdb"

        async def main(db=db, workers=workers):
            async with AbsClient(emu.url, "test-key", timeout=30, batch_size=4) as client:
                with warehouse.connect(db) as con:
                    return await extract(
                        client, con, "r", evidence_fn=default_evidence(None), workers=workers
                    )

        summary = asyncio.run(main())
        snapshots.append(
            (
                {
                    k: v
                    for k, v in summary.items()
                    if k not in ("abs_requests", "seconds", "preparing_peak_rss_mb")
                },
                rows(db, "SELECT * EXCLUDE (extracted_at) FROM abs_items ORDER BY item_id"),
                rows(db, "SELECT * FROM item_evidence ORDER BY ALL"),
                rows(db, "SELECT item_id, kind, message FROM errors ORDER BY item_id"),
            )
        )
    assert snapshots[0] == snapshots[1]
    assert snapshots[1][0]["extracted"] == 10 and snapshots[1][0]["errors"] == {"malformed_item": len(bad)}


def test_a_batch_answer_is_split_into_items_with_their_own_json_text():
    from tasks.extract.batch import split_batch

    items = fixture_items()[:3]
    body = json.dumps({"libraryItems": items}, indent=1).encode()
    pairs = split_batch(body)
    assert [item for item, _ in pairs] == items
    assert [json.loads(raw) for _, raw in pairs] == items
    assert split_batch(b'{"libraryItems": []}') == [] and split_batch(b'{"other": 1}') is None


@pytest.mark.flow
def test_the_extract_command_exits_1_with_a_clear_message_when_abs_is_down(
    prefect_harness, monkeypatch, db_path
):
    import socket

    from typer.testing import CliRunner

    from flows.cli import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setenv("SHELFMATCH_ABS_URL", url)
    monkeypatch.setenv("SHELFMATCH_ABS_API_KEY", "k")
    monkeypatch.setenv("SHELFMATCH_ABS_RETRIES", "0")

    result = CliRunner().invoke(app, ["extract", "--db", str(db_path)])

    assert result.exit_code == 1
    assert "Cannot reach ABS at " + url in result.output and "SHELFMATCH_ABS_URL" in result.output
    assert rows(db_path, "SELECT status FROM runs") == [("failed",)]


def extract_with_progress(emu, db_path, run_id="p", workers=0) -> tuple[dict, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []

    async def main():
        async with AbsClient(emu.url, "test-key", timeout=30, batch_size=4) as client:
            with warehouse.connect(db_path) as con:
                return await extract(
                    client,
                    con,
                    run_id,
                    evidence_fn=default_evidence(None),
                    workers=workers,
                    on_progress=lambda done, total: calls.append((done, total)),
                )

    return asyncio.run(main()), calls


@pytest.mark.parametrize("workers", [0, 2])
def test_progress_counts_every_item_asked_for_batch_by_batch_in_this_process(
    abs_server, db_path, monkeypatch, workers
):
    import tasks.extract.fetch

    monkeypatch.setattr(tasks.extract.fetch, "PARALLEL_FROM", 1)
    bad = bad_items()
    emu = abs_server(fixture_items() + [item for item, _ in bad.values()])
    n = 10 + len(bad)  # malformed items were asked for too: they count as done (as errors)

    summary, calls = extract_with_progress(emu, db_path, workers=workers)

    assert summary["fetched"] == n
    assert calls[0] == (0, n)  # the total is known as soon as the listing is planned
    assert {total for _, total in calls} == {n}
    steps = [b - a for (a, _), (b, _) in zip(calls, calls[1:], strict=False)]
    assert all(step > 0 for step in steps) and sum(steps) == n == calls[-1][0]
    assert len(steps) == -(-n // 4)  # one step per batch of 4


def test_progress_of_a_rerun_with_nothing_to_fetch_is_zero_of_zero(abs_server, db_path):
    emu = abs_server()
    extract_with_progress(emu, db_path)
    _, calls = extract_with_progress(emu, db_path, run_id="second")
    assert calls == [(0, 0)]


@pytest.mark.flow
def test_the_extract_flow_run_has_a_progress_artifact_at_100_percent(
    prefect_harness, abs_server, abs_settings, db_path
):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterType

    from flows.extract import extract_abs

    abs_settings(abs_server())
    state = extract_abs(db_path=str(db_path), return_state=True)
    assert state.is_completed(), state.message

    async def read():
        async with get_client() as client:
            flt = ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
                type=ArtifactFilterType(any_=["progress"]),
            )
            return await client.read_artifacts(artifact_filter=flt)

    (artifact,) = asyncio.run(read())
    assert float(artifact.data) == 100.0
    assert artifact.description == "ABS items fetched and flattened"
