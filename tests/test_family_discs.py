"""The `discs` family: the conventions it claims (CD sets sized by disc capacity, ABS's disc-folder
rule, Exact Audio Copy with freedb, Windows Media Player, iTunes, MusicBrainz Picard, Lidarr,
box-labelled folders, library editions and radio dramatisations), checked on the generated items. It
was the frozen family, reported once at 0b44263, and is development data now."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from emulators.abs_scanner import parse_name_string
from emulators.catalogue import load_catalogue
from emulators.families import DEVELOPMENT_SEEDS, FAMILIES, FROZEN_SEEDS, TRAINING_SEEDS, generate
from emulators.families.discs import FOLDED, SCHEMES

DISC_CAPACITY = 79.8 * 60


@pytest.fixture(scope="module")
def lib():
    return generate("discs", 1500, DEVELOPMENT_SEEDS[0])


def _items(lib, *schemes) -> list[tuple[dict, dict, list[dict], dict]]:
    """(item, traits, audio files, ABS metadata) of the items laid out by `schemes`."""
    by_scheme = [(i, lib.traits[i["id"]]) for i in lib.items]
    return [
        (i, tr, i["media"]["audioFiles"], i["media"]["metadata"])
        for i, tr in by_scheme
        if tr["scheme"] in schemes
    ]


def _paths(afs) -> list[str]:
    return [af["metadata"]["relPath"] for af in afs]


def _safe(text: str) -> str:
    text = text.replace(": ", " - ").replace(":", "-")
    return "".join(c for c in text if c not in '\\/*?"<>|').strip().rstrip(".")


def _unique_suffix(rel: str) -> str:
    return re.sub(r" \(\d{1,2}\)$", "", rel)  # the generator's suffix for a name already taken


def test_discs_is_spent_development_data_and_refuses_frozen_seeds():
    assert not FAMILIES["discs"].frozen
    with pytest.raises(ValueError, match="reserved"):
        generate("discs", 3, FROZEN_SEEDS[0])
    assert len(generate("discs", 3, TRAINING_SEEDS[0]).items) == 3


def test_every_scheme_and_kind_is_there(lib):
    schemes = Counter(tr["scheme"] for tr in lib.traits.values())
    for s in SCHEMES:
        assert schemes[s] > 100, schemes
    kinds = Counter(tr["kind"] for tr in lib.traits.values())
    assert set(kinds) == {"matchable", "no_audio_edition", "distractor", "same_title_trap", "audio_only"}
    per_disc = sum(1 for tr in lib.traits.values() if tr.get("disc_item"))
    assert 0.2 < per_disc / len(lib.items) < 0.45, per_disc


def test_sets_are_sized_by_cd_capacity(lib):
    checked = 0
    for item in lib.items:
        tr = lib.traits[item["id"]]
        if "discs" not in tr:
            continue
        seconds, discs = item["media"]["duration"], tr["discs"]
        if tr["disc_item"]:
            # one disc of the set: never more than a disc holds
            assert seconds <= DISC_CAPACITY and 1 <= tr["disc_item"] <= discs
        elif discs < 40:
            assert seconds / discs <= DISC_CAPACITY
            assert discs == 1 or seconds > (discs - 1) * 70 * 60  # it would not fit on one disc fewer
        checked += 1
    assert checked > 1200


def test_subfolders_are_only_the_ones_abs_folds(lib):
    """ABS makes a disc folder part of its parent only when the folder's whole name is CD/Disc + number;
    every other disc folder is an item of its own, a disc long."""
    folded_sets = 0
    for item in lib.items:
        tr = lib.traits[item["id"]]
        if "discs" not in tr:
            continue
        dirs = {p.rsplit("/", 1)[0] for p in _paths(item["media"]["audioFiles"]) if "/" in p}
        assert all(FOLDED.match(d) for d in dirs), dirs
        if dirs:
            assert not tr["disc_item"] and len(dirs) == tr["discs"]
            folded_sets += 1
        if tr["disc_item"]:
            assert not FOLDED.match(_unique_suffix(item["relPath"]).rsplit("/", 1)[-1])
    assert folded_sets > 100


def test_eac_folders_are_its_default_scheme_with_freedb_disc_albums(lib):
    seen = 0
    for item, tr, afs, md in _items(lib, "eac_per_disc"):
        tags = afs[0]["metaTags"]
        assert _unique_suffix(item["relPath"]) == f"{_safe(tags['tagArtist'])} - {_safe(tags['tagAlbum'])}"
        for k, af in enumerate(afs, start=1):
            name = af["metadata"]["filename"]
            assert name == f"{k:02d} - {_safe(af['metaTags']['tagTitle'])}.mp3"
            assert af["metaTags"]["tagEncoder"].startswith("LAME")
        if tr["disc_item"]:
            d = tr["disc_item"]
            assert re.search(rf"(\(Disc {d}\)| - CD{d}|\[{d}/{tr['discs']}]| CD {d:02d})$", tags["tagAlbum"])
            assert md["title"] == tags["tagAlbum"]
        seen += 1
    assert seen > 100


def test_wmp_rips_wma_by_artist_and_album(lib):
    unknown = narrator_as_author = 0
    for item, tr, afs, md in _items(lib, "wmp"):
        tags = afs[0]["metaTags"]
        names = [af["metadata"]["filename"] for af in afs]
        assert all(n.endswith(".wma") for n in names)
        assert names == [f"{k:02d} {_safe(af['metaTags']['tagTitle'])}.wma" for k, af in enumerate(afs, 1)]
        if tr["tags"] == "wmp_unknown":
            assert re.fullmatch(
                r"Unknown Artist/Unknown Album \(\d{1,2}-\d{1,2}-\d{4} \d{1,2}-\d{2}-\d{2} [AP]M\)",
                _unique_suffix(item["relPath"]),
            )
            assert tags["tagArtist"] == "Unknown Artist" and tags["tagTitle"] == "Track 1"
            unknown += 1
            continue
        assert _unique_suffix(item["relPath"]) == f"{_safe(tags['tagAlbumArtist'])}/{_safe(tags['tagAlbum'])}"
        assert "tagDate" not in tags  # WM/Year is not a name ABS reads
        if tr["disc_item"]:
            assert re.search(rf"(Disc {tr['disc_item']}|\(Disc {tr['disc_item']}\))$", tags["tagAlbum"])
        if "; " in tags["tagArtist"]:
            # contributing artists: ABS reads the reader as a second author
            assert {a["name"] for a in md["authors"]} == set(parse_name_string(tags["tagArtist"]) or [])
            assert len(md["authors"]) == 2
            narrator_as_author += 1
    assert unknown > 10 and narrator_as_author > 20


def test_itunes_media_folders_put_the_kind_where_abs_expects_the_author(lib):
    kinds, roles = Counter(), Counter()
    for item, tr, afs, md in _items(lib, "itunes_media"):
        tags = afs[0]["metaTags"]
        parts = _unique_suffix(item["relPath"]).split("/")
        assert parts[-1] == _safe(tags["tagAlbum"])
        shelf = tags.get("tagAlbumArtist") or tags["tagArtist"]
        assert parts[-2] == _safe(shelf)
        kind = tr["kind_dir"] or "iTunes Music"
        assert parts[-3] == kind
        # the artist folder is read as a series, the kind folder as the author (the artist tag wins)
        assert md["series"][0]["name"] == parts[-2]
        assert afs[0]["metadata"]["ext"] == ".m4a" and tags["tagEncoder"].startswith("iTunes")
        names = [af["metadata"]["filename"] for af in afs]
        if len({af["metaTags"]["tagDisc"] for af in afs}) > 1:
            assert all(re.fullmatch(r"\d{1,2}-\d{2} Track \d+\.m4a", n) for n in names)
        else:
            assert all(re.fullmatch(r"\d{2} Track \d+\.m4a", n) for n in names)
        if tr["author_in"] == "composer":
            assert tags["tagComposer"] != tags["tagArtist"]
        kinds[kind] += 1
        roles[tr["author_in"]] += 1
    assert len(kinds) == 3 and min(kinds.values()) > 10
    assert roles["composer"] > 10 and roles["none"] > 5


def _isbn10_ok(code: str) -> bool:
    digits = [10 if c == "X" else int(c) for c in code]
    return len(code) == 10 and sum((10 - i) * d for i, d in enumerate(digits)) % 11 == 0


def test_picard_default_naming_and_musicbrainz_tags(lib):
    cd_asins = 0
    for item, tr, afs, md in _items(lib, "picard"):
        tags = afs[0]["metaTags"]
        assert _unique_suffix(item["relPath"]) == f"{_safe(tags['tagAlbumArtist'])}/{_safe(tags['tagAlbum'])}"
        discs = tr["discs"]
        for af in afs:
            t = af["metaTags"]
            d, n = t["tagDisc"].split("/")[0], t["tagTrack"].split("/")[0]
            prefix = f"{d}-{int(n):02d}" if discs > 1 else f"{int(n):02d}"
            assert af["metadata"]["filename"] == f"{prefix} {_safe(t['tagTitle'])}.mp3"
            assert re.fullmatch(r"Chapter \d+( \(continued\))?", t["tagTitle"])
        assert tags["tagReleaseType"].endswith(("/audiobook", "/audio drama"))
        assert re.fullmatch(r"[0-9a-f-]{36}", tags["tagMusicBrainzAlbumId"])
        assert md["narrators"] == [] and "tagComposer" not in tags
        if "tagASIN" in tags:
            # the CD set's Amazon ASIN is its ISBN-10, not an Audible ASIN
            assert _isbn10_ok(tags["tagASIN"]) and md["asin"] == tags["tagASIN"]
            cd_asins += 1
    assert cd_asins > 50


def test_lidarr_default_formats_with_medium_folders(lib):
    multi = 0
    for item, tr, afs, _md in _items(lib, "lidarr"):
        tags = afs[0]["metaTags"]
        artist, album = _safe(tags["tagArtist"]), _safe(tags["tagAlbum"])
        year = f" ({tags['tagDate'][:4]})" if "tagDate" in tags else ""
        assert _unique_suffix(item["relPath"]) == f"{artist}/{album}{year}"
        for af in afs:
            t = af["metaTags"]
            name = f"{artist} - {album} - {int(t['tagTrack'].split('/')[0]):02d} - {_safe(t['tagTitle'])}.mp3"
            if tr["discs"] > 1:
                name = f"CD {int(t['tagDisc'].split('/')[0]):02d}/{name}"
            assert af["metadata"]["relPath"] == name
        multi += tr["discs"] > 1
    assert multi > 100


def test_box_labelled_sets(lib):
    styles = Counter()
    for item, tr, afs, md in _items(lib, "box_set"):
        style = tr["folder_style"]
        last = _unique_suffix(item["relPath"]).rsplit("/", 1)[-1]
        if style == "disc_of":
            assert last == f"Disc {tr['disc_item']} of {tr['discs']}"
            # ABS reads the title folder as a series and the disc folder as the title (the album tag wins)
            assert md["series"][0]["name"] == item["relPath"].split("/")[1]
        elif style == "cd_title":
            assert last.startswith(f"CD {tr['disc_item']} - ")
        else:
            assert tr["disc_item"] is None and {p.split("/")[0] for p in _paths(afs)} == {
                (f"Disc {d:02d}" if style == "disc_nn" else f"CD{d:02d}") for d in range(1, tr["discs"] + 1)
            }
        assert re.search(r"\(Disc \d+ of \d+\)$", afs[0]["metaTags"]["tagAlbum"])
        styles[style] += 1
    assert len(styles) == 4 and min(styles.values()) > 20


def test_library_editions_and_radio_dramatisations(lib):
    cat = load_catalogue()
    noise = Counter(n for tr in lib.traits.values() for n in tr["noise"])
    assert noise["library_edition"] > 100 and noise["radio_dramatisation"] > 5
    markers = Counter()
    for item in lib.items:
        tr = lib.traits[item["id"]]
        if tr["kind"] == "audio_only":
            continue
        tags = item["media"]["audioFiles"][0]["metaTags"]
        album = tags.get("tagAlbum", "")
        for m in ("(Unabridged)", "[Unabridged]", "[Library Edition]", "(Abridged)"):
            markers[m] += m in album
        if "radio_dramatisation" in tr["noise"]:
            assert "BBC Radio" in album or tr["tags"] == "wmp_unknown"
            edition = cat.editions.get(lib.truth[item["id"]].edition_id)
            if edition and edition.audio_seconds and not tr.get("disc_item"):
                assert item["media"]["duration"] / edition.audio_seconds < 0.6
    assert markers["(Unabridged)"] > 50 and markers["[Library Edition]"] > 20 and markers["[Unabridged]"] > 20


def test_wma_files_are_written_and_read_back_as_abs_reads_them(lib, tmp_path):
    """A WMP rip's first file, written as real ASF with WMP's attribute names: ffprobe's names for them,
    through ABS's tag table, give back the item's metaTags."""
    import json
    import subprocess

    from emulators.abs_scanner import meta_tags_from_probe
    from emulators.audio import silent_file, write_tags

    item, _tr, afs, _md = next(x for x in _items(lib, "wmp") if x[1]["tags"] == "wmp_amg")
    meta = afs[0]["metaTags"]
    path = write_tags(silent_file(tmp_path / afs[0]["metadata"]["filename"], 1.0), meta)
    probe = subprocess.run(
        ["ffprobe", "-v", "quiet", "-print_format", "json", "-show_format", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    read = meta_tags_from_probe(json.loads(probe.stdout)["format"]["tags"])
    for key in ("tagTitle", "tagArtist", "tagAlbum", "tagAlbumArtist", "tagGenre", "tagPublisher"):
        assert read.get(key) == meta.get(key), key
