"""Which hearing is believed: the window (or re-hearing) that holds the identified book best gives the
evidence, and a misheard narrator is soft — it never sinks a book whose title and author were heard."""

from __future__ import annotations

from tasks.listen.hearing import evidence_rows
from tasks.listen.item import ListenResult, WindowResult, evaluate, finish_verdict
from tasks.listen.verdict import IDENTIFIED, Expected

NIGHT_CIRCUS = Expected(31, "The Night Circus", ("Erin Morgenstern",), ("Jim Dale",))
OTHER = Expected(32, "The Starless Sea", ("Erin Morgenstern",), ("Dominic Hoffman",))


def _result(*windows: tuple[str, float, bool, str]) -> ListenResult:
    result = ListenResult(item_id="li-1", verdict="uncertain")
    for kind, start, hinted, text in windows:
        result.windows.append(WindowResult("1", kind, start, 30.0, text, {}, 1.0, hinted=hinted))
    evaluate(result, [OTHER, NIGHT_CIRCUS])
    finish_verdict(result)
    return result


def _rows(result: ListenResult) -> dict[str, tuple[str, str]]:
    return {f: (v, rule) for f, v, _o, rule in evidence_rows(result)}


def test_a_later_clearer_rehearing_gives_the_evidence_and_says_which_window():
    result = _result(
        (
            "intro",
            0.0,
            False,
            "This is ordinal. The Nite Circass, written by Erin Morgenstern, narrated by Jim Dale.",
        ),
        (
            "intro",
            0.0,
            True,
            "This is Audible. The Night Circus, written by Erin Morgenstern, narrated by Jim Dale.",
        ),
    )
    assert (result.verdict, result.book_id) == (IDENTIFIED, 31)
    rows = _rows(result)
    assert rows["title"] == ("The Night Circus", "transcript.heard_title@intro:0+hinted")
    assert rows["author"][0] == "Erin Morgenstern"


def test_the_closing_credits_replace_a_garbled_opening():
    result = _result(
        (
            "intro",
            0.0,
            False,
            "The Nigh Sir Cuss, by Erin Morgenstern. Chapter one. The rain had not stopped.",
        ),
        ("outro", 120.0, False, "This has been The Night Circus, by Erin Morgenstern. Read by Jim Dale."),
    )
    assert (result.verdict, result.book_id) == (IDENTIFIED, 31)
    assert _rows(result)["title"] == ("The Night Circus", "transcript.heard_title@outro:120")


def test_a_misheard_narrator_does_not_sink_a_book_whose_title_and_author_were_heard():
    result = _result(
        (
            "intro",
            0.0,
            False,
            "This is Audible. The Night Circus, written by Erin Morgenstern, narrated by Tom Bale.",
        ),
    )
    assert (result.verdict, result.book_id) == (IDENTIFIED, 31)
    rows = _rows(result)
    assert "narrator" not in rows, "a narrator the catalogue does not have is left unsaid, not scored as far"
    assert rows["title"][0] == "The Night Circus" and rows["author"][0] == "Erin Morgenstern"


def test_a_narrator_heard_right_is_evidence():
    result = _result(
        (
            "intro",
            0.0,
            False,
            "This is Audible. The Night Circus, written by Erin Morgenstern, narrated by Jim Dale.",
        ),
    )
    assert _rows(result)["narrator"][0] == "Jim Dale"


def test_before_anything_is_identified_only_a_narrator_some_candidate_has_is_evidence():
    result = _result(
        (
            "intro",
            0.0,
            False,
            "This is Audible. The Glass Orchard, written by Anna Quill, narrated by Jim Dale.",
        ),
    )
    assert result.verdict != IDENTIFIED
    assert _rows(result)["narrator"][0] == "Jim Dale"
    result = _result(
        (
            "intro",
            0.0,
            False,
            "This is Audible. The Glass Orchard, written by Anna Quill, narrated by Ray Porter.",
        ),
    )
    assert "narrator" not in _rows(result) and _rows(result)["title"][0] == "The Glass Orchard"


def test_the_plain_hearings_title_and_the_rehearings_names_identify_the_book_together():
    # Neither hearing alone: the plain one garbles the author and narrator, the hinted one the title.
    plain = "This is ordinal. The Night Circus, written by Aaron Morgan's turn, narrated by Tim Bail."
    hinted = "This is Audible. The Nightly Surplus, written by Erin Morgenstern, narrated by Jim Dale."
    assert _result(("intro", 0.0, False, plain)).verdict != IDENTIFIED
    assert _result(("intro", 0.0, True, hinted)).verdict != IDENTIFIED
    result = _result(("intro", 0.0, False, plain), ("intro", 0.0, True, hinted))
    assert result.verdict == IDENTIFIED and result.book_id == NIGHT_CIRCUS.book_id
    assert _rows(result)["author"][0] == "Erin Morgenstern"


def test_hearings_together_never_identify_a_book_whose_title_neither_said():
    # The author's other book: its names are in the re-hearing, its title in no hearing.
    plain = "This is ordinal. The Nightly Surplus, written by Aaron Morgan's turn, narrated by Tim Bail."
    hinted = "This is Audible. The Nightly Surplus, written by Erin Morgenstern, narrated by Jim Dale."
    assert _result(("intro", 0.0, False, plain), ("intro", 0.0, True, hinted)).verdict != IDENTIFIED


NARUTO_5 = Expected(41, "Naruto, Vol. 05", ("Masashi Kishimoto",), ("Michael Rudnicki",), "Naruto", 5.0)
NARUTO_1 = Expected(42, "Naruto, Vol. 01", ("Masashi Kishimoto",), ("Saskia Reading",), "Naruto", 1.0)


def _heard(text: str, candidates: list[Expected]) -> ListenResult:
    result = ListenResult(item_id="li-2", verdict="uncertain")
    result.windows.append(WindowResult("1", "intro", 0.0, 30.0, text, {}, 1.0))
    evaluate(result, candidates)
    finish_verdict(result)
    return result


def test_a_volume_number_said_plainly_picks_the_volume():
    # "Vol. 5" is volume 05 of the catalogue: a number is the same with or without a leading zero.
    result = _heard(
        "This is Audible. Naruto, Vol. 5, written by Masashi Kishimoto, narrated by Michael Rudnicki.",
        [NARUTO_1, NARUTO_5],
    )
    assert result.verdict == IDENTIFIED and result.book_id == NARUTO_5.book_id
    assert _rows(result)["sequence"][0] == "5"


def test_a_volume_heard_whole_is_evidence_as_the_catalogue_spells_it_not_a_garbled_title():
    # "Vol. 05" written "well, 0.5"; the number is said again in "book 5 of the Naruto". Every word
    # of the title was heard: the scorer is given the catalogue's spelling, not the model's.
    result = _heard(
        "Naruto, well, 0.5, book 5 of the Naruto, written by Masashi Kishimoto, read for you by "
        "Michael Ranikit. Chapter 1. By the time the lamps were lit",
        [NARUTO_1, NARUTO_5],
    )
    assert result.verdict == IDENTIFIED and result.book_id == NARUTO_5.book_id
    rows = _rows(result)
    assert (
        rows["title"][0] == "Naruto, Vol. 05" and rows["sequence"][0] == "5" and rows["series"][0] == "Naruto"
    )
    assert "narrator" not in rows, "'Michael Ranikit' does not sound like Michael Rudnicki: left unsaid"


def _identified_rows(book: Expected, text: str) -> dict[str, tuple[str, str]]:
    """The evidence rows of `text` heard with `book` as the only candidate, which it must identify."""
    result = _heard(text, [book])
    assert (result.verdict, result.book_id) == (IDENTIFIED, book.book_id), result.judgement
    return _rows(result)


WALKING_DEAD_14 = Expected(
    51, "The Walking Dead, Vol. 14", ("Robert Kirkman",), ("Phil Gigante",), "The Walking Dead", 14.0
)


def test_a_volume_whose_number_was_not_heard_as_a_position_keeps_the_number_in_its_title_evidence():
    # "Vol. 14" heard as "Fall, 14": the number is no position cue, so the volume's bare name alone
    # would be the series' first book to the scorer; the title evidence keeps the number it was said with.
    result = _heard(
        "This concludes the Walking Dead, Fall, 14, Written by Robert Kirkman, and narrated by Phil "
        "Gigante. Produced by Image Comics.",
        [WALKING_DEAD_14],
    )
    assert (result.verdict, result.book_id) == (IDENTIFIED, 51)
    title = _rows(result)["title"][0]
    assert "14" in title, title


def test_a_name_heard_whole_is_written_as_the_catalogue_spells_it():
    # The scorer compares spellings: "Ginian frost" would be another person to it, not Jeaniene Frost.
    crimson = Expected(61, "First Drop of Crimson", ("Jeaniene Frost",), ("Rebecca Huber",))
    rows = _identified_rows(
        crimson,
        "You have been listening to the first drop of crimson by Ginian frost. It was read by Rebecca Huber.",
    )
    assert rows["title"][0] == "First Drop of Crimson" and rows["author"][0] == "Jeaniene Frost"


def test_an_author_heard_in_part_is_left_unsaid_rather_than_scored_as_someone_else():
    pavilions = Expected(62, "The Far Pavilions", ("M.M. Kaye",), ("Rosamund Porter",))
    rows = _identified_rows(
        pavilions,
        "Part 1, Chapter 1. The Far Pavilion by M.K. Raded by Rassamand Porter. Every door on the street.",
    )
    assert "author" not in rows, rows
    assert rows["narrator"][0] == "Rosamund Porter" and rows["title"][0] == "The Far Pavilions"


def test_an_author_first_opening_read_with_the_name_as_its_title_still_identifies_the_volume():
    # The cue reading takes "Eiichiro Oda" for the title; that clause holds nothing of the book's title,
    # so it cannot make the title heard imprecise. The sibling volume's number was never said.
    one = Expected(71, "One Piece, Volume 01", ("Eiichirō Oda",), ("Marisa Rudnicki",), "One Piece", 1.0)
    two = Expected(72, "One Piece, Volume 02", ("Eiichirō Oda",), ("Marisa Rudnicki",), "One Piece", 2.0)
    result = _heard(
        "IKiro Oda, One Piece, Volume 01, performed by Marisa Rudnicki, an abridged. Chapter 1, It was",
        [two, one],
    )
    assert (result.verdict, result.book_id) == (IDENTIFIED, 71)
    assert _rows(result)["title"][0] == "One Piece, Volume 01"


def test_a_title_heard_whole_without_any_cue_is_evidence_though_nothing_is_identified():
    artist = Expected(81, "An Artist of the Floating World", ("Kazuo Ishiguro",), ("Jim Wheaton",))
    other = Expected(82, "The Floating Island", ("Someone Else",), ())
    result = _heard(
        "An artist of the floating world, copyright 1980s, I can't do this in your own, narrated item we "
        "done, production copyright half of audio. Chapter 1. Every door on the street was painted.",
        [other, artist],
    )
    assert result.verdict != IDENTIFIED, "a title alone identifies nothing"
    titles = [v for f, v, _o, _r in evidence_rows(result) if f == "title"]
    assert titles == ["An artist of the floating world"], titles


def test_a_long_title_heard_whole_with_the_authors_surname_identifies_but_a_given_name_or_one_word_does_not():
    baltasar = Expected(91, "Baltasar and Blimunda", ("José Saramago",), ("Kristen Dale",))
    result = _heard(
        "This is Audible. Baltasar and Blimunda, written by Jose Saramako. Nothing you cannot name.",
        [baltasar],
    )
    assert (result.verdict, result.book_id) == (IDENTIFIED, 91)
    only_given = _heard(
        "This is Audible. Baltasar and Blimunda, written by Jose. Nothing you cannot name.", [baltasar]
    )
    assert only_given.verdict != IDENTIFIED, "'Jose' alone names nobody"
    seeing = Expected(92, "Seeing", ("José Saramago",), ("Ellen LaVoy",))
    assert _heard("This concludes Seeing, written by Jose. Produced by.", [seeing]).verdict != IDENTIFIED


def test_a_title_heard_whole_with_only_a_given_name_like_the_authors_is_not_that_authors_book():
    # Jeff Lemire's "Sweet Tooth, Volume 1" with its number misheard; "Ian" is the narrator's name.
    mcewan = Expected(96, "Sweet Tooth", ("Ian McEwan",), ("Juliet Stevenson",))
    result = _heard(
        "Sweet Tooth, while you won, Ripp and I have Lemm, I re-for you by Ian Rudnicki Chapter One, he "
        "counted the coins twice, then put them back into the small wooden box under the bed.",
        [mcewan],
    )
    assert result.verdict != IDENTIFIED


def test_the_authors_name_in_a_catalogue_title_is_not_heard_as_the_title():
    # "by Neil Gaiman" is the author credit of another book; it says nothing of "Neil Gaiman's Neverwhere".
    neverwhere = Expected(97, "Neil Gaiman's Neverwhere", ("Mike Carey", "Neil Gaiman"), ())
    heard = (
        "This is audible, tanto of your presence, the sleeper, and that's been built by Neil Gaiman, narrated "
        "by Joe Wayland. Chapter 1 There was a letter under the kitchen table, folded once."
    )
    assert _heard(heard, [neverwhere]).verdict != IDENTIFIED
    dragonflight = Expected(98, "Anne McCaffrey's Dragonflight #1", ("Brynne Stephens", "Anne McCaffrey"), ())
    heard = (
        "Chapter 1 of Dragonstone. This is a library marks recording. All library marks recordings are in "
        "the public domain. This reading by Polly Malerene, Dragonstone by Anne McCaffrey. Chapter 1."
    )
    assert _heard(heard, [dragonflight]).verdict != IDENTIFIED
    wake = Expected(99, "The Sleeper and the Spindle", ("Neil Gaiman",), ())
    said = "This is Audible. The Sleeper and the Spindle, written by Neil Gaiman, narrated by Joe Wayland."
    assert _heard(said, [neverwhere, wake]).book_id == 99


def test_a_narrator_credit_heard_as_by_is_not_another_author():
    # "narrated by" heard as "noted by": the name after it is the candidate's narrator, not its author.
    scar = Expected(93, "The Scar", ("China Miéville",), ("Luke Rosenblat",), "Bas-Lag", 2.0)
    result = _heard("China Miéville's The Scar, noted by Luke Rosenblat. Chapter 1, she walked down.", [scar])
    assert result.judgement is not None and not result.judgement.scores[0].author_conflict


def test_a_title_heard_garbled_but_holding_only_the_books_words_is_written_as_the_catalogues():
    preacher = Expected(
        94, "The Preacher", ("Camilla Läckberg",), ("Grover Rosenblat",), "Patrik Hedström", 2.0
    )
    rows = _identified_rows(
        preacher,
        "Part 1, Chapter 1, The Pre-Char, by Kamala Leckbard, Narrated by Rover Rosenblatt. A cart went by.",
    )
    assert rows["title"][0] == "The Preacher" and rows["narrator"][0] == "Grover Rosenblat"


def test_a_possessive_is_the_name_it_is_said_of_and_a_book_heard_by_its_title_alone_is_heard_again():
    from tasks.listen.item import needs_confirmation
    from tasks.listen.phrases import tokens

    assert tokens("Marie Condor's The Life") == ("marie", "condor", "the", "life")
    tidying = Expected(95, "The Life-Changing Magic of Tidying Up", ("Marie Kondō",), ("Emily Jackson",))
    result = _heard(
        "Marie Condor's The Life Change in Magic of Tidy-Ling Up, narrated by Evie Jackson. Chapter 1.",
        [tidying],
    )
    assert (result.verdict, result.book_id) == (IDENTIFIED, 95)
    assert needs_confirmation(result, [tidying]), (
        "neither name was heard whole: the re-hearing may spell them"
    )
    crimson = Expected(61, "First Drop of Crimson", ("Jeaniene Frost",), ("Rebecca Huber",))
    heard = _heard("You have been listening to the first drop of crimson by Jeaniene Frost.", [crimson])
    assert heard.verdict == IDENTIFIED and not needs_confirmation(heard, [crimson])


def test_a_hinted_rehearing_only_confirms_what_the_plain_hearing_half_heard():
    """Hotwords made the model say the hinted author where another name was spoken: "one, read by
    Stephen Turbin" re-heard as "one, Richard Bach". The plain hearing held nothing of Richard Bach
    and only a title any credits hold ("one"), so the re-hearing cannot identify his book."""
    one = Expected(41, "One", ("Richard Bach",))
    result = ListenResult(item_id="li-2", verdict="uncertain")
    for hinted, text in (
        (False, "Cuts of your bottles are here at the wall, one rated by Stephen Turbin. Chapter one."),
        (True, "Cuts of your bottles are here at the Wall, one, Richard Bach, Stefan Turban. Chapter one."),
    ):
        result.windows.append(WindowResult("1", "intro", 0.0, 30.0, text, {}, 1.0, hinted=hinted))
    evaluate(result, [one])
    finish_verdict(result)
    assert result.verdict != IDENTIFIED
