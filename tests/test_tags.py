"""Tags: ABS metaTags mapping (reference/abs-api.md §6.3) and reading real files with mutagen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mutagen import id3
from mutagen.mp4 import MP4, MP4FreeForm

from emulators.audio import corrupt_file, silent_file, write_tags
from tasks.evidence import TagReadError, read_file_tags, tags_evidence

FIXTURES = Path(__file__).resolve().parent.parent / "emulators" / "data" / "abs-2.36.0"


def _meta_tags(fixture: str) -> dict:
    item = json.loads((FIXTURES / f"get_item_expanded_{fixture}.json").read_text())["response"]
    return item["media"]["audioFiles"][0]["metaTags"]


def _rows(tags: dict, rule: str = "tags.abs_metatags") -> set[tuple]:
    return {(e.field, e.value, e.ordinal) for e in tags_evidence(tags, rule)}


def test_throne_of_jade_series_part_asin_and_full_date():
    rows = _rows(_meta_tags("Throne_of_Jade"))
    assert {
        ("title", "Throne of Jade", 0),
        ("author", "Naomi Novik", 0),
        ("narrator", "Simon Vance", 0),
        ("series", "Temeraire", 0),
        ("sequence", "2", 0),
        ("asin", "B000FC2L1Q", 0),
        ("genre", "Fantasy", 0),
        ("genre", "Historical", 1),
        ("year", "2006", 0),
        ("date", "2006-04-25", 0),
        ("publisher", "Books on Tape", 0),
        ("description", "Laurence and Temeraire travel to China.", 0),
    } <= rows


def test_descriptions_are_capped_evidence():
    rows = _rows({"tagDescription": "Book three of the Long Series. " + "x" * 5000, "tagComment": "ignored"})
    (description,) = [r for r in rows if r[0] == "description"]
    assert description[1].startswith("Book three of the Long Series.") and len(description[1]) == 2000


def test_hunger_games_title_and_last_first_artist():
    rows = _rows(_meta_tags("Hunger_Games__The"))
    # ABS keeps the title as tagged; the artist "Collins, Suzanne" is flipped by parseNameString.
    assert rows == {("title", "Hunger Games, The", 0), ("author", "Suzanne Collins", 0)}


def test_way_of_kings_series_from_the_grouping_tag():
    rows = _rows(_meta_tags("Part_1"))
    assert rows == {("title", "Part 1", 0), ("series", "The Stormlight Archive", 0), ("sequence", "1", 0)}


def test_album_beats_title_and_artist_beats_album_artist():
    rows = _rows(
        {
            "tagAlbum": "The Final Empire",
            "tagTitle": "Prologue",
            "tagArtist": "Brandon Sanderson",
            "tagAlbumArtist": "Someone Else",
        }
    )
    assert ("title", "The Final Empire", 0) in rows and ("title", "Prologue", 0) not in rows
    assert {r for r in rows if r[0] == "author"} == {("author", "Brandon Sanderson", 0)}


def test_good_omens_ampersand_artist_gives_two_authors():
    rows = _rows(_meta_tags("Good_Omens"))
    assert {("author", "Terry Pratchett", 0), ("author", "Neil Gaiman", 1)} <= rows


def test_multiple_series_in_tags_and_grouping():
    rows = _rows({"tagSeries": "Discworld; Rincewind", "tagSeriesPart": "1; 1"})
    assert {
        ("series", "Discworld", 0),
        ("sequence", "1", 0),
        ("series", "Rincewind", 1),
        ("sequence", "1", 1),
    } <= rows
    rows = _rows({"tagGrouping": "Discworld #1; Rincewind #1"})
    assert {("series", "Discworld", 0), ("series", "Rincewind", 1), ("sequence", "1", 1)} <= rows


def test_genres_split_on_slash_double_slash_and_semicolon():
    rows = _rows({"tagGenre": "Fantasy//Epic;Adventure/Fantasy"})
    assert sorted(r for r in rows if r[0] == "genre") == [
        ("genre", "Adventure", 2),
        ("genre", "Epic", 1),
        ("genre", "Fantasy", 0),
    ]


def test_itunes_composer_is_an_author_beside_the_artist_and_the_disc_tag_is_kept():
    """iTunes keeps a CD's writer as the composer while Gracenote may credit the reader as the artist: both
    are author readings (the composer still ABS's narrator). Another encoder's composer is ABS's narrator."""
    tags = {"tagAlbum": "Better off Friends [Unabridged] Disc 2", "tagArtist": "Steven Porter",
            "tagComposer": "Elizabeth Eulberg", "tagDisc": "2/12", "tagEncoder": "iTunes 12.12.10.1"}  # fmt: skip
    rows = {
        (e.field, e.value, e.rule) for e in tags_evidence(tags, "tags.abs_metatags", ["Steven Porter"], [])
    }
    assert ("author", "Steven Porter", "tags.abs_metatags") in rows
    assert ("author", "Elizabeth Eulberg", "tags.abs_metatags.composer_as_author") in rows
    assert ("narrator", "Elizabeth Eulberg", "tags.abs_metatags") in rows
    assert ("disc", "2/12", "tags.abs_metatags") in rows
    lame = {
        (e.field, e.value)
        for e in tags_evidence({**tags, "tagEncoder": "LAME3.100"}, "tags.abs_metatags", [], [])
    }
    assert ("author", "Elizabeth Eulberg") not in lame and ("narrator", "Elizabeth Eulberg") in lame


def test_explicit_narrator_tag_beats_composer():
    rows = _rows({"tagComposer": "Some Composer", "tagNarrator": "Ray Porter"})
    assert {r for r in rows if r[0] == "narrator"} == {("narrator", "Ray Porter", 0)}


def test_odd_metatags_give_fewer_rows_not_errors():
    assert tags_evidence(None) == []  # type: ignore[arg-type]
    assert (
        tags_evidence({"tagAlbum": None, "tagArtist": {"a": 1}, "tagGenre": ["x"], "tagEncoder": "Lavf"})
        == []
    )
    assert _rows({"tagSeries": "Dune", "tagSeriesPart": 1}) == {("series", "Dune", 0), ("sequence", "1", 0)}
    assert _rows({"tagDate": "1994"}) == {("year", "1994", 0)}


FULL = {
    "tagAlbum": "Throne of Jade",
    "tagTitle": "Throne of Jade",
    "tagSubtitle": "Temeraire Book Two",
    "tagArtist": "Novik, Naomi",
    "tagAlbumArtist": "Naomi Novik",
    "tagComposer": "Simon Vance",
    "tagNarrator": "Simon Vance",
    "tagSeries": "Temeraire",
    "tagSeriesPart": "2",
    "tagGrouping": "Temeraire #2",
    "tagASIN": "B000FC2L1Q",
    "tagIsbn": "9780345481290",
    "tagDate": "2006-04-25",
    "tagGenre": "Fantasy/Historical",
    "tagPublisher": "Books on Tape",
    "tagLanguage": "English",
}


@pytest.mark.parametrize("ext", [".m4b", ".m4a", ".mp3", ".flac", ".ogg", ".opus"])
def test_tags_written_to_a_real_file_read_back_the_same(tmp_path, ext):
    path = write_tags(silent_file(tmp_path / f"book{ext}", 0.5), FULL)
    assert read_file_tags(path) == FULL
    fmt = ext.lstrip(".")
    rows = {(e.field, e.value) for e in tags_evidence(read_file_tags(path), f"tags.file.{fmt}")}
    assert {
        ("author", "Naomi Novik"),
        ("narrator", "Simon Vance"),
        ("series", "Temeraire"),
        ("sequence", "2"),
        ("asin", "B000FC2L1Q"),
        ("isbn", "9780345481290"),
        ("title", "Throne of Jade"),
    } <= rows


def test_m4b_audiobook_atoms_as_other_tools_write_them(tmp_path):
    """©nrt narrator, ©wrt composer, ©grp grouping, desc, and freeform iTunes atoms as Libation/Audible tools write."""
    path = silent_file(tmp_path / "x.m4b", 0.5)
    mp4 = MP4(path)
    if mp4.tags is None:
        mp4.add_tags()
    mp4.tags.update(
        {
            "©alb": ["Project Hail Mary"],
            "©ART": ["Andy Weir"],
            "aART": ["Andy Weir"],
            "©nrt": ["Ray Porter"],
            "©wrt": ["Ray Porter"],
            "©day": ["2021"],
            "©grp": ["Standalone #1"],
            "desc": ["A lone astronaut."],
            "----:com.apple.iTunes:ASIN": [MP4FreeForm(b"B08G9PRS1K")],
            "----:com.apple.iTunes:SERIES-PART": [MP4FreeForm(b"1")],
            "trkn": [(1, 1)],
        }
    )
    mp4.save()
    tags = read_file_tags(path)
    assert tags["tagAlbum"] == "Project Hail Mary" and tags["tagNarrator"] == "Ray Porter"
    assert tags["tagASIN"] == "B08G9PRS1K" and tags["tagGrouping"] == "Standalone #1"
    assert tags["tagDescription"] == "A lone astronaut." and tags["tagTrack"] == "1/1"


def test_mp3_id3_audiobook_frames(tmp_path):
    """MVNM/MVIN (iTunes movement = series), GRP1, TXXX:NARRATOR and a COMM frame."""
    path = silent_file(tmp_path / "x.mp3", 0.5)
    tag = id3.ID3()
    for frame in (
        id3.TALB(encoding=3, text=["Mistborn"]),
        id3.TPE1(encoding=3, text=["Brandon Sanderson"]),
        id3.MVNM(encoding=3, text=["Mistborn"]),
        id3.MVIN(encoding=3, text=["1"]),
        id3.TXXX(encoding=3, desc="NARRATOR", text=["Michael Kramer"]),
        id3.TXXX(encoding=3, desc="AUDIBLE_ASIN", text=["B002UZMLXM"]),
        id3.COMM(encoding=3, lang="eng", desc="", text=["A comment"]),
        id3.TDRC(encoding=3, text=["2006"]),
    ):
        tag.add(frame)
    tag.save(path, v2_version=3)
    tags = read_file_tags(path)
    assert tags == {
        "tagAlbum": "Mistborn",
        "tagArtist": "Brandon Sanderson",
        "tagSeries": "Mistborn",
        "tagSeriesPart": "1",
        "tagNarrator": "Michael Kramer",
        "tagASIN": "B002UZMLXM",
        "tagComment": "A comment",
        "tagDate": "2006",
    }


def test_vorbis_seriespart_spelling_without_hyphen(tmp_path):
    path = silent_file(tmp_path / "x.flac", 0.5)
    from mutagen.flac import FLAC

    f = FLAC(path)
    f["ALBUM"], f["SERIES"], f["SERIESPART"], f["ALBUM_ARTIST"] = "Dune", "Dune", "1", "Frank Herbert"
    f.save()
    assert read_file_tags(path) == {
        "tagAlbum": "Dune",
        "tagSeries": "Dune",
        "tagSeriesPart": "1",
        "tagAlbumArtist": "Frank Herbert",
    }


def test_an_untagged_file_gives_no_tags(tmp_path):
    assert read_file_tags(silent_file(tmp_path / "x.opus", 0.5)) == {}


@pytest.mark.parametrize("ext", [".m4b", ".mp3", ".flac"])
def test_a_corrupt_file_is_a_tag_read_error_naming_the_file(tmp_path, ext):
    path = corrupt_file(tmp_path / f"broken{ext}", ext_like=ext)
    with pytest.raises(TagReadError) as err:
        read_file_tags(path)
    assert err.value.path == str(path) and str(path) in str(err.value) and err.value.reason


def test_a_missing_or_non_audio_file_is_a_tag_read_error(tmp_path):
    with pytest.raises(TagReadError, match="file not found"):
        read_file_tags(tmp_path / "gone.m4b")
    (tmp_path / "notes.txt").write_text("not audio")
    with pytest.raises(TagReadError, match="not a recognised audio file"):
        read_file_tags(tmp_path / "notes.txt")
