"""The corpus generator: ABS 2.36 item shapes, known truth, determinism, profiles, scale."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from emulators.catalogue import load_catalogue
from emulators.corpus import PROFILES, generate_library, malformed_items, scanner_metadata
from tasks.evidence import evidence_for_item, read_file_tags
from tests.abs_recorded import FIXTURES, RECORDED, merged_shape


@pytest.fixture(scope="module")
def default_lib():
    return generate_library(1500, seed=3, profile="default")


def test_items_have_exactly_the_key_set_of_recorded_abs_items(default_lib):
    recorded, generated = merged_shape(RECORDED), merged_shape(default_lib.items)
    assert set(generated) == set(recorded)


def test_every_single_item_has_every_top_level_media_and_metadata_key():
    ref = RECORDED[0]
    for item in generate_library(300, seed=5, profile="hostile").items:
        assert list(item) == list(ref)
        assert list(item["media"]) == list(ref["media"])
        assert list(item["media"]["metadata"]) == list(ref["media"]["metadata"])
        for af in item["media"]["audioFiles"]:
            assert list(af) == list(ref["media"]["audioFiles"][0])
        for tr in item["media"]["tracks"]:
            assert list(tr) == list(ref["media"]["tracks"][0])


def test_value_types_agree_with_the_recorded_items(default_lib):
    # JSON has one number type: ABS sends an int where a float happens to be whole.
    norm = {"int": "number", "float": "number"}
    recorded, generated = merged_shape(RECORDED), merged_shape(default_lib.items)
    for key, types in generated.items():
        gen = {norm.get(t, t) for t in types - {"null"}}
        rec = {norm.get(t, t) for t in recorded[key] - {"null"}}
        if gen and rec:
            assert gen <= rec, key


def test_inos_are_strings_and_metatags_hold_only_non_empty_values(default_lib):
    for item in default_lib.items:
        assert isinstance(item["ino"], str)
        for af in item["media"]["audioFiles"]:
            assert isinstance(af["ino"], str)
            assert all(isinstance(v, str) and v for v in af["metaTags"].values())
            assert af["metaTags"]["tagEncoder"]


def test_derived_metadata_fields_follow_abs(default_lib):
    for item in default_lib.items:
        md = item["media"]["metadata"]
        assert md["authorName"] == ", ".join(a["name"] for a in md["authors"])
        assert md["narratorName"] == ", ".join(md["narrators"])
        expected_series = ", ".join(
            f"{s['name']} #{s['sequence']}" if s["sequence"] else s["name"] for s in md["series"]
        )
        assert md["seriesName"] == expected_series
        if md["title"] and md["title"].lower().startswith("the "):
            assert md["titleIgnorePrefix"].endswith(", The")
        assert all(s["sequence"] is None or isinstance(s["sequence"], str) for s in md["series"])
        assert item["media"]["numAudioFiles"] == len(item["media"]["audioFiles"])
        assert item["media"]["duration"] == pytest.approx(
            sum(a["duration"] for a in item["media"]["audioFiles"])
        )
        for track in item["media"]["tracks"]:
            assert track["contentUrl"] == f"/api/items/{item['id']}/file/{track['ino']}"


def test_the_same_seed_gives_the_same_library_and_another_seed_does_not():
    a = generate_library(200, seed=11, profile="default")
    b = generate_library(200, seed=11, profile="default")
    c = generate_library(200, seed=12, profile="default")
    assert json.dumps(a.items, sort_keys=True) == json.dumps(b.items, sort_keys=True)
    assert a.truth == b.truth and a.library == b.library
    assert [i["relPath"] for i in a.items] != [i["relPath"] for i in c.items]


def test_truth_points_at_the_catalogue_and_durations_follow_the_true_edition(default_lib):
    cat = load_catalogue()
    kinds = Counter(t.kind for t in default_lib.truth.values())
    assert kinds["matchable"] > 1000 and kinds["distractor"] > 50 and kinds["no_audio_edition"] > 0
    assert kinds["same_title_trap"] > 0
    for item in default_lib.items:
        t = default_lib.truth[item["id"]]
        if t.kind == "matchable":
            book = cat.by_id[t.book_id]
            edition = cat.editions[t.edition_id]
            assert book.goodbooks_id == t.goodbooks_id and edition.book_id == t.book_id
            assert edition.reading_format_id == 2
            assert item["media"]["duration"] == pytest.approx(edition.audio_seconds, rel=0.011)
        elif t.kind == "no_audio_edition":
            assert t.book_id in cat.by_id and t.edition_id is None and not cat.by_id[t.book_id].audio_editions
        else:
            assert t.book_id is None and t.edition_id is None and t.goodbooks_id is None


def test_distractors_are_not_catalogue_books_and_traps_borrow_a_real_title(default_lib):
    cat = load_catalogue()
    authors = set(cat.author_ids)
    for item in default_lib.items:
        t = default_lib.truth[item["id"]]
        if t.kind not in ("distractor", "same_title_trap"):
            continue
        files = item["media"]["audioFiles"]
        # Folders, file names and tags name invented people (ABS metadata may be wrong on purpose).
        claimed = [e.value for e in evidence_for_item(item) if e.field == "author" and e.source != "abs"]
        assert not (set(claimed) & authors), (item["relPath"], claimed)
        if t.kind == "same_title_trap":
            borrowed = cat.by_id[default_lib.traits[item["id"]]["borrowed_book_id"]]
            said = {e.value for e in evidence_for_item(item) if e.field == "title"}
            if default_lib.traits[item["id"]]["scheme"] != "garbage" or files[0]["metaTags"].get("tagAlbum"):
                assert borrowed.title in said or any(borrowed.title in v for v in said), (
                    item["relPath"],
                    said,
                )


def test_profiles_differ_in_the_direction_their_names_promise():
    def stats(profile):
        lib = generate_library(800, seed=2, profile=profile)
        kinds = Counter(t.kind for t in lib.truth.values())
        traits = Counter((k, v) for tr in lib.traits.values() for k, v in tr.items())
        n = len(lib.items)
        return {
            "distractors": (kinds["distractor"] + kinds["same_title_trap"]) / n,
            "good_metadata": traits[("metadata", "good")] / n,
            "no_tags": traits[("tags", "none")] / n,
            "garbage": traits[("scheme", "garbage")] / n,
        }

    clean, default, hostile = stats("clean"), stats("default"), stats("hostile")
    assert clean["distractors"] < default["distractors"] < hostile["distractors"]
    assert clean["good_metadata"] > default["good_metadata"] > hostile["good_metadata"]
    assert clean["no_tags"] < default["no_tags"] < hostile["no_tags"]
    assert clean["garbage"] <= default["garbage"] < hostile["garbage"]


def test_library_mixes_the_naming_schemes_tag_levels_and_metadata_qualities(default_lib):
    traits = Counter((k, v) for tr in default_lib.traits.values() for k, v in tr.items())
    for scheme in PROFILES["default"].schemes:
        assert traits[("scheme", scheme)] > 0, scheme
    for level in ("full", "partial", "none"):
        assert traits[("tags", level)] > 0
    for quality in ("good", "partial", "wrong", "empty"):
        assert traits[("metadata", quality)] > 0
    rel_paths = [i["relPath"] for i in default_lib.items]
    assert any("/CD1/" in f["metadata"]["path"] for i in default_lib.items for f in i["media"]["audioFiles"])
    assert any(i["isFile"] for i in default_lib.items)
    assert any(" - " in p and "/" not in p for p in rel_paths)
    assert any(
        f["metaTags"].get("tagArtist", "").count(",") == 1
        for i in default_lib.items
        for f in i["media"]["audioFiles"]
    )  # "Collins, Suzanne" forms


def test_empty_metadata_is_what_the_abs_scanner_would_show(default_lib):
    checked = 0
    for item in default_lib.items:
        if default_lib.traits[item["id"]]["metadata"] != "empty":
            continue
        md = item["media"]["metadata"]
        scanned = scanner_metadata(
            item["relPath"], item["isFile"], item["media"]["audioFiles"][0]["metaTags"]
        )
        assert md["title"] == scanned["title"]
        assert [a["name"] for a in md["authors"]] == scanned["authors"]
        checked += 1
    assert checked > 100


def test_scanner_metadata_reproduces_the_recorded_throne_of_jade_and_hunger_games():
    for fixture in ("Throne_of_Jade", "Hunger_Games__The", "The_Colour_of_Magic", "Good_Omens"):
        item = json.loads((FIXTURES / f"get_item_expanded_{fixture}.json").read_text())["response"]
        md = item["media"]["metadata"]
        scanned = scanner_metadata(
            item["relPath"], item["isFile"], item["media"]["audioFiles"][0]["metaTags"]
        )
        assert scanned["title"] == md["title"]
        assert sorted(scanned["authors"]) == sorted(a["name"] for a in md["authors"])
        assert scanned["narrators"] == md["narrators"]
        assert [list(s) for s in scanned["series"]] == [[s["name"], s["sequence"]] for s in md["series"]]
        assert scanned["asin"] == md["asin"]


def test_fifty_thousand_items_are_distinct():
    lib = generate_library(50_000, seed=0, profile="default")
    assert len(lib.items) == 50_000
    ids = {i["id"] for i in lib.items}
    paths = {i["path"] for i in lib.items}
    inos = [i["ino"] for i in lib.items] + [
        f["ino"] for i in lib.items for f in i["media"]["audioFiles"] if not i["isFile"]
    ]
    assert len(ids) == len(paths) == 50_000
    assert len(set(inos)) == len(inos)
    # Book copies beyond the catalogue's size are told apart by their folders.
    assert Counter(t.book_id for t in lib.truth.values() if t.book_id).most_common(1)[0][1] >= 5


def test_audio_root_gets_real_tagged_files_that_the_path_map_reaches(tmp_path):
    lib = generate_library(12, seed=4, profile="clean", audio_root=tmp_path / "lib")
    assert lib.path_map == {"/audiobooks": str(tmp_path / "lib")}
    tagged = 0
    for item in lib.items:
        for af in item["media"]["audioFiles"]:
            local = tmp_path / "lib" / af["metadata"]["path"][len("/audiobooks/") :]
            assert local.is_file() and local.stat().st_size == af["metadata"]["size"]
            tags = read_file_tags(local)
            for key in ("tagAlbum", "tagArtist", "tagComposer", "tagASIN"):
                if key in af["metaTags"]:
                    assert tags[key] == af["metaTags"][key]
                    tagged += 1
    assert tagged > 5


def test_malformed_items_each_carry_one_named_defect_and_a_valid_id():
    bad = malformed_items(20, seed=1)
    assert len(bad) == 20 and len({b["id"] for b in bad}) == 20
    defects = Counter(b["_defect"] for b in bad)
    assert len(defects) == 15
    for b in bad:
        assert isinstance(b["updatedAt"], int)
    by = {b["_defect"]: b for b in bad}
    assert "media" not in by["missing_media"]
    assert len(by["huge_title"]["media"]["metadata"]["title"]) == 10_000
    assert "\udcff" in by["lone_surrogates"]["media"]["metadata"]["title"]
    assert None in by["null_in_authors"]["media"]["metadata"]["authors"]


@pytest.mark.audio
def test_speech_audio_speaks_the_true_books_credits(tmp_path):
    import mutagen

    lib = generate_library(
        1, seed=8, profile="hostile", audio_root=tmp_path / "lib", audio="speech", audio_seconds=2
    )
    item = lib.items[0]
    first = item["media"]["audioFiles"][0]
    local = tmp_path / "lib" / first["metadata"]["path"][len("/audiobooks/") :]
    assert mutagen.File(local).info.length > 4  # credits + prose, not a second of silence
    facts = lib.facts[item["id"]]
    if lib.truth[item["id"]].book_id is not None:
        assert facts.title == load_catalogue().by_id[lib.truth[item["id"]].book_id].title
    tags = {k for k in first["metaTags"] if k not in ("tagEncoder", "tagTrack", "tagDisc")}
    assert set(read_file_tags(local)) == tags  # speech files carry exactly the tags ABS reported


def test_items_added_to_an_existing_library_share_its_folder():
    a = generate_library(5, seed=1)
    b = generate_library(5, seed=2, library_id=a.library["id"])
    assert {i["folderId"] for i in a.items + b.items} == {a.library["folders"][0]["id"]}
    assert {i["libraryId"] for i in b.items} == {a.library["id"]}


def test_generated_items_flatten_cleanly_and_malformed_ones_are_refused_with_a_reason():
    """The extract step's own validator is the judge: good items pass, each bad one names its fault."""
    from tasks import warehouse
    from tasks.extract.flatten import default_evidence, flatten_item
    from tasks.extract.validate import MalformedItem

    evidence = default_evidence(None)
    for item in generate_library(400, seed=6, profile="hostile").items:
        flat = flatten_item(item, "run", warehouse.now(), evidence)
        assert not flat.problems and flat.evidence, item["relPath"]
    refused = 0
    for item in malformed_items(15, seed=0):
        defect = item.pop("_defect")
        try:
            flat = flatten_item(item, "run", warehouse.now(), evidence)
        except MalformedItem as exc:
            refused += 1
            assert str(exc), defect
        else:
            assert flat.problems, defect  # accepted only with a recorded problem (mis-decoded text)
    assert refused >= 13
