"""The `lending` family: the conventions it claims (odmpy, OverDrive's part files, LibriVox, audible-cli,
a shelf of public-domain classics), checked on the generated items. It was the frozen family, reported
once at 7736f6f, and is development data now."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from emulators.abs_scanner import parse_name_string
from emulators.catalogue import load_catalogue
from emulators.families import DEVELOPMENT_SEEDS, FAMILIES, FROZEN_SEEDS, generate
from emulators.families.lending import audible_cli_ascii, is_classic, slugify


@pytest.fixture(scope="module")
def lib():
    return generate("lending", 1500, DEVELOPMENT_SEEDS[0])


def _items(lib, *schemes):
    for item in lib.items:
        tr = lib.traits[item["id"]]
        if tr["scheme"] in schemes:
            yield item, tr, item["media"]["audioFiles"][0]["metaTags"], item["media"]["metadata"]


def _path_safe(text: str) -> str:
    return "".join(c for c in text if c not in '\\/:*?"<>|').strip()


def test_lending_is_spent_development_data_and_refuses_frozen_seeds():
    assert not FAMILIES["lending"].frozen
    with pytest.raises(ValueError, match="reserved"):
        generate("lending", 3, FROZEN_SEEDS[0])


def test_every_scheme_and_kind_is_there(lib):
    schemes = Counter(tr["scheme"] for tr in lib.traits.values())
    for s in (
        "odmpy_parts",
        "odmpy_author_first",
        "odmpy_merged",
        "overdrive_parts",
        "librivox",
        "audible_cli",
    ):
        assert schemes[s] > 50, schemes
    kinds = Counter(tr["kind"] for tr in lib.traits.values())
    assert set(kinds) == {"matchable", "no_audio_edition", "distractor", "same_title_trap", "audio_only"}


def test_the_shelf_leans_to_public_domain_classics(lib):
    cat = load_catalogue()
    real = [lib.truth[i["id"]].book_id for i in lib.items if lib.truth[i["id"]].book_id is not None]
    classic = sum(is_classic(cat.by_id[b]) for b in real) / len(real)
    assert 0.3 <= classic <= 0.6, classic  # the catalogue as a whole holds about 5 %
    noise = Counter(n for tr in lib.traits.values() for n in tr["noise"])
    assert noise["alt_title"] > 3 and noise["first_publication_year"] > 30 and noise["other_recording"] > 50
    assert noise["alt_author_spelling"] > 10
    for item in lib.items:
        tr, f = lib.traits[item["id"]], lib.facts[item["id"]]
        if "first_publication_year" in tr["noise"] and tr["kind"] != "audio_only":
            assert f.book is not None and int(f.year) < 1931


def test_odmpy_folders_part_files_and_id3_roles(lib):
    seen = 0
    for item, tr, tags, md in _items(lib, "odmpy_parts", "odmpy_author_first"):
        f = lib.facts[item["id"]]
        names = [af["metadata"]["filename"] for af in item["media"]["audioFiles"]]
        title = tags["tagTitle"]
        assert names == [f"{slugify(f'{title} - Part {k:02d}')}.mp3" for k in range(1, len(names) + 1)]
        assert all(n == n.lower() and " " not in n for n in names)
        artist, name = _path_safe(tags["tagArtist"].replace(";", ", ")), _path_safe(title)
        expected = f"{artist} - {name}" if tr["scheme"] == "odmpy_author_first" else f"{name} - {artist}"
        assert re.sub(r" \(\d+\)$", "", item["relPath"]) == expected
        assert tags["tagAlbum"] == title and tags["tagTrack"] == f"01/{len(names):02d}"
        # the narrator is in TPE3 (performer), which ABS does not read
        assert md["narrators"] == [] and "tagComposer" not in tags
        # Libby's ISBN is the audiobook's, not the print book's the catalogue lists
        assert tags["tagIsbn"].startswith("979") and tags["tagIsbn"] != f.isbn
        if f.series and "tagSeries" in tags:
            assert md["seriesName"] == tags["tagSeries"] and not md["series"][0]["sequence"]
        seen += 1
    assert seen > 200


def test_odmpy_merged_m4b_keeps_only_mp4_atoms(lib):
    m4b = mp3 = 0
    for item, _tr, tags, _md in _items(lib, "odmpy_merged"):
        [af] = item["media"]["audioFiles"]
        stem, ext = af["metadata"]["filename"].rsplit(".", 1)
        assert item["relPath"].startswith(stem)
        if ext == "m4b":
            assert not {"tagIsbn", "tagSeries", "tagPublisher", "tagLanguage"} & set(tags)
            m4b += 1
        else:
            assert "tagIsbn" in tags
            mp3 += 1
    assert m4b > 20 and mp3 > 20


def test_overdrive_part_files_markers_and_narrator_places(lib):
    places = Counter()
    for item, tr, tags, md in _items(lib, "overdrive_parts"):
        names = [af["metadata"]["filename"] for af in item["media"]["audioFiles"]]
        assert all(re.fullmatch(r".+-Part\d{2}\.mp3", n) for n in names)
        assert tags["tagTitle"].endswith(" - Part 01") and tags["tagOverdriveMediaMarker"].startswith(
            "<Markers>"
        )
        if tr["squeezed"]:
            assert " " not in names[0]
        places[tr["narrator_in"]] += 1
        if tr["narrator_in"] == "composer":
            assert md["narrators"] == parse_name_string(tags["tagComposer"])
        else:
            assert md["narrators"] == []
            if tr["narrator_in"] == "comment":
                assert tags["tagComment"].startswith("Read by ")
    assert places["composer"] > 20 and places["comment"] > 20


def test_librivox_items_are_archive_org_layouts_of_public_domain_books(lib):
    cat = load_catalogue()
    solo = group = 0
    for item, tr, tags, _md in _items(lib, "librivox"):
        t, f = lib.truth[item["id"]], lib.facts[item["id"]]
        assert t.book_id is not None and is_classic(cat.by_id[t.book_id])
        assert item["relPath"].endswith("_librivox") or re.search(r"_librivox \(\d+\)$", item["relPath"])
        afs = item["media"]["audioFiles"]
        for k, af in enumerate(afs, start=1):
            assert re.fullmatch(rf"[a-z0-9]+_{k:02d}_[a-z]+(_64kb)?\.mp3", af["metadata"]["filename"])
            assert af["metaTags"]["tagGenre"] == "Speech" and af["metaTags"]["tagComment"].startswith(
                "Read by "
            )
        assert tags["tagArtist"] == f.authors[0] or {
            "typo_author",
            "all_authors",
            "alt_author_spelling",
        } & set(tr["noise"])
        readers = {af["metaTags"]["tagComment"][len("Read by ") :] for af in afs}
        assert f.narrators == [tr["readers"][0]] and readers <= set(tr["readers"])
        if tr["solo"]:
            solo += 1
        elif len(afs) > 1:
            assert len(readers) > 1
            group += 1
        # another recording than the catalogue's edition: its own length
        if t.edition_id is not None:
            off = abs(item["media"]["duration"] / cat.editions[t.edition_id].audio_seconds - 1)
            assert 0.01 <= off <= 0.14, off
    assert solo > 20 and group > 20


def test_audible_cli_names(lib):
    modes = Counter()
    for item, tr, tags, _md in _items(lib, "audible_cli"):
        name = item["media"]["audioFiles"][0]["metadata"]["filename"]
        m = re.fullmatch(r"(.+)-(AAX_\d{2}_\d{2,3}|LC_\d+_\d+_stereo)( \(\d+\))?\.m4b", name)
        assert m, name
        base = m.group(1)
        if tr["filename_mode"] != "unicode":
            assert base.isascii() and " " not in base and ":" not in base
            assert base == audible_cli_ascii(base)
        if tr["filename_mode"] == "asin_ascii":
            assert re.match(r"[0-9A-Z]{10}_", base)
        if tr["filename_mode"] == "asin_only":
            assert re.fullmatch(r"[0-9A-Z]{10}", base)
        # loose in the output folder (a single-file item), or in a folder named like the file or by the ASIN
        assert item["isFile"] == tr["loose"] and "/" not in item["relPath"]
        folder = re.sub(r" \(\d+\)$", "", item["relPath"])
        if tr["loose"]:
            assert item["relPath"] == name
        else:
            assert folder == name[: -len(".m4b")] or re.fullmatch(r"[0-9A-Z]{10}", folder), folder
        assert tags["tagGenre"] == "Audiobook" and "tagComposer" not in tags
        modes[tr["filename_mode"]] += 1
    assert min(modes.values()) > 10 and len(modes) == 4
