"""Template-free credit reading: one case per cue family, on transcripts as tiny.en writes them (no audio
here; tests/test_listen_corpus.py hears the same families spoken)."""

from __future__ import annotations

import pytest

from tasks.listen.credits import extract_credits
from tasks.listen.cues import read_spans
from tasks.listen.verdict import IDENTIFIED, Expected, judge

CUE_FAMILIES = [
    # (family, transcript, title, authors, narrators, series, position)
    (
        "author_first_no_by",
        "William Shakespeare, Romeo and Juliet, performed by Kenneth Branagh, unabridged.",
        "Romeo and Juliet",
        ["William Shakespeare"],
        ["Kenneth Branagh"],
        None,
        None,
    ),
    (
        "publisher_presents",
        "Tantor Audio presents Dune, by Frank Herbert. Read by Scott Brick. Chapter 1.",
        "Dune",
        ["Frank Herbert"],
        ["Scott Brick"],
        None,
        None,
    ),
    (
        "this_is_audible",
        "This is Audible. Circe, written by Madeline Miller, narrated by Perdita Weeks.",
        "Circe",
        ["Madeline Miller"],
        ["Perdita Weeks"],
        None,
        None,
    ),
    (
        "possessive",
        "Jane Austen's Pride and Prejudice. Narrated by Rosamund Pike. An unabridged production of Audible Studios.",
        "Pride and Prejudice",
        ["Jane Austen"],
        ["Rosamund Pike"],
        None,
        None,
    ),
    (
        "book_n_of_series",
        "Leviathan Wakes. Book 1 of the Expanse. Written by James S. A. Corey. Read for you by Jefferson Mays.",
        "Leviathan Wakes",
        ["James S. A. Corey"],
        ["Jefferson Mays"],
        "Expanse",
        1.0,
    ),
    (
        "nth_book_in_series",
        "Macmillan Audio presents The Name of the Wind, the first book in the Kingkiller Chronicle series, "
        "by Patrick Rothfuss, narrated by Nick Podehl.",
        "The Name of the Wind",
        ["Patrick Rothfuss"],
        ["Nick Podehl"],
        "Kingkiller Chronicle",
        1.0,
    ),
    (
        "after_chapter_heading",
        "Part 1 Chapter 1 The Night Circus, by Erin Morgenstern, narrated by Jim Dale. The road climbed slowly.",
        "The Night Circus",
        ["Erin Morgenstern"],
        ["Jim Dale"],
        None,
        None,
    ),
    (
        "you_have_been_listening_to",
        "He counted the coins twice. You have been listening to Rebecca, by Daphne du Maurier. "
        "It was read by Anna Massey. Copyright 1938 by Daphne du Maurier.",
        "Rebecca",
        ["Daphne du Maurier"],
        ["Anna Massey"],
        None,
        None,
    ),
    (
        "this_concludes",
        "This concludes The Road, written by Cormac McCarthy, and narrated by Tom Stechschulte.",
        "The Road",
        ["Cormac McCarthy"],
        ["Tom Stechschulte"],
        None,
        None,
    ),
    (
        "the_end_of",
        "and the sea was very clear. The end of Moby Dick, by Herman Melville. Thank you for listening.",
        "Moby Dick",
        ["Herman Melville"],
        [],
        None,
        None,
    ),
    (
        "a_novel_by",
        "Beloved. A novel by Toni Morrison. Read by the author. This is an unabridged recording.",
        "Beloved",
        ["Toni Morrison"],
        [],
        None,
        None,
    ),
    (
        "from_the_author",
        "Gone Girl, from the bestselling author Gillian Flynn. Read by Julia Whelan.",
        "Gone Girl",
        ["Gillian Flynn"],
        ["Julia Whelan"],
        None,
        None,
    ),
    (
        "run_on_author_title",
        "William Shakespeare Romeo and Juliet performed by Kenneth Branagh unabridged",
        "Romeo and Juliet",
        ["William Shakespeare"],
        ["Kenneth Branagh"],
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("family", "text", "title", "authors", "narrators", "series", "position"),
    CUE_FAMILIES,
    ids=[c[0] for c in CUE_FAMILIES],
)
def test_each_cue_family_reads_title_author_narrator(
    family, text, title, authors, narrators, series, position
):
    credits = extract_credits(text)
    assert title in ([credits.title] + credits.title_spans)
    assert credits.authors[: len(authors)] == authors or authors[0] in credits.name_spans
    assert [n for n in credits.narrators if n in narrators] == narrators
    assert (credits.series, credits.position) == (series, position)


@pytest.mark.parametrize(
    ("family", "text", "title", "authors", "narrators", "series", "position"), CUE_FAMILIES[:6]
)
def test_each_cue_family_identifies_its_book_among_near_neighbours(
    family, text, title, authors, narrators, series, position
):
    book = Expected(1, title, tuple(authors), tuple(narrators), series, position)
    same_author = Expected(2, "Another Book Entirely", tuple(authors), tuple(narrators))
    judgement = judge([same_author, book], text, extract_credits(text))
    assert (judgement.verdict, judgement.book_id) == (IDENTIFIED, 1)


@pytest.mark.parametrize(
    "text",
    [
        "The rain had not stopped for three days and the river was rising along the old stone wall.",
        "By the time the lamps were lit, the market square was nearly empty.",
        "The end of the video is on the right side of the video.",  # tiny.en over a music bed
        "Thank you for watching. Please subscribe.",
        "It was written by my hand, and read by nobody.",
        "",
    ],
)
def test_prose_and_hallucinations_name_no_book(text):
    assert not read_spans(text).heard
    assert not extract_credits(text).heard


def test_publisher_names_are_never_the_title():
    credits = extract_credits("This has been a production of Audible Studios. Narrated by Simon Prebble.")
    assert credits.title is None and credits.publisher is None or "Audible" not in (credits.title or "")


def test_names_after_credit_words_skip_the_lower_case_lead_in():
    reading = read_spans("Dune. Read by the talented Scott Brick. Unabridged.")
    assert reading.narrators == ["Scott Brick"]


def test_a_production_credit_after_the_narrator_names_the_producer_not_the_book():
    # The producer's name misheard, so no publisher list knows it; it still closes the credits.
    credits = extract_credits(
        "Ursula Le Guin, The Lathe of Heaven, narrated by George Guidall, an unabridged production "
        "of Blackmore Audion. Chapter 1. The road climbed slowly."
    )
    assert credits.title == "The Lathe of Heaven"
    assert "Blackmore" not in " ".join(credits.title_spans)
    # Said first, a production credit still opens the credits and the book follows it.
    assert extract_credits("A Blackmore Audion production of Dune, by Frank Herbert.").title == "Dune"


def test_book_n_of_the_series_wins_over_a_misheard_volume_number_and_the_name_stays_a_title():
    # "Volume 01" written "volume 0, one"; the credits say the position again, outright.
    reading = read_spans("Hellboy, volume 0, one, book 1 of the Hellboy series, written by Mike Mignola.")
    assert (reading.series, reading.position) == ("Hellboy", 1.0)
    assert reading.titles[0] == "Hellboy"
