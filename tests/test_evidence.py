"""evidence_for_item: every source for one ABS item, robust to bad items, files read only when mapped."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from emulators.audio import corrupt_file
from emulators.catalogue import load_catalogue
from emulators.corpus import generate_library, malformed_items
from tasks.evidence import Evidence, TagReadError, evidence_for_item
from tasks.normalise import normalise_title
from tasks.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "emulators" / "data" / "abs-2.36.0"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"get_item_expanded_{name}.json").read_text())["response"]


def _by_source(rows: list[Evidence]) -> dict[str, set[tuple]]:
    out: dict[str, set[tuple]] = {}
    for e in rows:
        out.setdefault(e.source, set()).add((e.field, e.value, e.rule))
    return out


def test_hunger_games_item_gives_abs_path_filename_and_tag_evidence():
    rows = evidence_for_item(_fixture("Hunger_Games__The"))
    by = _by_source(rows)
    assert {
        ("title", "Hunger Games, The", "abs.metadata"),
        ("author", "Suzanne Collins", "abs.metadata"),
        ("asin", "B002UZJGYY", "abs.metadata"),
    } <= by["abs"]
    assert {
        ("title", "Suzanne Collins - The Hunger Games", "abs.title_folder"),
        ("asin", "B002UZJGYY", "abs.asin"),
        ("author", "Suzanne Collins", "scheme.author_dash_title"),
        ("title", "The Hunger Games", "scheme.author_dash_title"),
    } <= by["path"]
    assert by["filename"] == {("title", "The Hunger Games", "filename.stem")}
    assert by["tags"] == {
        ("title", "Hunger Games, The", "tags.abs_metatags"),
        ("author", "Suzanne Collins", "tags.abs_metatags"),
    }


def test_multi_author_and_series_rows_keep_their_order_in_ordinal():
    rows = evidence_for_item(_fixture("Good_Omens"))
    abs_authors = sorted((e.ordinal, e.value) for e in rows if e.source == "abs" and e.field == "author")
    assert abs_authors == [(0, "Neil Gaiman"), (1, "Terry Pratchett")]
    rows = evidence_for_item(_fixture("Throne_of_Jade"))
    series = {
        (e.field, e.ordinal, e.value) for e in rows if e.source == "abs" and e.field in ("series", "sequence")
    }
    assert series == {("series", 0, "Temeraire"), ("sequence", 0, "2")}
    assert ("year", "2006") in {(e.field, e.value) for e in rows if e.source == "abs"}
    abs_rows = {(e.field, e.value) for e in rows if e.source == "abs"}
    assert ("date", "2006-04-25") in abs_rows
    assert ("description", "A long description from desc.txt") in abs_rows


def test_track_only_file_names_give_no_filename_evidence():
    for fixture in ("incoming", "The_Final_Empire", "Part_1", "Good_Omens"):
        assert not [e for e in evidence_for_item(_fixture(fixture)) if e.source == "filename"], fixture


def test_first_audio_file_is_the_one_with_index_one():
    item = _fixture("The_Final_Empire")
    item["media"]["audioFiles"].reverse()  # listed out of order; ABS's index decides
    tags = {e.value for e in evidence_for_item(item) if e.source == "tags" and e.field == "title"}
    assert tags == {"The Final Empire"}


def test_names_of_one_disc_give_disc_rows_and_others_none():
    """A freedb album 'Title (Disc 3)' in the tags and ABS's title, and a box-label folder 'Disc 3 of 12',
    each give a `disc` row of their source; an item named for no disc gives none."""
    item = _fixture("The_Final_Empire")
    item["relPath"] = "Brandon Sanderson/The Final Empire/Disc 3 of 12"
    item["media"]["metadata"]["title"] = "The Final Empire (Disc 3)"
    item["media"]["audioFiles"][0]["metaTags"]["tagAlbum"] = "The Final Empire (Disc 3)"
    discs = {(e.source, e.value) for e in evidence_for_item(item) if e.field == "disc"}
    assert discs == {("abs", "3"), ("tags", "3"), ("path", "3/12")}
    assert not [e for e in evidence_for_item(_fixture("Throne_of_Jade")) if e.field == "disc"]


def test_every_value_is_a_non_empty_stripped_string():
    lib = generate_library(300, seed=9, profile="hostile")
    for item in lib.items:
        for e in evidence_for_item(item):
            assert isinstance(e.value, str) and e.value == e.value.strip() and e.value
            assert e.source in ("abs", "path", "filename", "tags") and e.rule


def test_malformed_items_give_fewer_rows_or_a_value_error_never_a_crash():
    outcomes = {}
    for item in malformed_items(15, seed=2):
        defect = item.pop("_defect")
        try:
            rows = evidence_for_item(item)
        except ValueError as exc:
            outcomes[defect] = f"ValueError: {exc}"
        else:
            outcomes[defect] = len(rows)
            assert all(isinstance(e.value, str) for e in rows)
    # Only an item with nothing to parse is refused, and the message says which item and why.
    refused = {d: o for d, o in outcomes.items() if isinstance(o, str)}
    assert list(refused) == ["relpath_missing"] and "has no relPath or path" in refused["relpath_missing"]
    assert outcomes["missing_media"] > 0 and outcomes["huge_title"] > 0


def test_clearly_invalid_input_is_a_value_error():
    with pytest.raises(ValueError, match="must be a dict"):
        evidence_for_item(["not", "an", "item"])  # type: ignore[arg-type]


def test_file_tags_are_read_only_through_the_path_map(tmp_path):
    lib = generate_library(6, seed=4, profile="clean", audio_root=tmp_path / "lib")
    item = next(i for i in lib.items if i["media"]["audioFiles"][0]["metaTags"].get("tagArtist"))
    unmapped = evidence_for_item(item, Settings())
    assert not [e for e in unmapped if (e.rule or "").startswith("tags.file.")]
    mapped = evidence_for_item(item, Settings(path_map=lib.path_map))
    ext = item["media"]["audioFiles"][0]["metadata"]["ext"].lstrip(".")
    file_rows = {(e.field, e.value) for e in mapped if e.rule == f"tags.file.{ext}"}
    meta_rows = {(e.field, e.value) for e in mapped if e.rule == "tags.abs_metatags"}
    assert file_rows and file_rows == meta_rows  # the file says what ABS read from it at scan time


def test_an_unreadable_mapped_file_is_reported_and_the_rest_kept(tmp_path):
    lib = generate_library(3, seed=4, profile="clean", audio_root=tmp_path / "lib")
    item = copy.deepcopy(lib.items[0])
    first = item["media"]["audioFiles"][0]
    local = tmp_path / "lib" / first["metadata"]["path"][len("/audiobooks/") :]
    corrupt_file(local, ext_like=local.suffix)
    settings = Settings(path_map=lib.path_map)
    with pytest.raises(TagReadError, match=str(local)):
        evidence_for_item(item, settings)
    problems: list[TagReadError] = []
    rows = evidence_for_item(item, settings, problems=problems)
    assert [p.path for p in problems] == [str(local)]
    assert {e.source for e in rows} >= {"abs", "path"}


def test_on_a_clean_library_the_true_title_is_almost_always_in_the_evidence():
    cat = load_catalogue()
    lib = generate_library(400, seed=21, profile="clean")
    found = total = 0
    for item in lib.items:
        truth = lib.truth[item["id"]]
        if truth.book_id is None:
            continue
        total += 1
        want = normalise_title(cat.by_id[truth.book_id].title)
        said = {
            normalise_title(e.value)
            for e in evidence_for_item(item)
            if e.field == "title" and e.source != "abs"
        }
        found += want in said
    assert found / total > 0.9, f"{found}/{total}"
