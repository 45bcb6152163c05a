"""Folder and file-name parsing: ABS 2.36's own reading (reference/abs-api.md §6.2) and the common schemes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.evidence import parse_filename, parse_folder, parse_name_string

FIXTURES = Path(__file__).resolve().parent.parent / "emulators" / "data" / "abs-2.36.0"

# Every row of the parse table in reference/abs-api.md §6.2 ("Parsed examples, observed on ABS 2.36.0"),
# with '…' written out as an author folder. Columns: relPath, is_file, title, authors, series, sequence,
# year, narrators, asin.
ABS_TABLE = [
    ("Author Name/Title", False, "Title", ["Author Name"], None, None, None, [], None),
    (
        "Author Name/Series Name/1 - Title",
        False,
        "Title",
        ["Author Name"],
        "Series Name",
        "1",
        None,
        [],
        None,
    ),
    (
        "Author Name/Series Name/01. Title",
        False,
        "Title",
        ["Author Name"],
        "Series Name",
        "1",
        None,
        [],
        None,
    ),
    (
        "Author Name/Series Name/Vol 1 - Title",
        False,
        "Title",
        ["Author Name"],
        "Series Name",
        "1",
        None,
        [],
        None,
    ),
    (
        "Author Name/Series Name/Book 2 Title",
        False,
        "Title",
        ["Author Name"],
        "Series Name",
        "2",
        None,
        [],
        None,
    ),
    (
        "Author Name/Series Name/Title - Book 3",
        False,
        "Title",
        ["Author Name"],
        "Series Name",
        "3",
        None,
        [],
        None,
    ),
    (
        "Author Name/Series Name/Vol. 1.5 - Title",
        False,
        "Title",
        ["Author Name"],
        "Series Name",
        "1.5",
        None,
        [],
        None,
    ),
    (
        "Author Name/Series Name/1980 - Book 2 - Title",
        False,
        "Title",
        ["Author Name"],
        "Series Name",
        "2",
        "1980",
        [],
        None,
    ),
    (
        "Author Name/Series Name/3 - 2001 - Title - Sub {N One, N Two} [B00ABCDEFG]",
        False,
        "Title - Sub",
        ["Author Name"],
        "Series Name",
        "3",
        "2001",
        ["N One", "N Two"],
        "B00ABCDEFG",
    ),
    ("Author Name/1 - Title", False, "1 - Title", ["Author Name"], None, None, None, [], None),
    ("Author Name/(2001) - Title", False, "Title", ["Author Name"], None, None, "2001", [], None),
    ("Author Name/Title (2001)", False, "Title (2001)", ["Author Name"], None, None, None, [], None),
    (
        "Author Name/Series Name/101 Dalmatians",
        False,
        "101 Dalmatians",
        ["Author Name"],
        "Series Name",
        None,
        None,
        [],
        None,
    ),
    ("Author Name/Series Name/1984", False, "1984", ["Author Name"], "Series Name", None, None, [], None),
    ("Smith, John & Doe, Jane/Title", False, "Title", ["John Smith", "Jane Doe"], None, None, None, [], None),
    ("Root Book.mp3", True, "Root Book", [], None, None, None, [], None),
    # The structural rules stated above the table.
    ("Series Name/Title", False, "Title", ["Series Name"], None, None, None, [], None),
    (
        "Extra/Author Name/Series Name/Title",
        False,
        "Title",
        ["Author Name"],
        "Series Name",
        None,
        None,
        [],
        None,
    ),
    ("Author/Series/Book/deep/er", False, "er", ["Book"], "deep", None, None, [], None),
    # Sequence edge cases from the regex: labelled or dotted suffixes count, normalised numbers.
    ("A B/S/101. Dalmatians", False, "Dalmatians", ["A B"], "S", "101", None, [], None),
    ("A B/S/Volume 12. Title - Subtitle", False, "Title - Subtitle", ["A B"], "S", "12", None, [], None),
    ("A B/S/Title - volume 9 - Subtitle", False, "Title - Subtitle", ["A B"], "S", "9", None, [], None),
    ("A B/S/1.50 - Title", False, "Title", ["A B"], "S", "1.5", None, [], None),
    ("A B/S/0.5 - Book Title", False, "Book Title", ["A B"], "S", "0.5", None, [], None),
    ("A B/S/Title #3", False, "Title #3", ["A B"], "S", None, None, [], None),
    ("A B/S/Part 3 - Title", False, "Part 3 - Title", ["A B"], "S", None, None, [], None),
    # ASIN: exactly ten upper-case [A-Z0-9], space-delimited; lower case is not an ASIN.
    ("A B/Title [b00abcdefg]", False, "Title [b00abcdefg]", ["A B"], None, None, None, [], None),
    ("A B/Title[B00ABCDEFG]", False, "Title[B00ABCDEFG]", ["A B"], None, None, None, [], None),
    ("A B/[B00ABCDEFG] Title", False, "Title", ["A B"], None, None, None, [], "B00ABCDEFG"),
    # Narrators only as the very last thing (after the ASIN is gone).
    (
        "A B/Title {Kate Reading & Michael Kramer} [B00ABCDEFG]",
        False,
        "Title",
        ["A B"],
        None,
        None,
        None,
        ["Kate Reading", "Michael Kramer"],
        "B00ABCDEFG",
    ),
    (
        "A B/Title {Kate Reading} extra",
        False,
        "Title {Kate Reading} extra",
        ["A B"],
        None,
        None,
        None,
        [],
        None,
    ),
]


@pytest.mark.parametrize(
    ("rel_path", "is_file", "title", "authors", "series", "sequence", "year", "narrators", "asin"),
    ABS_TABLE,
    ids=[row[0] for row in ABS_TABLE],
)
def test_abs_reading_matches_abs_2_36(
    rel_path, is_file, title, authors, series, sequence, year, narrators, asin
):
    parsed = parse_folder(rel_path, is_file=is_file)
    assert (
        parsed.title,
        parsed.authors,
        parsed.series,
        parsed.sequence,
        parsed.year,
        parsed.narrators,
        parsed.asin,
    ) == (title, authors, series, sequence, year, narrators, asin)


def test_subtitle_is_split_only_when_the_server_setting_is_on():
    rel = "Author Name/Series Name/3 - 2001 - Title - Sub {N One, N Two} [B00ABCDEFG]"
    assert parse_folder(rel).subtitle is None
    parsed = parse_folder(rel, parse_subtitle=True)
    assert (parsed.title, parsed.subtitle) == ("Title", "Sub")


def test_cd_folder_makes_its_parent_the_item():
    parsed = parse_folder("Good Omens/CD2")
    assert parsed.title == "Good Omens" and parsed.disc_folder == "CD2" and parsed.authors == []
    assert parse_folder("Author Name/Title/Disc 01").title == "Title"


def test_a_disc_folder_abs_does_not_fold_is_read_as_its_parent():
    """'Disc 3 of 12' and 'CD 3 - Title' (a box's labels) are no title: ABS makes each its own item, and the
    folder above names the book (and the one above that its author, not a series)."""
    parsed = parse_folder("Jenny Downham/You Against Me/Disc 6 of 7")
    assert parsed.values("title", "scheme.") == ["You Against Me"]
    assert parsed.values("author") == ["Jenny Downham"] and parsed.values("series") == []
    parsed = parse_folder("The Girl Who Played with Fire/CD 3 - The Girl Who Played with Fire")
    assert parsed.values("title", "scheme.") == ["The Girl Who Played with Fire"]
    assert parsed.values("author") == []
    # 'Title (Disc 3)' under the author is the title folder itself
    assert parse_folder("Kresley Cole/Dark Needs at Night's Edge (Disc 7)").values("author") == [
        "Kresley Cole"
    ]


def test_music_manager_folders_and_cast_credits_name_no_author():
    """iTunes files a CD under 'iTunes Media/Music/<Artist>/<Album>' (older: 'iTunes Music'), WMP under
    'Music'; a dramatisation's artist is 'Full Cast'."""
    parsed = parse_folder("iTunes/iTunes Media/Music/Nicholas Sparks/See Me (Unabridged) Disc 9")
    assert parsed.values("author") == ["Nicholas Sparks"] and parsed.values("series") == []
    parsed = parse_folder("iTunes/iTunes Music/Fannie Flagg/Daisy Fay and the Miracle Man (Unabridged)")
    assert parsed.values("author") == ["Fannie Flagg"]
    assert parse_folder("Full Cast/The Crow Road - BBC Radio Collection").values("author") == []
    # the BBC's imprint after the title is no title, and a bare title before it no author
    parsed = parse_folder("Various/Who Moved My Cheese - BBC Radio Collection")
    assert parsed.values("title", "scheme.") == ["Who Moved My Cheese"] and parsed.values("author") == []


def test_abs_reading_is_labelled_with_the_rule_that_produced_each_field():
    parsed = parse_folder(
        "Terry Pratchett/Discworld/Vol. 1 - 1983 - The Colour of Magic {Nigel Planer} [B002SQ4ZLI]"
    )
    rules = {(e.field, e.value): e.rule for e in parsed.readings}
    assert rules == {
        ("title", "The Colour of Magic"): "abs.title_folder",
        ("author", "Terry Pratchett"): "abs.author_folder",
        ("narrator", "Nigel Planer"): "abs.narrators",
        ("series", "Discworld"): "abs.series_folder",
        ("sequence", "1"): "abs.sequence",
        ("year", "1983"): "abs.year",
        ("asin", "B002SQ4ZLI"): "abs.asin",
    }
    assert all(e.source == "path" for e in parsed.readings)


@pytest.mark.parametrize(
    "fixture",
    ["The_Colour_of_Magic", "incoming", "The_Hitchhiker_s_Guide_to_the_", "Dune___Frank_Herbert__Unabridg"],
)
def test_abs_reading_reproduces_what_the_real_server_showed(fixture):
    """For these recorded items the folder was ABS's only source of title/series/year/narrators."""
    item = json.loads((FIXTURES / f"get_item_expanded_{fixture}.json").read_text())["response"]
    meta = item["media"]["metadata"]
    parsed = parse_folder(item["relPath"], is_file=item["isFile"])
    if fixture == "The_Hitchhiker_s_Guide_to_the_":  # the album tag overrode the folder title
        assert parsed.title == "The Hitchhiker's Guide to the Galaxy (1979)" and parsed.year is None
        return
    assert parsed.title == meta["title"]
    assert parsed.narrators == meta["narrators"]
    assert [s["name"] for s in meta["series"]] == ([parsed.series] if parsed.series else [])
    assert [s["sequence"] for s in meta["series"]] == ([parsed.sequence] if parsed.series else [])
    assert parsed.year == meta["publishedYear"]


# --- the common schemes ABS misses: (folder, expected {(field, value, rule)} among the scheme readings) ---
SCHEMES = [
    (
        "Suzanne Collins - The Hunger Games [B002UZJGYY]",
        {
            ("author", "Suzanne Collins", "scheme.author_dash_title"),
            ("title", "The Hunger Games", "scheme.author_dash_title"),
        },
    ),
    (
        "Dune - Frank Herbert (Unabridged)",
        {
            ("author", "Frank Herbert", "scheme.title_dash_author"),
            ("title", "Dune", "scheme.title_dash_author"),
            ("edition", "unabridged", "scheme.edition_tag"),
            ("title", "Dune - Frank Herbert", "scheme.clean_title"),
        },
    ),
    (
        "Neil Gaiman & Terry Pratchett - Good Omens",
        {
            ("author", "Neil Gaiman", "scheme.author_dash_title"),
            ("author", "Terry Pratchett", "scheme.author_dash_title"),
            ("title", "Good Omens", "scheme.author_dash_title"),
        },
    ),
    (
        "The Final Empire (Mistborn #1)",
        {
            ("series", "Mistborn", "scheme.title_paren_series"),
            ("sequence", "1", "scheme.title_paren_series"),
            ("title", "The Final Empire", "scheme.title_paren_series"),
        },
    ),
    (
        "Catching Fire (The Hunger Games, Book 2)",
        {
            ("series", "The Hunger Games", "scheme.title_paren_series"),
            ("sequence", "2", "scheme.title_paren_series"),
            ("title", "Catching Fire", "scheme.title_paren_series"),
        },
    ),
    (
        "Mistborn 03 - The Hero of Ages",
        {
            ("series", "Mistborn", "scheme.series_number_title"),
            ("sequence", "3", "scheme.series_number_title"),
            ("title", "The Hero of Ages", "scheme.series_number_title"),
        },
    ),
    (
        "Mistborn Book 2 - The Well of Ascension",
        {
            ("series", "Mistborn", "scheme.series_number_title"),
            ("sequence", "2", "scheme.series_number_title"),
            ("title", "The Well of Ascension", "scheme.series_number_title"),
        },
    ),
    (
        "Discworld Book Three - Equal Rites",
        {
            ("series", "Discworld", "scheme.series_number_title"),
            ("sequence", "3", "scheme.series_number_title"),
            ("title", "Equal Rites", "scheme.series_number_title"),
        },
    ),
    (
        "Brandon Sanderson - Mistborn 01 - The Final Empire",
        {
            ("author", "Brandon Sanderson", "scheme.author_dash_title"),
            ("series", "Mistborn", "scheme.series_number_title"),
            ("sequence", "1", "scheme.series_number_title"),
            ("title", "The Final Empire", "scheme.series_number_title"),
        },
    ),
    (
        "Catching Fire - Book 2",
        {("sequence", "2", "scheme.book_number"), ("title", "Catching Fire", "scheme.book_number")},
    ),
    (
        "Book Three - The Hero of Ages",
        {("sequence", "3", "scheme.book_number"), ("title", "The Hero of Ages", "scheme.book_number")},
    ),
    ("The Stand Part 2", {("part", "2", "scheme.part_number"), ("title", "The Stand", "scheme.part_number")}),
    (
        "The Stand - Part Two",
        {("part", "2", "scheme.part_number"), ("title", "The Stand", "scheme.part_number")},
    ),
    ("Title (2001)", {("year", "2001", "scheme.title_year"), ("title", "Title", "scheme.title_year")}),
    (
        "Words of Radiance [Unabridged] (64kbps)",
        {
            ("edition", "unabridged", "scheme.edition_tag"),
            ("title", "Words of Radiance", "scheme.clean_title"),
        },
    ),
    ("The Way of Kings [m4b]", {("title", "The Way of Kings", "scheme.clean_title")}),
    (
        "Ink Exchange - Marr, Melissa",
        {
            ("author", "Melissa Marr", "scheme.title_dash_author"),
            ("title", "Ink Exchange", "scheme.title_dash_author"),
        },
    ),
    (
        "The Hobbit - J.R.R. Tolkien",
        {
            ("author", "J.R.R. Tolkien", "scheme.title_dash_author"),
            ("title", "The Hobbit", "scheme.title_dash_author"),
        },
    ),
    (
        "Lady Luck - Kristen Ashley",
        {  # nothing settles it: both readings stay, labelled
            ("author", "Lady Luck", "scheme.author_dash_title"),
            ("title", "Kristen Ashley", "scheme.author_dash_title"),
            ("author", "Kristen Ashley", "scheme.title_dash_author"),
            ("title", "Lady Luck", "scheme.title_dash_author"),
        },
    ),
    (
        "Pride and Prejudice (Abridged)",
        {
            ("edition", "abridged", "scheme.edition_tag"),
            ("title", "Pride and Prejudice", "scheme.clean_title"),
        },
    ),
]


@pytest.mark.parametrize(("folder", "expected"), SCHEMES, ids=[s[0] for s in SCHEMES])
def test_common_schemes_are_separate_labelled_readings(folder, expected):
    readings = {
        (e.field, e.value, e.rule) for e in parse_folder(folder).readings if e.rule.startswith("scheme.")
    }
    assert readings == expected


def test_schemes_never_rewrite_the_abs_reading():
    parsed = parse_folder("The Final Empire (Mistborn #1)")
    assert parsed.title == "The Final Empire (Mistborn #1)" and parsed.series is None
    assert parsed.values("title", "abs.") == ["The Final Empire (Mistborn #1)"]
    assert parsed.values("title", "scheme.") == ["The Final Empire"]


def test_plain_titles_get_no_alternative_readings():
    for folder in ("Andy Weir/Project Hail Mary", "The Hobbit", "incoming", "Author Name/Series Name/1984"):
        assert not [e for e in parse_folder(folder).readings if e.rule.startswith("scheme.")], folder


def test_schemes_do_not_repeat_what_abs_already_parsed():
    parsed = parse_folder("Terry Pratchett/Discworld/Vol. 1 - 1983 - The Colour of Magic {Nigel Planer}")
    assert not [e for e in parsed.readings if e.rule.startswith("scheme.")]


def test_a_relpath_that_is_not_a_string_is_a_clear_error():
    with pytest.raises(ValueError, match="relPath must be a string"):
        parse_folder(None)  # type: ignore[arg-type]


def test_a_10000_character_folder_name_parses_quickly_and_whole():
    parsed = parse_folder("Author/" + "x - " * 2500)
    assert parsed.authors == ["Author"] and len(parsed.title) > 9000


# --- parseNameString ---
NAMES = [
    ("Smith, John & Doe, Jane", ["John Smith", "Jane Doe"]),
    ("Terry Pratchett & Neil Gaiman", ["Terry Pratchett", "Neil Gaiman"]),
    ("Collins, Suzanne", ["Suzanne Collins"]),
    ("Jon Smith and Jane Doe", ["Jon Smith", "Jane Doe"]),
    ("Jon Smith, Jane Doe", ["Jon Smith", "Jane Doe"]),
    ("Friedman, Milton, Friedman, Rose", ["Milton Friedman", "Rose Friedman"]),
    ("Smith; James Jones", ["Smith", "James Jones"]),  # no comma: never Last, First
    ("Sanderson, Brandon, III", ["Brandon Sanderson"]),  # odd straggler dropped
    ("Brandon Sanderson, Brandon Sanderson", ["Brandon Sanderson"]),
    ("村上春樹, 柴田元幸", ["村上春樹", "柴田元幸"]),
    ("andy weir", ["Andy Weir"]),
    ("Ursula K. Le Guin", ["Ursula K. Le Guin"]),
    ("J.R.R. Tolkien", ["J.R.R. Tolkien"]),  # mixed case is left alone
    ("ANDY WEIR", ["Andy Weir"]),
    ("von Mises, Ludwig", ["Ludwig von Mises"]),  # a particle-led chunk is a surname
    ("Plato", ["Plato"]),
    ("", []),
    (None, []),
]


@pytest.mark.parametrize(("raw", "names"), NAMES, ids=[str(n[0]) for n in NAMES])
def test_parse_name_string_like_abs(raw, names):
    assert parse_name_string(raw) == names


# --- file names ---
FILENAMES = [
    ("Project Hail Mary.m4b", {("title", "Project Hail Mary", "filename.stem")}),
    ("01 - Prologue.mp3", set()),
    ("02 - Chapter 1.mp3", set()),
    ("track01.mp3", set()),
    ("part01.mp3", set()),
    ("01.mp3", set()),
    ("CD1 - Track 03.mp3", set()),
    ("hhgttg.mp3", {("title", "hhgttg", "filename.stem")}),
    (
        "Dune - Frank Herbert (Unabridged).mp3",
        {
            ("title", "Dune - Frank Herbert", "filename.stem"),
            ("edition", "unabridged", "scheme.edition_tag"),
            ("author", "Frank Herbert", "scheme.title_dash_author"),
            ("title", "Dune", "scheme.title_dash_author"),
        },
    ),
    ("The Final Empire - 01.mp3", {("title", "The Final Empire", "filename.stem")}),
    ("01 - The Final Empire.mp3", {("title", "The Final Empire", "filename.stem")}),
    ("The_Final_Empire_Part_1.mp3", {("title", "The Final Empire", "filename.stem")}),
    # EAC's '%tracknr2% - %title%' over freedb's per-disc track titles ('Title 3-01': disc 3, track 01)
    ("01 - The Final Empire 3-01.mp3", {("title", "The Final Empire", "filename.stem")}),
]


@pytest.mark.parametrize(("filename", "expected"), FILENAMES, ids=[f[0] for f in FILENAMES])
def test_file_names_give_evidence_unless_they_are_only_track_names(filename, expected):
    rows = parse_filename(filename)
    assert {(e.field, e.value, e.rule) for e in rows} == expected
    assert all(e.source == "filename" for e in rows)


def test_an_author_named_elsewhere_settles_which_side_of_a_dash_is_the_person():
    both = parse_folder("Beautiful Darkness - Kami Garcia")
    assert set(both.values("author", "scheme.")) == {"Beautiful Darkness", "Kami Garcia"}
    settled = parse_folder("Beautiful Darkness - Kami Garcia", known_authors=["Kami Garcia"])
    assert settled.values("author", "scheme.") == ["Kami Garcia"]
    assert settled.values("title", "scheme.") == ["Beautiful Darkness"]
    rows = parse_filename("Golden Fool - Robin Hobb.m4b", known_authors=["Robin Hobb"])
    assert {(e.field, e.value) for e in rows if e.rule.startswith("scheme.")} == {
        ("author", "Robin Hobb"),
        ("title", "Golden Fool"),
    }
