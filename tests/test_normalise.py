"""Normalisation tables: what must compare equal, what must stay apart, and what gets captured."""

from __future__ import annotations

import pytest

from tasks.normalise import (
    TitleParts,
    name_key,
    normalise_name,
    normalise_series,
    normalise_title,
    parse_position,
    split_credits,
    split_disc,
    split_names,
    split_title,
)
from tasks.scoring.keys import numbered_title


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Hunger Games", "Hunger Games, The"),
        ("The Hunger Games", "hunger games"),
        ("Dune [Unabridged]", "Dune"),
        ("Dune (Unabridged)", "DUNE"),
        ("Les Misérables", "Les Miserables"),
        ("Pride & Prejudice", "Pride and Prejudice"),
        ("Allegiant (Divergent, #3)", "Allegiant"),
        ("The Way of Kings (The Stormlight Archive Book 1)", "Way of Kings"),
        ("Gone Girl: A Novel", "Gone Girl"),
        ("Project Hail Mary - 64kbps", "Project Hail Mary"),
        ("Project Hail Mary m4b", "Project Hail Mary"),
        ("The Martian CD 1", "The Martian"),
        (
            "Harry Potter and the Chamber of Secrets (Harry Potter, #2)",
            "Harry Potter & the Chamber of Secrets",
        ),
        ("Ender’s Game", "Enders Game"),
        ("Catch-22", "Catch 22"),
        ("Rocky II", "Rocky 2"),
        ("Rocky Two", "Rocky 2"),
    ],
)
def test_titles_that_name_the_same_book_normalise_equal(a, b):
    assert normalise_title(a) == normalise_title(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Dune", "Dune Messiah"),
        ("The Hobbit", "The Hobbit Companion"),
        ("Mix", "Mid"),  # roman-looking words are not numerals
        ("Malcolm X", "Malcolm 10"),
    ],
)
def test_different_titles_stay_different(a, b):
    assert normalise_title(a) != normalise_title(b)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Allegiant (Divergent, #3)", TitleParts("Allegiant", None, "Divergent", 3.0)),
        # One part of a volume published split: the part stays in the title, it names a book of its own.
        (
            "Harry Potter and the Order of the Phoenix (Harry Potter, #5, Part 1)",
            TitleParts("Harry Potter and the Order of the Phoenix Part 1", None, "Harry Potter", 5.0),
        ),
        (
            "The Stand (The Stand, #1, Pt. 2)",
            TitleParts("The Stand Pt. 2", None, "The Stand", 1.0),
        ),
        (
            "The Way of Kings (The Stormlight Archive Book 1)",
            TitleParts("The Way of Kings", None, "The Stormlight Archive", 1.0),
        ),
        ("Throne of Jade (Temeraire, Book Two)", TitleParts("Throne of Jade", None, "Temeraire", 2.0)),
        ("The Final Empire (Mistborn #1)", TitleParts("The Final Empire", None, "Mistborn", 1.0)),
        ("Golden Son [Red Rising 2]", TitleParts("Golden Son", None, "Red Rising", 2.0)),
        (
            "The Hunger Games Trilogy (The Hunger Games, #1-3)",
            TitleParts("The Hunger Games Trilogy", None, "The Hunger Games", 1.0),
        ),
        ("Mistborn, Book 3: The Hero of Ages", TitleParts("The Hero of Ages", None, "Mistborn", 3.0)),
        ("Foundation, Part III", TitleParts("Foundation", None, None, 3.0)),
        ("Saga, Vol. 2", TitleParts("Saga", None, None, 2.0)),
        ("Dune [Unabridged]", TitleParts("Dune", flags=("unabridged",))),
        ("Dune (Abridged)", TitleParts("Dune", flags=("abridged",))),
        ("Good Omens (Full Cast Dramatization)", TitleParts("Good Omens (Full Cast Dramatization)")),
        ("Hunger Games, The", TitleParts("The Hunger Games")),
        ("Gone Girl: A Novel", TitleParts("Gone Girl")),
        ("Sapiens: A Brief History of Humankind", TitleParts("Sapiens", "A Brief History of Humankind")),
        ("The Martian - CD 2", TitleParts("The Martian")),
        ("", TitleParts("")),
    ],
)
def test_split_title_captures_series_position_subtitle_and_edition_notes(raw, expected):
    assert split_title(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3", 3.0),
        ("#3", 3.0),
        ("1.5", 1.5),
        ("Book Two", 2.0),
        ("Book 3", 3.0),
        ("III", 3.0),
        ("iv", 4.0),
        ("Vol. 2", 2.0),
        ("Part III", 3.0),
        ("Book 3 of 5", 3.0),
        ("first", 1.0),
        (7, 7.0),
        ("", None),
        (None, None),
        ("banana", None),
    ],
)
def test_parse_position(raw, expected):
    assert parse_position(raw) == expected


@pytest.mark.parametrize(
    "variant",
    [
        "J.K. Rowling",
        "J. K. Rowling",
        "JK Rowling",
        "Rowling, J.K.",
        "Rowling, J. K.",
        "j.k. rowling",
        "J.K. Rowling, Ph.D.",
    ],
)
def test_initials_and_inversions_give_one_name(variant):
    assert normalise_name(variant) == "jk rowling"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Joanne Rowling", "J.K. Rowling"),
        ("Herbert, Frank", "Frank Herbert"),
        ("Gabriel García Márquez", "Gabriel Garcia Marquez"),
        ("Martin Luther King, Jr.", "Martin Luther King"),
    ],
)
def test_name_keys_agree_for_the_same_person(a, b):
    assert name_key(a) == name_key(b)


def test_name_keys_differ_for_different_people():
    assert name_key("Stephen King") != name_key("Stephen Fry")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Neil Gaiman, Terry Pratchett", ["Neil Gaiman", "Terry Pratchett"]),
        ("Neil Gaiman & Terry Pratchett", ["Neil Gaiman", "Terry Pratchett"]),
        ("Neil Gaiman and Terry Pratchett", ["Neil Gaiman", "Terry Pratchett"]),
        ("Neil Gaiman; Terry Pratchett", ["Neil Gaiman", "Terry Pratchett"]),
        ("Herbert, Frank", ["Frank Herbert"]),
        ("Rowling, J.K.", ["J.K. Rowling"]),
        ("King, Stephen, Straub, Peter", ["Stephen King", "Peter Straub"]),
        ("Douglas Preston et al.", ["Douglas Preston"]),
        ("Martin Luther King, Jr.", ["Martin Luther King Jr."]),
        ("", []),
    ],
)
def test_split_names(raw, expected):
    assert split_names(raw) == expected


@pytest.mark.parametrize(
    ("raw", "authors", "narrators"),
    [
        ("Andy Weir, narrated by Ray Porter", ["Andy Weir"], ["Ray Porter"]),
        ("Andy Weir - read by Ray Porter", ["Andy Weir"], ["Ray Porter"]),
        ("Terry Pratchett (Narrated by Stephen Briggs)", ["Terry Pratchett"], ["Stephen Briggs"]),
        ("Neil Gaiman & Terry Pratchett", ["Neil Gaiman", "Terry Pratchett"], []),
    ],
)
def test_narrators_mixed_into_author_fields_are_separated(raw, authors, narrators):
    assert split_credits(raw) == (authors, narrators)


def test_series_names_compare_without_article_or_kind_word():
    assert normalise_series("The Hunger Games Trilogy") == normalise_series("Hunger Games")
    assert normalise_series("The Stormlight Archive") == "stormlight archive"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # freedb disc entries as Exact Audio Copy names them
        ("The Luxe (Disc 6)", ("The Luxe", 6, None)),
        ("Lao Tzu - Tao Te Ching - CD4", ("Lao Tzu - Tao Te Ching", 4, None)),
        ("Mile High [12/15]", ("Mile High", 12, 15)),
        ("Bite Me (Unabridged) (Disc 3 of 8)", ("Bite Me (Unabridged)", 3, 8)),
        # Windows Media Player / iTunes albums from their disc databases
        ("Min kamp 1 (Unabridged) Disc 9", ("Min kamp 1 (Unabridged)", 9, None)),
        ("I Hunt Killers CD 02", ("I Hunt Killers", 2, None)),
        # box labels and Lidarr's medium folders
        ("Disc 6 of 7", ("", 6, 7)),
        ("CD 3 - The Enemy", ("The Enemy", 3, None)),
        ("CD 01", ("", 1, None)),
    ],
)
def test_disc_markers_of_cd_rips_give_the_disc_and_leave_the_name(name, expected):
    assert tuple(split_disc(name)) == expected


@pytest.mark.parametrize(
    "name", ["11/22/63", "Catch-22", "Apollo 13", "Title [2/1]", "Title (Disc 3", "Discworld 5"]
)
def test_names_without_a_disc_marker_are_left_alone(name):
    assert split_disc(name) is None


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Dark Needs at Night's Edge (Disc 7)", "Dark Needs at Night's Edge"),
        ("Wintersmith (Disc 1 of 8)", "Wintersmith"),
        ("Sea of Poppies (Unabridged) [7/7]", "Sea of Poppies"),
        ("Bite Me If You Can [Library Edition] (Disc 3 of 10)", "Bite Me If You Can"),
        ("Who Moved My Cheese? (BBC Radio Collection)", "Who Moved My Cheese?"),
    ],
)
def test_a_disc_of_a_set_is_the_book_not_a_volume_of_a_series(raw, title):
    """'(Disc 7)' is no series position and '[Library Edition]' no part of the title: the disc is the book."""
    assert split_title(raw) == TitleParts(title, flags=split_title(raw).flags)


def test_a_name_that_is_only_a_disc_is_a_placeholder():
    from tasks.normalise import is_placeholder_title

    assert all(is_placeholder_title(t) for t in ["Disc 6 of 7", "CD 03", "Disc 01 of 12"])
    assert not any(is_placeholder_title(t) for t in ["The Luxe (Disc 6)", "CD 3 - The Enemy"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Walking Dead, Vol. 14: No Way Out", "walking dead 14"),
        ("The Green Mile, Part 2", "green mile 2"),
        ("Harry Potter and the Order of the Phoenix (Harry Potter, #5)", "harry potter 5"),
        # One part of volume 5 is not volume 5.
        ("Harry Potter and the Order of the Phoenix (Harry Potter, #5, Part 1)", None),
        ("Dune", None),
    ],
)
def test_numbered_title_names_a_whole_volume_only(raw, expected):
    assert numbered_title(raw) == expected
