"""Writeback brings an approved item to its book's values (`update`), leaves what a person changed in
ABS, sets the book's cover, and rollback puts every value and the very cover bytes back.

Against the ABS emulator (recorded ABS 2.36.0 items) and the Hardcover emulator's image CDN, with a real
DuckDB file, through the flows and the `shelfmatch` command line.
"""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest
from typer.testing import CliRunner

from emulators.catalogue import cover_bytes
from emulators.cover_images import cover_png
from emulators.hc_tables import hc_table_rows
from flows.cli import app
from flows.rollback import rollback
from flows.writeback import writeback
from tasks.warehouse import connect, fetch_dicts
from tests.writeback_data import extract, library_fixture, metadata_json  # noqa: F401

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
runner = CliRunner()

SCENE_TITLE = "The Hunger Games (Unabridged) 64kbps"
FOLDER_AUTHOR = "Audiobooks"


@pytest.fixture(name="covered")
def covered_library(library, hc_server, db_path):
    """The decided library, its books' cover image URLs on the Hardcover emulator's image CDN."""
    emu, by_title, books = library
    base = hc_server.url.removesuffix("/v1/graphql")
    rows = hc_table_rows(list({b.book_id: b for b in books.values()}.values()), image_base=base)
    with connect(db_path) as con:
        for r in rows["hc_books"]:
            con.execute("UPDATE hc_books SET image_url = ? WHERE book_id = ?", [r["image_url"], r["book_id"]])
        for r in rows["hc_editions"]:
            con.execute(
                "UPDATE hc_editions SET image_url = ? WHERE edition_id = ?", [r["image_url"], r["edition_id"]]
            )
    return emu, by_title, books


def covers(emu) -> dict[str, tuple[str | None, str | None]]:
    """item -> (coverPath, sha256 of the bytes ABS serves for it)."""
    out = {}
    for item_id, item in emu.items.items():
        path = item["media"].get("coverPath")
        data = emu.server_files.get(path) if path else None
        out[item_id] = (path, hashlib.sha256(data).hexdigest() if data else None)
    return out


def expected_cover(book) -> bytes | None:
    edition = book.default_audio_edition
    return (edition and cover_bytes("editions", edition.edition_id)) or cover_bytes("books", book.book_id)


def plan_rows(db_path, run_id: str) -> list[dict]:
    with connect(db_path) as con:
        return fetch_dicts(
            con, "SELECT * FROM writeback_plans WHERE run_id = ? ORDER BY item_id, field", [run_id]
        )


async def test_a_scene_release_title_and_a_folder_name_author_are_corrected_and_rollback_restores_them(
    covered, db_path
):
    emu, by_title, books = covered
    hunger = by_title["Hunger Games, The"]  # tier auto: approved by the tier
    emu.touch(hunger, title=SCENE_TITLE, authors=[{"id": "au_folder", "name": FOLDER_AUTHOR}])
    await extract(db_path)
    original, original_covers = metadata_json(emu), covers(emu)

    dry = await writeback(db_path=str(db_path))
    rows = {r["field"]: r for r in plan_rows(db_path, dry["run_id"]) if r["item_id"] == hunger}
    assert (json.loads(rows["title"]["before"]), json.loads(rows["title"]["after"])) == (
        SCENE_TITLE,
        "The Hunger Games",
    )
    assert rows["title"]["policy"] == "update" and rows["title"]["reason"] == "differs from the matched book"
    assert json.loads(rows["authors"]["after"]) == ["Suzanne Collins"]
    assert (rows["title"]["item_title"], rows["title"]["item_author"]) == (SCENE_TITLE, FOLDER_AUTHOR)

    applied = await writeback(apply=True, db_path=str(db_path))
    assert applied["mismatch"] == applied["refused"] == applied["failed"] == 0
    meta = emu.items[hunger]["media"]["metadata"]
    book = books["Hunger Games, The"]
    assert meta["title"] == "The Hunger Games"
    assert [a["name"] for a in meta["authors"]] == list(book.authors)
    assert meta["narrators"] == list(book.default_audio_edition.narrators)
    assert [(s["name"], s["sequence"]) for s in meta["series"]] == [(book.series_name, f"{book.position:g}")]
    assert meta["publishedYear"] == str(book.release_year)  # the book's first publication year
    assert meta["asin"] == book.default_audio_edition.asin

    # Covers: every approved item without one now has its book's image, read back byte for byte.
    approved_with_image = [
        i
        for t, i in by_title.items()
        if t in books and expected_cover(books[t]) and i in applied_items(db_path)
    ]
    assert applied["covers_set"] == applied["covers_verified"] == len(approved_with_image) > 0
    for item_id in approved_with_image:
        title = next(t for t, i in by_title.items() if i == item_id)
        path = emu.items[item_id]["media"]["coverPath"]
        assert path == f"/metadata/items/{item_id}/cover.png"
        assert emu.server_files[path] == expected_cover(books[title])

    undone = await rollback(run_id=applied["run_id"], db_path=str(db_path))
    assert undone["conflict_count"] == 0 and undone["mismatch"] == 0
    assert metadata_json(emu) == original
    assert covers(emu) == original_covers


def applied_items(db_path) -> set[str]:
    with connect(db_path) as con:
        rows = con.execute("SELECT DISTINCT item_id FROM writeback_log WHERE status = 'verified'").fetchall()
    return {r[0] for r in rows}


async def test_a_field_a_person_fixed_after_the_sync_is_left_while_the_others_are_corrected(library, db_path):
    emu, by_title, books = library
    hunger = by_title["Hunger Games, The"]
    emu.touch(hunger, title=SCENE_TITLE)
    await extract(db_path)
    emu.touch(hunger, narrators=["A Person's Choice"])  # fixed by hand after the sync

    applied = await writeback(apply=True, db_path=str(db_path))
    meta = emu.items[hunger]["media"]["metadata"]
    assert meta["narrators"] == ["A Person's Choice"]
    assert meta["title"] == "The Hunger Games"  # a person fixed the narrator: the title is still ours
    assert applied["conflicts"] == 1 and applied["held_items"] == 0
    conflict = [r for r in plan_rows(db_path, applied["run_id"]) if r["action"] == "conflict"]
    assert [(r["item_id"], r["field"]) for r in conflict] == [(hunger, "narrators")]
    assert "since shelfmatch last read it" in conflict[0]["reason"]

    # --force writes the book's value over the person's.
    forced = await writeback(apply=True, force=True, db_path=str(db_path))
    assert forced["conflicts"] == 0
    assert emu.items[hunger]["media"]["metadata"]["narrators"] == list(
        books["Hunger Games, The"].default_audio_edition.narrators
    )


async def test_a_value_a_person_changes_after_our_write_is_left_even_after_a_sync_reads_it(
    library, db_path, monkeypatch
):
    emu, by_title, _ = library
    hitch = by_title["The Hitchhiker's Guide to the Galaxy"]
    await extract(db_path)
    await writeback(apply=True, db_path=str(db_path))
    emu.touch(hitch, publisher="My Own Publisher")  # a person disagrees with our write
    await extract(db_path)

    dry = await writeback(db_path=str(db_path))
    conflict = [r for r in plan_rows(db_path, dry["run_id"]) if r["action"] == "conflict"]
    assert [(r["item_id"], r["field"]) for r in conflict] == [(hitch, "publisher")]
    assert "after shelfmatch wrote it" in conflict[0]["reason"]
    again = await writeback(apply=True, db_path=str(db_path))
    assert again["planned_fields"] == 0 and again["conflicts"] == 1
    assert emu.items[hitch]["media"]["metadata"]["publisher"] == "My Own Publisher"

    from flows import cli_review

    monkeypatch.setattr(cli_review.console, "width", 300)  # one table row per line, as on a wide terminal
    result = await asyncio.to_thread(runner.invoke, app, ["writeback"])  # the command runs its own loop
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "The Hitchhiker's Guide to the Galaxy — Douglas Adams" in text
    assert "after shelfmatch wrote it" in text and "1 field(s) a person changed in ABS left alone" in text


async def test_under_update_a_cover_is_replaced_with_its_bytes_kept_and_rollback_puts_the_very_image_back(
    covered, db_path, monkeypatch
):
    emu, by_title, books = covered
    hitch = by_title["The Hitchhiker's Guide to the Galaxy"]
    own = cover_png("a person's own cover")
    path = f"/metadata/items/{hitch}/cover.png"
    emu.server_files[path] = own
    emu.items[hitch]["media"]["coverPath"] = path
    emu.touch(hitch)
    await extract(db_path)

    dry = await writeback(db_path=str(db_path))  # the default for covers is fill_missing: it keeps this one
    planned_covers = {r["item_id"] for r in plan_rows(db_path, dry["run_id"]) if r["field"] == "cover"}
    assert planned_covers and hitch not in planned_covers

    monkeypatch.setenv("SHELFMATCH_WRITEBACK_POLICY", '{"cover": "update"}')
    replaced = await writeback(apply=True, db_path=str(db_path))
    new_path = emu.items[hitch]["media"]["coverPath"]
    assert emu.server_files[new_path] == expected_cover(books["The Hitchhiker's Guide to the Galaxy"])
    with connect(db_path) as con:
        stored = con.execute(
            "SELECT bytes FROM cover_images WHERE sha256 = ?", [hashlib.sha256(own).hexdigest()]
        ).fetchone()
    assert bytes(stored[0]) == own

    again = await writeback(apply=True, db_path=str(db_path))  # the same image: nothing sent
    assert again["covers_set"] == 0 and again["already_equal"] > 0

    await rollback(run_id=replaced["run_id"], db_path=str(db_path))
    assert emu.items[hitch]["media"]["coverPath"] == path
    assert emu.server_files[path] == own


async def test_the_dry_run_artifact_shows_the_head_of_the_plan_by_title_and_author(library, db_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterType

    emu, by_title, _ = library
    emu.touch(by_title["Hunger Games, The"], title=SCENE_TITLE, authors=[{"name": FOLDER_AUTHOR}])
    await extract(db_path)
    state = await writeback(db_path=str(db_path), return_state=True)
    async with get_client() as client:
        flt = ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            type=ArtifactFilterType(any_=["markdown"]),
        )
        (artifact,) = await client.read_artifacts(artifact_filter=flt)
    text = artifact.data
    assert "## The plan" in text
    assert (
        f"| {SCENE_TITLE} — {FOLDER_AUTHOR} | title | {SCENE_TITLE} → The Hunger Games | update | write |"
        in text
    )
    assert f"| {SCENE_TITLE} — {FOLDER_AUTHOR} | authors | {FOLDER_AUTHOR} → Suzanne Collins |" in text
