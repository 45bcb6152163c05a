"""Looking the spoken book up in Hardcover (the emulator over HTTP) within the per-item request cap, and
judging what was heard against what came back. Transcripts here are text: the lookup is what is tested."""

from __future__ import annotations

from emulators.catalogue import load_catalogue
from emulators.hardcover import HardcoverEmulator, run_hardcover_emulator
from tasks.listen.item import ListenResult, WindowResult, evaluate, finish_verdict
from tasks.listen.search import follow_up
from tasks.listen.verdict import IDENTIFIED
from tasks.settings import get_settings
from tests.plugins.hardcover_fixtures import HC_TOKEN, fast_limits, seed_items


def _book(title: str):
    return next(b for b in load_catalogue().books if b.title == title)


def _heard(item_id: str, text: str) -> ListenResult:
    result = ListenResult(item_id=item_id, verdict="uncertain")
    result.windows.append(WindowResult("1", "intro", 0.0, 30.0, text, {}, 1.0))
    evaluate(result, [])
    finish_verdict(result)
    return result


def _lookup(db_path, item_id: str, text: str, cap: int):
    seed_items(db_path, [{"item_id": item_id, "title": "Unknown 0001", "authors": []}])
    result = _heard(item_id, text)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        candidates, outcome = follow_up(db_path, "run-1", result, True, cap, settings)
        sent = sum(1 for e in emu.request_log if e.status == 200)
    return result, candidates, outcome, sent


def test_an_author_first_credit_is_found_through_the_spoken_name(db_path):
    book = _book("Romeo and Juliet")
    author = book.authors[0]
    text = f"{author}, Romeo and Juliet, performed by a full cast, unabridged. Act one, scene one."
    result, candidates, outcome, sent = _lookup(db_path, "li-rj", text, cap=4)
    assert (result.verdict, result.book_id) == (IDENTIFIED, book.book_id)
    assert outcome.strategies[0] == "spoken_names" and outcome.requests == sent == 1
    assert book.book_id in {c.book_id for c in candidates}


def test_a_misheard_author_still_finds_the_book_by_its_spoken_title(db_path):
    book = _book("The Name of the Wind")
    text = "Harper Audio presents The Name of the Wind, by Patrik Rothfus. Read by Nick Podehl. Chapter 1."
    result, _candidates, outcome, sent = _lookup(db_path, "li-wind", text, cap=4)
    assert (result.verdict, result.book_id) == (IDENTIFIED, book.book_id)
    assert "spoken_titles" in outcome.strategies and outcome.requests == sent <= 4


def test_a_title_said_inside_a_longer_clause_is_found_by_the_exact_title_lookup(db_path):
    # no pause cuts the title from the words around it, and the author is misheard: only the title
    # itself, asked for exactly, finds the book; the narrator heard confirms it
    book = _book("The Old Man and the Sea")
    text = (
        "Tonight we bring you the old man and the sea from the desk of Ernie Hamming, as read by "
        f"{book.default_audio_edition.narrators[0]}. Chapter one."
    )
    result, _candidates, outcome, sent = _lookup(db_path, "li-clause", text, cap=4)
    assert (result.verdict, result.book_id) == (IDENTIFIED, book.book_id), result.judgement
    assert outcome.strategies == ("spoken_names", "spoken_titles") and outcome.requests == sent == 2


def test_the_per_item_cap_bounds_the_requests_sent(db_path):
    text = "Tantor Audio presents The Glass Orchard, by Wilhelmina Quarterstaff. Read by Ana Jones."
    result, _candidates, outcome, sent = _lookup(db_path, "li-none", text, cap=1)
    assert sent == outcome.requests == 1 and result.verdict != IDENTIFIED
    result, _candidates, outcome, sent = _lookup(db_path, "li-none2", text, cap=0)
    assert sent == 0 and not outcome.searched


def test_a_clearer_rehearing_is_looked_up_with_what_is_left_of_the_cap(db_path):
    from tasks.listen.item import hinted_credits

    book = _book("The Name of the Wind")
    seed_items(db_path, [{"item_id": "li-rehear", "title": "Unknown 0001", "authors": []}])
    result = ListenResult(item_id="li-rehear", verdict="uncertain")
    result.windows.append(
        WindowResult(
            "1", "intro", 0.0, 30.0, "The Gnome of the Wend, by Petrick Rathfoos. Read by Nick.", {}, 1.0
        )
    )
    result.windows.append(
        WindowResult(
            "1",
            "intro",
            0.0,
            30.0,
            "The Name of the Wind, by Patrick Rothfuss. Read by Nick Podehl.",
            {},
            1.0,
            True,
        )
    )
    evaluate(result, [])
    finish_verdict(result)
    assert result.credits.title == "The Gnome of the Wend"
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        _candidates, outcome = follow_up(
            db_path, "run-1", result, True, 2, settings, credits=hinted_credits(result)
        )
    assert (result.verdict, result.book_id) == (IDENTIFIED, book.book_id)
    assert outcome.requests <= 2


def test_a_misspelt_author_is_found_through_a_search_for_the_spoken_name(db_path):
    # A tiny model's hearing: the title garbled past a title search, the author one letter off the
    # catalogue's spelling (so the exact name lookup finds nothing), the narrator heard whole.
    book = _book("Rage")
    text = "This is Audible. Range, written by Richard Bachmann. Narrated by Grover Parker. Chapter 1."
    result, candidates, outcome, sent = _lookup(db_path, "li-rage", text, cap=5)
    assert (result.verdict, result.book_id) == (IDENTIFIED, book.book_id)
    assert outcome.strategies[:3] == ("spoken_names", "spoken_titles", "name_search")
    assert book.book_id in {c.book_id for c in candidates or []} and outcome.requests == sent <= 5


def test_a_name_search_keeps_only_books_by_someone_of_that_name(db_path):
    # "Volume Zero One" reads like a name; searched, it finds the title "Zero to One", whose title the
    # transcript holds whole - but nobody of that name wrote or read it, so it is no candidate.
    other = _book("Zero to One")
    text = (
        "This has been a recorded book's production of one piece, Volume Zero One, from I.K. I.K. I. "
        "You read that was Marisa Runneke."
    )
    result, candidates, outcome, _sent = _lookup(db_path, "li-zero", text, cap=5)
    assert "name_search" in outcome.strategies
    assert other.book_id not in {c.book_id for c in candidates or []}
    assert result.book_id != other.book_id
