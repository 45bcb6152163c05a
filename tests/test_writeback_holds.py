"""Writeback writes an item only from what the last sync read of it, and an approval only for the evidence
it was made on: the held items are listed with the plan, stored in `writeback_holds`, and never sent.

Against the ABS emulator (and, for the approve → change → sync drill, the Hardcover emulator and the
real sync flow), with a real DuckDB file, through the `shelfmatch` command line.
"""

from __future__ import annotations

import copy

import pytest
from typer.testing import CliRunner

from emulators.catalogue import load_catalogue
from flows.cli import app
from tasks.warehouse import connect, fetch_dicts
from tests.writeback_data import delivered_writes, library_fixture, metadata_json  # noqa: F401

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]
runner = CliRunner()


def flat(output: str) -> str:
    return " ".join(output.split())


def last_writeback(db_path) -> str:
    with connect(db_path) as con:
        return con.execute(
            "SELECT run_id FROM runs WHERE flow = 'writeback' ORDER BY started_at DESC LIMIT 1"
        ).fetchone()[0]


def holds(db_path, run_id: str) -> dict[str, dict]:
    with connect(db_path) as con:
        rows = fetch_dicts(con, "SELECT * FROM writeback_holds WHERE run_id = ?", [run_id])
    return {r["item_id"]: r for r in rows}


def planned_items(db_path, run_id: str) -> set[str]:
    with connect(db_path) as con:
        rows = con.execute("SELECT DISTINCT item_id FROM writeback_plans WHERE run_id = ?", [run_id])
        return {r[0] for r in rows.fetchall()}


def journaled_items(db_path, run_id: str) -> set[str]:
    with connect(db_path) as con:
        rows = con.execute("SELECT DISTINCT item_id FROM writeback_log WHERE run_id = ?", [run_id])
        return {r[0] for r in rows.fetchall()}


def apply(*extra: str) -> tuple[str, str]:
    result = runner.invoke(app, ["writeback", "--apply", *extra])
    assert result.exit_code == 0, result.output
    return flat(result.output), result.output


def dry_run() -> str:
    result = runner.invoke(app, ["writeback"])
    assert result.exit_code == 0, result.output
    return flat(result.output)


def test_an_approval_made_on_other_evidence_is_held_after_the_item_changes_in_abs_and_sync_runs(
    abs_server, abs_settings, hc_server, db_path
):
    from flows.sync import sync

    emu = abs_server(record_bodies=True)
    abs_settings(emu)
    by_title = {it["media"]["metadata"]["title"]: it["id"] for it in emu.items.values()}
    changed, kept = by_title["The Final Empire"], by_title["Part 1"]
    sync(db_path=str(db_path), skip_listen=True)
    for item_id in (changed, kept):
        result = runner.invoke(app, ["approve", item_id, "--by", "tester"])
        assert result.exit_code == 0, result.output
    dry_run()
    assert {changed, kept} <= planned_items(db_path, last_writeback(db_path))  # both would be written now

    # In ABS the item becomes another book (a person re-tags it, or the folder now holds another one).
    other = next(b for b in load_catalogue().books[300:] if b.default_audio_edition is not None)
    emu.touch(
        changed,
        title=other.title,
        subtitle=None,
        authors=[{"id": "au_other", "name": other.authors[0]}],
        series=[],
        narrators=[],
        publisher=None,
        publishedYear=None,
        language=None,
        asin=None,
        isbn=None,
    )
    sync(db_path=str(db_path), skip_listen=True)
    with connect(db_path) as con:
        decided, current = con.execute(
            "SELECT d.evidence_hash, m.evidence_hash FROM review_decisions d JOIN matches m USING (item_id) "
            "WHERE item_id = ?",
            [changed],
        ).fetchone()
    assert decided != current
    before = metadata_json(emu)

    text, _ = apply()
    run_id = last_writeback(db_path)
    assert f"held — evidence changed since approval; review it again (shelfmatch review): {changed}" in text
    assert changed not in delivered_writes(emu)
    assert metadata_json(emu)[changed] == before[changed]
    held = holds(db_path, run_id)
    assert (held[changed]["hold"], held[changed]["approval"]) == ("evidence_changed", "approved")
    assert changed not in planned_items(db_path, run_id) | journaled_items(db_path, run_id)
    # The approval made on unchanged evidence is written in the same run.
    assert kept in delivered_writes(emu) and kept not in held


def test_an_item_the_latest_extract_could_not_read_is_held_even_with_force(library, db_path):
    emu, by_title, _ = library
    dune = by_title["Dune - Frank Herbert (Unabridged)"]
    extract_now(db_path)
    dry_run()
    assert dune in planned_items(db_path, last_writeback(db_path))  # it would be written now

    emu.touch(dune, title="Dune " * 250)  # a corrupt tag: extract refuses it and keeps the old row
    extract_now(db_path)
    with connect(db_path) as con:
        kinds = [r[0] for r in con.execute("SELECT kind FROM errors WHERE item_id = ?", [dune]).fetchall()]
    assert kinds == ["malformed_item"]
    before = metadata_json(emu)

    for extra in ((), ("--force",)):
        text, _ = apply(*extra)
        run_id = last_writeback(db_path)
        assert "held — the latest extract could not read it, so the warehouse holds an older state" in text
        assert holds(db_path, run_id)[dune]["hold"] == "extract_failed"
        assert "malformed_item" in holds(db_path, run_id)[dune]["reason"]
        assert dune not in delivered_writes(emu)
        assert metadata_json(emu)[dune] == before[dune]
    assert by_title["Part 1"] in delivered_writes(emu)  # the other approved items were written

    # Once ABS holds a readable item again and sync reads it, the approval's evidence decides.
    emu.touch(dune, title="Dune")
    extract_now(db_path)
    dry_run()
    assert dune not in holds(db_path, last_writeback(db_path))


def test_an_item_removed_at_the_last_sync_is_held_even_when_abs_answers_for_it(library, db_path):
    emu, by_title, _ = library
    hunger = by_title["Hunger Games, The"]  # tier auto, no decision: approved by the tier
    extract_now(db_path)
    everything = list(emu.items.values())
    emu.set_items([it for it in everything if it["id"] != hunger])  # its folder is moved away
    extract_now(db_path)
    emu.set_items(everything)  # and back, after the sync
    before = metadata_json(emu)

    text = dry_run()
    assert f"held — removed from ABS (gone at the last sync): {hunger}" in text
    text, _ = apply()
    held = holds(db_path, last_writeback(db_path))
    assert (held[hunger]["hold"], held[hunger]["approval"]) == ("removed", "auto")
    assert hunger not in delivered_writes(emu)
    assert metadata_json(emu)[hunger] == before[hunger]
    assert "held — removed from ABS" in text


def test_an_item_abs_marks_missing_is_held_whether_the_sync_saw_it_or_abs_says_so_now(library, db_path):
    emu, by_title, _ = library
    dune, part1 = by_title["Dune - Frank Herbert (Unabridged)"], by_title["Part 1"]
    emu.items[dune]["isMissing"] = True  # its files vanished before the sync
    emu.touch(dune)
    extract_now(db_path)
    emu.items[part1]["isMissing"] = True  # its files vanish after the sync
    emu.touch(part1)
    before = metadata_json(emu)

    text, _ = apply()
    held = holds(db_path, last_writeback(db_path))
    assert held[dune]["hold"] == held[part1]["hold"] == "missing_files"
    assert f"held — ABS marks the item missing (its files are gone): {dune}" in text
    for item_id in (dune, part1):
        assert item_id not in delivered_writes(emu)
        assert metadata_json(emu)[item_id] == before[item_id]
    assert by_title["Hunger Games, The"] in delivered_writes(emu)


def test_an_item_changed_in_abs_since_the_last_sync_is_held_unless_forced(library, db_path):
    emu, by_title, _ = library
    dune = by_title["Dune - Frank Herbert (Unabridged)"]
    extract_now(db_path)
    emu.touch(dune, title="Dune: Book One")  # a person edits it in ABS after the sync
    edited = copy.deepcopy(emu.items[dune]["media"]["metadata"])

    text, _ = apply()
    run_id = last_writeback(db_path)
    assert f"held — changed in ABS since the last sync; run sync first (or writeback --force): {dune}" in text
    assert holds(db_path, run_id)[dune]["hold"] == "changed_in_abs"
    assert dune not in delivered_writes(emu) and emu.items[dune]["media"]["metadata"] == edited
    written = set(delivered_writes(emu))
    assert by_title["Part 1"] in written

    text, _ = apply("--force")
    assert dune in delivered_writes(emu)
    assert dune not in holds(db_path, last_writeback(db_path))
    # --force writes the book's values over the person's, planned against ABS now.
    assert emu.items[dune]["media"]["metadata"]["title"] == "Dune"

    # shelfmatch's own writes bumped updatedAt in ABS: they are not taken for changes made in ABS.
    n = len(delivered_writes(emu))
    text, _ = apply()
    assert holds(db_path, last_writeback(db_path)) == {}
    assert len(delivered_writes(emu)) == n


def extract_now(db_path) -> None:
    """The real extract flow, from a sync test."""
    from flows.extract import extract_abs

    extract_abs(db_path=str(db_path))
