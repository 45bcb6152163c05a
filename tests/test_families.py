"""Generator families: the corpus contract, known truth, determinism, the conventions each family
claims, the frozen-family protocol, and independence from the product's code."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from emulators.abs_scanner import parse_name_string
from emulators.catalogue import load_catalogue
from emulators.corpus import generate_library
from emulators.families import (
    DEVELOPMENT_SEEDS,
    FAMILIES,
    FROZEN_SEEDS,
    TRAINING_SEEDS,
    generate,
    seeds,
)
from tests.abs_recorded import RECORDED, merged_shape

ROOT = Path(__file__).resolve().parent.parent
NEW = ["libation", "readarr", "scene", "tagger", "archive", "lending", "discs", "stores", "converters"]


def _seed(family: str, k: int = 0) -> int:
    return (FROZEN_SEEDS if FAMILIES[family].frozen else DEVELOPMENT_SEEDS)[k]


@pytest.fixture(scope="module")
def libs():
    return {f: generate(f, 1500, _seed(f)) for f in NEW}


@pytest.mark.parametrize("family", NEW)
def test_items_have_the_fixtures_key_set_and_types(libs, family):
    norm = {"int": "number", "float": "number"}
    recorded, generated = merged_shape(RECORDED), merged_shape(libs[family].items)
    assert set(generated) == set(recorded)
    for key, types in generated.items():
        gen = {norm.get(t, t) for t in types - {"null"}}
        rec = {norm.get(t, t) for t in recorded[key] - {"null"}}
        if gen and rec:
            assert gen <= rec, key
    ref = RECORDED[0]
    for item in libs[family].items:
        assert list(item) == list(ref)
        assert list(item["media"]) == list(ref["media"])
        assert list(item["media"]["metadata"]) == list(ref["media"]["metadata"])
        for af in item["media"]["audioFiles"]:
            assert list(af) == list(ref["media"]["audioFiles"][0])
            assert all(isinstance(v, str) and v for v in af["metaTags"].values())


@pytest.mark.parametrize("family", NEW)
def test_same_seed_same_library_other_seed_another(family):
    a, b = generate(family, 200, _seed(family)), generate(family, 200, _seed(family))
    assert json.dumps(a.items) == json.dumps(b.items)
    assert a.truth == b.truth and a.traits == b.traits
    c = generate(family, 200, _seed(family, 1))
    assert [i["relPath"] for i in c.items] != [i["relPath"] for i in a.items]


@pytest.mark.parametrize("family", NEW)
def test_truth_is_the_catalogue_and_distractors_are_not(libs, family):
    cat = load_catalogue()
    lib = libs[family]
    kinds = Counter(tr["kind"] for tr in lib.traits.values())
    n = len(lib.items)
    assert 0.08 <= kinds["distractor"] / n <= 0.16, kinds
    assert kinds["same_title_trap"] > 0 and kinds["audio_only"] > 0 and kinds["matchable"] > n / 2
    for item in lib.items:
        t, tr, f = lib.truth[item["id"]], lib.traits[item["id"]], lib.facts[item["id"]]
        assert tr["family"] == family and tr["kind"] in (t.kind, "audio_only")
        if t.book_id is None:
            assert f.book is None
            if t.kind == "distractor":
                assert f.title.lower() not in _catalogue_titles()
            else:
                assert cat.by_id[tr["borrowed_book_id"]].title == f.title
                assert f.authors[0] not in cat.by_id[tr["borrowed_book_id"]].authors
            continue
        book = cat.by_id[t.book_id]
        assert book.goodbooks_id == t.goodbooks_id and f.book is book
        if t.edition_id is not None:
            assert cat.editions[t.edition_id].book_id == t.book_id


def _catalogue_titles() -> set[str]:
    return {b.title.lower() for b in load_catalogue().books}


@pytest.mark.parametrize("family", NEW)
def test_item_side_noise_is_there(libs, family):
    cat = load_catalogue()
    lib = libs[family]
    noise = Counter(n for tr in lib.traits.values() for n in tr["noise"])
    for kind in ("duration", "audio_year", "no_narrator", "typo_title", "subtitle_in_title", "book_n"):
        assert noise[kind] > 0, (kind, noise)
    off = []
    for item in lib.items:
        t, tr = lib.truth[item["id"]], lib.traits[item["id"]]
        # a single disc of a set, or a dramatisation, has a length of its own on top of the release's
        replaced = {"one_disc", "radio_dramatisation"} & set(tr["noise"])
        if t.kind == "matchable" and "duration" in tr["noise"] and not replaced:
            ed = cat.editions[t.edition_id]
            off.append(abs(item["media"]["duration"] / ed.audio_seconds - 1))
    assert off and min(off) >= 0.009 and max(off) <= 0.21
    assert sum(0.01 <= x <= 0.09 for x in off) > len(off) / 2


@pytest.mark.parametrize("family", NEW)
def test_audio_only_items_say_nothing_but_their_audio(libs, family):
    lib = libs[family]
    blind = [i for i in lib.items if lib.traits[i["id"]]["kind"] == "audio_only"]
    assert blind
    for item in blind:
        f = lib.facts[item["id"]]
        assert set(item["media"]["audioFiles"][0]["metaTags"]) == {"tagEncoder"}
        words = {w.lower() for w in f.title.split() if len(w) > 3}
        assert not words & {w.lower() for w in item["relPath"].replace("/", " ").split()}, item["relPath"]


def test_scene_names_containers_and_part_files(libs):
    lib = libs["scene"]
    traits = [lib.traits[i["id"]] for i in lib.items if lib.traits[i["id"]]["kind"] != "audio_only"]
    joiners = Counter(t["joiner"] for t in traits)
    assert joiners["."] > 50 and joiners["_"] > 50
    assert any(t["root_file"] for t in traits)
    assert Counter(t.get("part_names") for t in traits)["author_title_parts"] > 10
    one_level = 0
    for item in lib.items:
        tr = lib.traits[item["id"]]
        tags = item["media"]["audioFiles"][0]["metaTags"]
        # ABS reads a one-level container as the author unless a tag says otherwise
        if tr.get("container") and "/" not in tr["container"] and "tagArtist" not in tags:
            # (an author already in the library keeps its stored spelling: compare case-blind)
            names = [a["name"].lower() for a in item["media"]["metadata"]["authors"]]
            assert names == [n.lower() for n in parse_name_string(tr["container"])], item["relPath"]
            one_level += 1
        if tr.get("joiner") in (".", "_") and not tr["root_file"]:
            assert "." in item["relPath"] or "_" in item["relPath"]
    assert one_level > 20
    series_from_container = [
        i for i in lib.items
        if lib.traits[i["id"]].get("container") and "/" in lib.traits[i["id"]]["container"]
        and i["media"]["metadata"]["seriesName"]
    ]  # fmt: skip
    assert series_from_container  # 'torrents/complete/Release' gives the series 'complete'


def test_tagger_swaps_roles_and_quick_matches(libs):
    lib = libs["tagger"]
    roles = Counter(lib.traits[i["id"]].get("roles") for i in lib.items)
    for r in ("narrator_artist", "swapped", "author_and_narrator_artist", "albumartist_only", "last_first"):
        assert roles[r] > 5, roles
    checked = 0
    for item in lib.items:
        tr, f = lib.traits[item["id"]], lib.facts[item["id"]]
        md = item["media"]["metadata"]
        if tr.get("roles") in ("narrator_artist", "swapped") and not tr.get("matched"):
            # ABS takes authors from the artist tag: here the narrators
            assert md["authorName"] == ", ".join(a["name"] for a in md["authors"])
            assert {a["name"] for a in md["authors"]} & set(f.narrators) or f.book is None, item["relPath"]
            checked += 1
    assert checked > 20
    matched = [i for i in lib.items if lib.traits[i["id"]].get("matched")]
    assert matched and all(i["updatedAt"] > i["addedAt"] for i in matched)
    assert any(lib.traits[i["id"]]["matched"] == "quick_match_wrong_book" for i in matched)
    assert any(lf["metadata"]["filename"] == "reader.txt" for i in lib.items for lf in i["libraryFiles"])


def test_libation_templates_asins_and_unabridged_albums(libs):
    lib = libs["libation"]
    schemes = Counter(lib.traits[i["id"]]["scheme"] for i in lib.items)
    for s in ("libation_default", "libation_author", "libation_author_series", "libation_abs_recommended"):
        assert schemes[s] > 20
    unabridged = split = 0
    for item in lib.items:
        tr = lib.traits[item["id"]]
        if tr["kind"] == "audio_only":
            continue
        asin = item["relPath"].rsplit("[", 1)[1].rstrip("]")
        assert item["media"]["metadata"]["asin"] == asin  # folder [ASIN] and the fixup's asin tag agree
        unabridged += item["media"]["metadata"]["title"].endswith(" (Unabridged)")
        split += tr["split_chapters"]
        if tr["scheme"] == "libation_default":
            assert "/" not in item["relPath"]
    assert unabridged > 20 and split > 20


def test_readarr_author_folders_and_part_files(libs):
    lib = libs["readarr"]
    parts = 0
    for item in lib.items:
        tr = lib.traits[item["id"]]
        if tr["kind"] == "audio_only":
            continue
        assert item["relPath"].count("/") in (1, 2)
        names = [af["metadata"]["filename"] for af in item["media"]["audioFiles"]]
        author_folder = item["relPath"].split("/")[0]
        assert all(n.startswith(author_folder + " - ") for n in names)
        if tr["scheme"] == "readarr_part_suffix" and len(names) > 1:
            assert names[0].rsplit(".", 1)[0].endswith(" - Part 01")
            parts += 1
    assert parts > 5
    assert Counter(lib.traits[i["id"]]["tags"] for i in lib.items)["readarr_written"] > 100


def _unedited(lib, scheme_prefix):
    for item in lib.items:
        tr = lib.traits[item["id"]]
        if tr["scheme"].startswith(scheme_prefix) and not tr["edited"]:
            yield item, tr, item["media"]["audioFiles"][0]["metaTags"], item["media"]["metadata"]


def test_archive_openaudible_files_are_named_by_product_id_or_cleaned_title(libs):
    lib = libs["archive"]
    by_id = readable = 0
    for item, tr, tags, md in _unedited(lib, "openaudible"):
        assert item["isFile"] and "/" not in item["relPath"] and item["relPath"].endswith(".mp3")
        # setMP3Tags: the copyright line in ENCODER, no album artist, ALBUM the short title
        assert tags["tagEncoder"].startswith("©") and "tagAlbumArtist" not in tags
        assert md["title"] == tags["tagAlbum"] and md["narrators"] == (
            parse_name_string(tags.get("tagComposer")) or []
        )
        stem = item["relPath"][: -len(".mp3")]
        if tr["scheme"] == "openaudible_product_id":
            assert re.fullmatch(r"BK_[A-Z]{4}_\d{6}( \(\d+\))?", stem) and stem.startswith(tr["product_id"])
            by_id += 1
        else:
            assert not set(stem) & set(":,'?*") and "Unabridged" not in stem
            readable += 1
    assert by_id > 30 and readable > 30


def test_archive_aaxtomp3_puts_the_genre_where_abs_expects_the_author(libs):
    lib = libs["archive"]
    seen = chaptered = 0
    for item, tr, tags, md in _unedited(lib, "aaxtomp3"):
        genre, artist, title = item["relPath"].split("/")
        assert genre == "Audiobook" and "(Unabridged)" not in title and ": " not in title
        # no series tag: ABS keeps the author folder as the series; no narrator is written
        assert md["seriesName"] == artist and md["narrators"] == []
        assert "tagComposer" not in tags and "(Unabridged)" not in md["title"]
        names = [lf["metadata"]["filename"] for lf in item["libraryFiles"]]
        if tr["chaptered"]:
            assert any(n.endswith(".m3u") for n in names)
            chaptered += 1
        seen += 1
    assert seen > 50 and chaptered > 5


def _abc_clean(text: str) -> str:
    return "".join(c for c in text if c not in ':\\/<>|?*"')


def test_archive_audiobookconverter_album_is_the_series(libs):
    lib = libs["archive"]
    series_title = prefilled = 0
    for item, tr, tags, md in _unedited(lib, "abc_"):
        f = lib.facts[item["id"]]
        name = item["media"]["audioFiles"][0]["metadata"]["filename"]
        assert name.endswith(".m4b") and not set(name) & set(':\\<>|?*"')
        assert md["title"] == tags["tagAlbum"]
        if tr["scheme"] == "abc_edited" and tr["series_as_album"]:
            # the series name is the album, which ABS takes as the title; the book's title is elsewhere
            assert tags["tagAlbum"] == f.series
            stem = name[: -len(".m4b")].removesuffix(_abc_clean(f" ({tags.get('tagComposer')})"))
            assert stem.endswith("] - " + _abc_clean(tags["tagTitle"]))
            assert name.startswith(f"{tags['tagArtist']} - [") and " - " in name.split("]", 1)[1]
            series_title += 1
        if tr["scheme"] == "abc_prefilled":
            # fields pre-filled from the first mp3: its track title, its album (the book) as the series
            assert _abc_clean(f" - [{tags['tagAlbum']} - 01] - {tags['tagTitle']}") in name
            prefilled += 1
    assert series_title > 20 and prefilled > 30


def test_archive_calibre_paths(libs):
    lib = libs["archive"]
    seen = 0
    for item, tr, _tags, md in _unedited(lib, "calibre"):
        author, book = item["relPath"].split("/")
        m = re.fullmatch(r"(.*) \((\d+)\)", book)
        assert m and not set(item["relPath"]) & set(':*?"<>|') and item["relPath"].isascii()
        if tr["windows_names"]:
            assert len(author) <= 40 - 2 - len(f" ({m.group(2)})") // 2
        stem = item["media"]["audioFiles"][0]["metadata"]["filename"].rsplit(".", 1)[0]
        assert stem == f"{m.group(1)} - {author}"
        if tr["tags"] == "calibre_none":
            assert md["title"] == book and md["authors"][0]["name"].lower() == author.lower()
        seen += 1
    assert seen > 100


def test_archive_cd_rips_group_disc_folders_and_take_the_first_discs_album(libs):
    lib = libs["archive"]
    bare = disc_dirs = 0
    for item, tr, _tags, md in _unedited(lib, "cd_rip"):
        afs = item["media"]["audioFiles"]
        assert len(afs) >= 2 and md["title"] == afs[0]["metaTags"]["tagAlbum"]
        assert afs[0]["metaTags"]["tagDisc"] == f"1/{tr['discs']}"
        if tr["disc_folders"]:
            assert [af["discNumFromFilename"] for af in afs][0] == 1 and afs[-1]["discNumFromFilename"] == tr[
                "discs"
            ]
            disc_dirs += 1
        if tr["scheme"] == "cd_rip_series_book_bare":
            # the folder names only the series and "Book N": the title comes from the album tag
            assert re.fullmatch(r"Book [\d.]+", item["relPath"].rsplit("/", 1)[1]) and md["title"]
            assert md["series"] and md["series"][0]["sequence"] == item["relPath"].rsplit(" ", 1)[1]
            bare += 1
    assert disc_dirs > 100 and bare > 5


def test_archive_hand_edits_replace_the_scan(libs):
    lib = libs["archive"]
    styles = Counter(s for tr in lib.traits.values() for s in tr.get("edited") or [])
    for style in ("abbreviated", "series_in_title", "vol_sequence", "author_last_first", "dropped_fields"):
        assert styles[style] > 3, styles
    for item in lib.items:
        tr = lib.traits[item["id"]]
        if not tr.get("edited"):
            continue
        md = item["media"]["metadata"]
        assert item["updatedAt"] > item["addedAt"]
        if "author_last_first" in tr["edited"]:
            assert ", " in md["authors"][0]["name"] or ", " in md["authorName"]
        if "vol_sequence" in tr["edited"] and md["series"]:
            assert re.fullmatch(r"(Vol\. |Book )?[\d.]+", md["series"][0]["sequence"])
    assert sum(1 for tr in lib.traits.values() if tr.get("edited")) > 150


def test_registry_protocol():
    assert {"shelfmatch", "shelfmatch-hostile", *NEW} <= set(FAMILIES)
    frozen = [f for f in FAMILIES.values() if f.frozen]
    assert [f.name for f in frozen] == ["converters"]
    ranges = [set(TRAINING_SEEDS), set(DEVELOPMENT_SEEDS), set(FROZEN_SEEDS)]
    assert not (ranges[0] & ranges[1]) and not (ranges[0] & ranges[2]) and not (ranges[1] & ranges[2])
    assert seeds("frozen") == FROZEN_SEEDS
    for seed in (TRAINING_SEEDS[0], DEVELOPMENT_SEEDS[0]):
        with pytest.raises(ValueError, match="frozen"):
            generate("converters", 5, seed)
    for family in ("scene", "tagger", "archive", "lending", "discs", "stores"):
        with pytest.raises(ValueError, match="reserved"):
            generate(family, 5, FROZEN_SEEDS[0])
    with pytest.raises(ValueError, match="unknown generator family"):
        generate("nope", 5, 0)


@pytest.mark.parametrize(
    ("script", "argv", "message"),
    [
        (
            "quality",
            ["--protocol", "leave-one-out", "--families", "converters"],
            "only run with --protocol frozen",
        ),
        ("quality", ["--protocol", "shipped", "--families", "converters"], "only run with --protocol frozen"),
        (
            "quality",
            ["--protocol", "frozen", "--families", "stores"],
            "runs only frozen families: ['converters']",
        ),
        ("train_scoring", ["--families", "stores", "converters"], "never trained on"),
    ],
)
def test_bench_keeps_the_frozen_family_out_of_development_runs(script, argv, message, monkeypatch, capsys):
    """The bench scripts pick the frozen family from the registry: `converters` only under --protocol frozen
    and never for training, `stores` (spent) no longer under --protocol frozen. They refuse before any work."""
    import importlib

    assert (
        FAMILIES["converters"].frozen and not FAMILIES["stores"].frozen
    )  # else main() would start a real run
    main = importlib.import_module(f"bench.{script}").main
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *argv])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize("family", ["tagger", "archive", "lending", "discs", "stores"])
def test_spent_frozen_families_are_development_data_now(family):
    """A frozen family consulted to report is a development family from then on."""
    assert not FAMILIES[family].frozen
    lib = generate(family, 20, DEVELOPMENT_SEEDS[0])
    assert len(lib.items) == 20 and all(tr["family"] == family for tr in lib.traits.values())


def test_shelfmatch_families_are_the_original_generator():
    a = generate("shelfmatch", 50, 3)
    b = generate_library(50, seed=3, profile="default")
    assert json.dumps(a.items) == json.dumps(b.items)
    h = generate("shelfmatch-hostile", 50, 3)
    assert all(tr["family"] == "shelfmatch-hostile" for tr in h.traits.values())


@pytest.mark.parametrize("family", [f for f in NEW if not FAMILIES[f].frozen])
def test_items_flatten_cleanly_in_the_extract_step(libs, family):
    """The extract step's own validator accepts every generated item (product code never runs on the
    frozen family outside its one report)."""
    from tasks import warehouse
    from tasks.extract.flatten import default_evidence, flatten_item

    evidence = default_evidence(None)
    for item in libs[family].items[:300]:
        flat = flatten_item(item, "run", warehouse.now(), evidence)
        assert not flat.problems, item["relPath"]


def test_family_audio_is_written_and_tagged_like_the_metatags(tmp_path):
    from tasks.evidence import read_file_tags

    lib = generate("libation", 6, DEVELOPMENT_SEEDS[2], audio_root=tmp_path / "lib")
    seen = 0
    for item in lib.items:
        for af in item["media"]["audioFiles"]:
            local = tmp_path / "lib" / af["metadata"]["path"][len("/audiobooks/") :]
            assert local.is_file() and local.stat().st_size == af["metadata"]["size"]
            tags = read_file_tags(local)
            for key in ("tagAlbum", "tagArtist", "tagComposer"):
                if key in af["metaTags"]:
                    assert tags[key] == af["metaTags"][key]
                    seen += 1
    assert seen >= 3


@pytest.mark.parametrize("family", ["scene", "converters"])
def test_abs_emulator_serves_a_family_library(abs_server, family):
    """The emulator serves a family's items as generated: the library listing and every expanded item."""
    import httpx

    lib = generate(family, 40, _seed(family, 3))
    emu = abs_server(lib.items)
    with httpx.Client(base_url=emu.url, headers={"Authorization": "Bearer test-key"}) as client:
        listed = client.get(f"/api/libraries/{lib.items[0]['libraryId']}/items", params={"limit": 0}).json()
        assert [i["id"] for i in listed["results"]] == [i["id"] for i in lib.items]
        for item in lib.items:
            r = client.get(f"/api/items/{item['id']}", params={"expanded": 1})
            assert r.status_code == 200 and r.json() == item


GENERATOR_FILES = sorted(
    [*(ROOT / "emulators" / "families").glob("*.py"), *(ROOT / "emulators" / "abs_scanner").glob("*.py")]
)


@pytest.mark.parametrize("path", GENERATOR_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_generators_do_not_import_the_product(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            mods = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mods = [node.module or ""]
        else:
            continue
        assert all(m.split(".")[0] not in ("tasks", "flows") for m in mods), (path.name, mods)


def test_generating_loads_no_product_module():
    code = (
        "import sys\n"
        "from emulators.families import generate, DEVELOPMENT_SEEDS, FROZEN_SEEDS\n"
        "for f in ('libation', 'readarr', 'scene', 'tagger', 'archive', 'lending', 'discs', 'stores'):\n"
        "    generate(f, 30, DEVELOPMENT_SEEDS[0])\n"
        "generate('converters', 30, FROZEN_SEEDS[0])\n"
        "generate('shelfmatch', 30, 1)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tasks', 'flows'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""
