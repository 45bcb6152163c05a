"""The frozen `converters` family: the conventions it claims (auto-m4b's untagged output and the tags
m4b-tool takes from the first source file, m4b-tool's batch-pattern tree and output names, tone's
path-pattern tags and M4B fill-up, audiobook-organizer's layouts from embedded tags), checked on the
generated items only — the product's code never runs on the frozen family here."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from emulators.families import DEVELOPMENT_SEEDS, FAMILIES, FROZEN_SEEDS, TRAINING_SEEDS, generate
from emulators.families import converters as conv
from tests.family_items import scheme_items as _items


@pytest.fixture(scope="module")
def lib():
    return generate("converters", 1200, FROZEN_SEEDS[0])


def _unique_suffix(rel: str) -> str:
    return re.sub(r" \(\d{1,2}\)$", "", rel)  # the generator's suffix for a name already taken


def _names(afs: list[dict]) -> list[str]:
    return [af["metadata"]["filename"] for af in afs]


def test_converters_is_the_frozen_family_and_refuses_other_seeds():
    assert FAMILIES["converters"].frozen
    for seed in (TRAINING_SEEDS[0], DEVELOPMENT_SEEDS[0], FROZEN_SEEDS.stop):
        with pytest.raises(ValueError, match="frozen"):
            generate("converters", 3, seed)


def test_a_seed_gives_the_same_library():
    a, b = generate("converters", 60, FROZEN_SEEDS[5]), generate("converters", 60, FROZEN_SEEDS[5])
    assert json.dumps(a.items) == json.dumps(b.items) and a.truth == b.truth and a.traits == b.traits
    assert json.dumps(generate("converters", 60, FROZEN_SEEDS[6]).items) != json.dumps(a.items)


def test_every_scheme_and_source_style_is_there(lib):
    schemes = Counter(tr["scheme"] for tr in lib.traits.values())
    assert min(schemes[s] for s in conv.SCHEMES) > 150, schemes
    styles = Counter(tr["tags"] for tr in lib.traits.values() if tr["scheme"] in conv.SCHEMES)
    assert set(conv.SOURCE_STYLES) <= set(styles) and min(styles[s] for s in conv.SOURCE_STYLES) > 60
    kinds = Counter(tr["kind"] for tr in lib.traits.values())
    assert {"matchable", "distractor", "same_title_trap", "audio_only"} <= set(kinds)
    noise = Counter(n for tr in lib.traits.values() for n in tr["noise"])
    assert noise["part_title"] > 80


def test_merged_tags_take_the_options_then_the_first_file():
    first = {
        "title": "Chapter 01",
        "album": "Dune",
        "artist": "Frank Herbert",
        "track": "1/20",
        "genre": "Audiobook",
    }
    assert conv.merged_tags(first, {}) == {"title": "Chapter 01", "album": "Dune", "artist": "Frank Herbert",
                                      "genre": "Audiobook", "encoder": "Lavf60.16.100"}  # fmt: skip
    given = {"title": "Dune Messiah", "artist": "Frank Herbert", "genre": "Science Fiction", "series": "Dune",
             "part": "2", "album": None}  # fmt: skip
    out = conv.merged_tags({"title": "Track 01", "composer": "Scott Brick", "track": "1/9"}, given)
    assert out["title"] == out["album"] == "Dune Messiah" and out["genre"] == "Science Fiction"
    assert out["composer"] == "Scott Brick" and "track" not in out
    assert out["sort_name"] == out["sort_album"] == "Dune 2 - Dune Messiah" and out["SERIES"] == "Dune"
    assert "part" not in out and "series" not in out  # the movement atoms have no ffprobe name


def test_auto_m4b_names_the_book_after_its_download_folder(lib):
    merged = single = 0
    for item, tr, afs, tags, md in _items(lib, "auto_m4b"):
        folder = item["relPath"]
        assert "/" not in folder and _names(afs) == [f"{folder}.m4b"]
        assert "tagTrack" not in tags  # m4b-tool drops the track numbers of a merge of many files
        side = {lf["metadata"]["filename"] for lf in item["libraryFiles"]}
        if tr["source"] == "merged":
            assert f"{folder}.chapters.txt" in side
            if tr["tags"] == "chapters" and tr["parts"] > 1:
                assert re.fullmatch(r"Chapter \d+", tags["tagTitle"]) and md["title"] == tags["tagAlbum"]
            merged += 1
        else:
            single += 1
        if tr["tags"] == "none":
            assert (
                set(tags) == {"tagEncoder"} and md["authors"] == [] and md["title"] == _unique_suffix(folder)
            )
        if tr["folder"] == "author_title" and tr["tags"] != "none":
            assert folder.startswith(tags.get("tagAlbumArtist", tags["tagArtist"]).split(", ")[0] + " - ")
    assert merged > 150 and single > 20


def test_m4b_tool_batch_tree_and_its_output_names(lib):
    series = standalone = ipod = 0
    for item, tr, afs, tags, md in _items(lib, "m4b_tool_batch"):
        genre, author, last = item["relPath"].split("/")
        (name,) = _names(afs)
        assert tags["tagGenre"] == genre and tags["tagArtist"] == author and "tagTrack" not in tags
        if tr["pattern"] == "%g/%a/%s/%p - %n":
            # the series book is filed in its series folder, named `<part> - <name>.m4b`
            m = re.fullmatch(r"([\d.]+) - (.+)\.m4b", name)
            assert m and tags["tagTitle"] == m.group(2) and tags["tagSeries"] == md["series"][0]["name"]
            assert "tagSeriesPart" not in tags and md["series"][0]["sequence"] is None
            assert (
                last
                == re.sub(r"[/:]", lambda c: "-" if c.group() == "/" else " -", tags["tagSeries"]).strip()
            )
            series += 1
        else:
            # with the part empty the name is appended as a folder; ABS reads the author folder as a series
            assert name == f"{_unique_suffix(last)}.m4b" and tags["tagTitle"] == name[:-4]
            assert "tagSeries" not in tags and md["series"][0]["name"] == author
            standalone += 1
        if tr["ipod"]:
            assert tags["tagAlbum"] == tags["tagTitle"]
            ipod += 1
    assert series > 40 and standalone > 100 and ipod > 100


def test_tone_path_patterns(lib):
    by_pattern = Counter()
    for item, tr, afs, tags, _md in _items(lib, "tone_path"):
        genre, author, last = item["relPath"].split("/")
        (name,) = _names(afs)
        assert tags["tagGenre"] == genre and tags["tagArtist"] == author and tags.get("tagAlbum")
        by_pattern[tr["pattern"]] += 1
        if tr["pattern"] == "series":
            part, title = re.fullmatch(r"([0-9\-.,IVXLCDM]+) - (.+)\.m4b", name).groups()  # type: ignore[union-attr]
            assert tags["tagTitle"] == title and "tagSeries" in tags
        else:
            # `%z` ignores the folder; a part tone's PARTNUMBER does not match stays in the title
            assert tags["tagTitle"] == name[:-4] and "tagSeries" not in tags
    assert by_pattern["series"] > 30 and by_pattern["dummy"] > 100


def test_organizer_rules():
    assert conv.organizer_sanitize('Who? What: "Why" / How*. ') == "Who_ What_ _Why_ _ How"
    assert conv.organizer_sanitize("The Long Way", "_") == "The_Long_Way"
    assert conv.clean_series("Mistborn #1") == ("Mistborn", "1") and conv.clean_series("Dune") == ("Dune", "")
    tags = {"title": "Chapter 01", "artist": "Jane Doe, John Smith", "album": "The Book"}
    assert conv.organizer_path(tags, "author-series-title", "") == "Jane Doe, John Smith/The Book/Chapter 01"
    assert conv.organizer_path(tags, "author-title", "") == "Jane Doe, John Smith/Chapter 01"
    assert conv.organizer_path({**tags, "album": "Oz #3"}, "author-series-title-number", "") == (
        "Jane Doe, John Smith/Oz/#3 - Chapter 01"
    )
    assert conv.organizer_path({**tags, "album": "Oz"}, "series-title", ".") == "Oz/Chapter.01"
    assert conv.organizer_path(
        {"title": "Dune", "album_artist": "Frank Herbert"}, "author-series-title", ""
    ) == ("Frank Herbert/Dune")
    assert conv.organizer_path({"album": "Dune", "artist": "Frank Herbert"}, "author-title", "") is None


def test_organizer_moves_books_by_their_embedded_tags(lib):
    layouts, left = Counter(), 0
    for item, tr, afs, tags, _md in _items(lib, "organizer"):
        if not tr["organized"]:
            # a book without a title or an author stays in auto-m4b's folder
            assert "/" not in item["relPath"]
            assert "tagTitle" not in tags or not (tags.get("tagArtist") or tags.get("tagAlbumArtist"))
            left += 1
            continue
        raw = {"title": tags.get("tagTitle", ""), "artist": tags.get("tagArtist", ""),
               "album_artist": tags.get("tagAlbumArtist", ""), "album": tags.get("tagAlbum", "")}  # fmt: skip
        assert _unique_suffix(item["relPath"]) == conv.organizer_path(
            raw, tr["layout"], tr["replace_space"] or ""
        )
        assert len(afs) == 1 and _names(afs)[0].endswith(".m4b")
        layouts[tr["layout"]] += 1
    assert set(layouts) == set(conv.ORGANIZER_LAYOUTS) and left > 10
