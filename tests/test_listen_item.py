"""Listening to one item with the real tiny.en model on real synthesised speech (no ASR mock)."""

from __future__ import annotations

import pytest

from tasks.listen.audio import AudioFileRef
from tasks.listen.item import NO_CREDITS, ListenJob, listen_to_item
from tasks.listen.verdict import IDENTIFIED, Expected
from tasks.settings import Settings

pytestmark = pytest.mark.audio

FINAL_EMPIRE = Expected(11, "The Final Empire", ("Brandon Sanderson",), ("Michael Kramer",), "Mistborn", 1.0)
WELL_OF_ASCENSION = Expected(
    12, "The Well of Ascension", ("Brandon Sanderson",), ("Michael Kramer",), "Mistborn", 2.0
)
HAIL_MARY = Expected(21, "Project Hail Mary", ("Andy Weir",), ("Ray Porter",))
ARTEMIS = Expected(22, "Artemis", ("Andy Weir",), ("Rosario Dawson",))
NIGHT_CIRCUS = Expected(31, "The Night Circus", ("Erin Morgenstern",), ("Jim Dale",))


def _settings(spoken_books, **kw) -> Settings:
    root = next(iter(spoken_books.values())).path.parent.parent
    return Settings(path_map={"/audiobooks": str(root)}, listen_intro_seconds=30, **kw)


def _job(book, candidates=()) -> ListenJob:
    refs = [
        AudioFileRef(
            item_id=book.name, ino=str(i + 1), index=i + 1, path=f"/audiobooks/{p.parent.name}/{p.name}"
        )
        for i, p in enumerate(book.paths)
    ]
    return ListenJob(book.name, refs, list(candidates))


@pytest.mark.parametrize("name", ["hail_mary_m4b", "dune_moov_end"])
def test_intro_credits_identify_the_book_in_one_window(spoken_books, name):
    book = spoken_books[name]
    expected = (
        HAIL_MARY
        if book.said.title == "Project Hail Mary"
        else Expected(41, "Dune", ("Frank Herbert",), ("Scott Brick",))
    )
    result = listen_to_item(_job(book, [ARTEMIS, expected]), _settings(spoken_books))
    assert result.error is None
    assert (result.verdict, result.book_id, result.complete) == (IDENTIFIED, expected.book_id, True)
    assert len(result.windows) == 1, "stops as soon as title and author are heard"
    assert result.source == "local"
    assert result.cpu_seconds > 0 and result.audio_seconds > 15


def test_credits_without_candidates_name_title_author_narrator(spoken_books):
    result = listen_to_item(_job(spoken_books["hail_mary_mp3"]), _settings(spoken_books))
    c = result.credits
    assert c.title.lower() == "project hail mary"
    assert c.authors == ["Andy Weir"]
    assert c.narrators == ["Ray Porter"]
    assert len(result.windows) == 1


def test_series_book_yields_series_and_position(spoken_books):
    result = listen_to_item(
        _job(spoken_books["final_empire"], [WELL_OF_ASCENSION, FINAL_EMPIRE]), _settings(spoken_books)
    )
    assert (result.verdict, result.book_id, result.complete) == (IDENTIFIED, 11, True)
    assert result.credits.series == "Mistborn"
    assert result.credits.position == 1.0
    fields = {(f, v) for f, v, _o, _r in result.credits.evidence()}
    assert ("series", "Mistborn") in fields and ("sequence", "1") in fields


def test_outro_only_credits_are_found_in_the_last_minute(spoken_books):
    result = listen_to_item(
        _job(spoken_books["hail_mary_outro"], [ARTEMIS, HAIL_MARY]), _settings(spoken_books)
    )
    assert (result.verdict, result.book_id) == (IDENTIFIED, 21)
    assert [w.window_kind for w in result.windows] == ["intro", "outro"]
    assert "hail mary" not in result.windows[0].text.lower()


def test_multi_file_book_hears_the_outro_in_the_last_file(spoken_books):
    book = spoken_books["two_parts"]
    result = listen_to_item(_job(book, [NIGHT_CIRCUS]), _settings(spoken_books))
    assert (result.verdict, result.book_id) == (IDENTIFIED, 31)
    assert [(w.window_kind, w.file_ino) for w in result.windows] == [("intro", "1"), ("outro", "2")]


def test_music_without_speech_is_never_a_positive(spoken_books):
    result = listen_to_item(_job(spoken_books["music"], [HAIL_MARY, FINAL_EMPIRE]), _settings(spoken_books))
    assert result.verdict == NO_CREDITS
    assert result.book_id is None
    assert result.error is None


def test_corrupt_file_is_an_error_result_not_an_exception(spoken_books):
    result = listen_to_item(_job(spoken_books["corrupt"], [HAIL_MARY]), _settings(spoken_books))
    assert result.verdict == "error"
    assert result.error_kind == "audio_unreadable"
    assert "corrupt.m4b" in result.error
    assert result.error_detail["file"].endswith("corrupt/corrupt.m4b")


SUNRISE = Expected(71, "Seduce Me at Sunrise", ("Lisa Kleypas",), ("Rosalyn Landor",), "The Hathaways", 2.0)
DISTRACTORS = [
    Expected(72, "Mine Till Midnight", ("Lisa Kleypas",), ("Rosalyn Landor",), "The Hathaways", 1.0),
    Expected(73, "Sunrise", ("Karen Kingsbury",), ("Ann Richardson",)),
    Expected(74, "Dreaming of You", ("Lisa Kleypas",), ("Barbara Rosenblat",)),
]


def test_a_confirmation_job_rehears_the_credit_window_with_the_candidates_names(spoken_books):
    # what the flow submits after a targeted search brought candidates in
    job = _job(spoken_books["sunrise"], [*DISTRACTORS, SUNRISE])
    job.confirm_windows = [("1", "intro", 0.0)]
    result = listen_to_item(job, _settings(spoken_books))
    assert (result.verdict, result.book_id) == (IDENTIFIED, 71)
    assert [w.hinted for w in result.windows] == [True]
    assert "kleypas" in result.windows[0].text.lower()


def test_a_hinted_rehearing_does_not_put_absent_names_in_the_narrators_mouth(spoken_books):
    result = listen_to_item(_job(spoken_books["sunrise"], DISTRACTORS), _settings(spoken_books))
    assert result.verdict != IDENTIFIED and result.book_id is None
    assert any(w.hinted for w in result.windows)
