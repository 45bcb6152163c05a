"""Credits without a template: an opening worded the way no cue reads is still cut into spans that
find its book (espeak-ng audio, the real tiny.en model, the Hardcover emulator over HTTP), while prose,
music and noise never identify a book."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulators import speech
from emulators.catalogue import load_catalogue
from emulators.hardcover import HardcoverEmulator, run_hardcover_emulator
from tasks.listen.audio import AudioFileRef
from tasks.listen.bulk import Lookup, follow_up_all, wants_lookup
from tasks.listen.credits import extract_credits
from tasks.listen.item import ListenJob, ListenResult, credit_windows, listen_to_item
from tasks.listen.spans import generic_spans, inner_titles, numeral_forms, with_generic_spans
from tasks.listen.verdict import IDENTIFIED
from tasks.settings import Settings, get_settings
from tests.plugins.hardcover_fixtures import HC_TOKEN, fast_limits, seed_items

# Written for these tests, in no phrasing of the speech corpus: a greeting, the title and the author
# as bare sentences, a send-off. No cue word ("by", "presents", "narrated") is said.
WELCOME = "Welcome. {title}. {author}. Enjoy."
BOOKS = ("The Name of the Wind", "Pride and Prejudice")


def _book(title: str):
    return next(b for b in load_catalogue().books if b.title == title)


def test_a_cueless_opening_yields_its_title_and_name_spans_and_the_cue_reader_reads_nothing():
    text = "Welcome. The Glass Orchard. Wilhelmina Quarterstaff. Enjoy."
    assert not extract_credits(text).heard, "no cue is said: the template reader hears no credits"
    titles, names = generic_spans(text)
    assert titles[0] == "The Glass Orchard" and names == ["Wilhelmina Quarterstaff"]
    credits = with_generic_spans(extract_credits(text), text)
    assert "The Glass Orchard" in credits.title_spans and "Wilhelmina Quarterstaff" in credits.name_spans


def test_boilerplate_pauses_and_numerals_shape_the_spans():
    text = (
        "Part one. Chapter one. Tantor Audio. Three Men in a Boat. Jerome K. Jerome. Complete and unabridged."
    )
    titles, names = generic_spans(text)
    assert titles[:2] == ["Three Men in a Boat", "3 Men in a Boat"]
    assert names == ["Jerome K. Jerome"]
    assert not any(t.lower().startswith(("part", "chapter", "tantor")) for t in titles)
    assert numeral_forms("Fahrenheit 451") == ["Fahrenheit 451"]
    assert numeral_forms("The 7 Sisters") == ["The 7 Sisters", "The Seven Sisters"]


def test_a_title_inside_a_longer_clause_of_a_credit_sentence_is_asked_for_as_itself():
    text = "Part one. Tonight we bring you Pride and Prejudice from the desk of Jane Austen."
    assert "Pride and Prejudice" not in generic_spans(text)[0], "no span is the title alone"
    assert "Pride and Prejudice" in inner_titles(text)
    assert "Pride and Prejudice" in with_generic_spans(extract_credits(text), text).title_spans
    assert not any(r.lower().startswith("part") for r in inner_titles(text))
    # "the kitchen" of "the kitchen table" is no title; prose says no credit cue and no name
    assert "the kitchen" not in inner_titles("A letter lay on the kitchen table, written by Jane Austen.")
    assert inner_titles(speech.filler_text(40, seed=3)) == []


def test_story_prose_and_what_the_model_writes_over_music_propose_no_name():
    prose = speech.filler_text(40, seed=3)
    assert generic_spans(prose)[1] == []
    for heard in ("", "you", "Thank you.", "Thank you for listening.", "[Music]", "♪ ♪"):
        assert generic_spans(heard) == ([], []), heard


def _render(folder: Path, text: str, name: str) -> Path:
    segments = [speech.silence(0.5), speech.speech(text), speech.silence(1.0), speech.speech("Chapter One.")]
    segments.append(speech.speech(speech.filler_text(10, seed=len(name))))
    return speech.synthesise(segments, folder / name / "Track 01.m4b")


@pytest.fixture(scope="module")
def cueless(tmp_path_factory) -> tuple[Path, dict[str, Path]]:
    from emulators import speech_corpus

    root = tmp_path_factory.mktemp("cueless")
    files = {}
    for title in BOOKS:
        book = _book(title)
        files[title] = _render(root, WELCOME.format(title=title, author=book.authors[0]), title)
    files["prose"] = speech.synthesise(
        [speech.speech(speech.filler_text(25, seed=7))], root / "prose" / "Track 01.m4b"
    )
    files["noise"] = speech_corpus.background_only("noise", 30, root / "noise" / "Track 01.m4b")
    files["music"] = speech_corpus.background_only("music", 30, root / "music" / "Track 01.m4b")
    return root, files


def _heard(cueless, name: str) -> ListenResult:
    root, files = cueless
    path = files[name]
    ref = AudioFileRef(item_id=name, ino="1", index=1, path=f"/audiobooks/{path.parent.name}/{path.name}")
    settings = Settings(path_map={"/audiobooks": str(root)}, listen_intro_seconds=30)
    return listen_to_item(ListenJob(f"li-{name}", [ref], []), settings)


@pytest.mark.audio
def test_a_spoken_opening_no_cue_covers_identifies_its_book_and_noise_prose_never_do(cueless, db_path):
    names = [*BOOKS, "prose", "noise", "music"]
    heard = {name: _heard(cueless, name) for name in names}
    for title in BOOKS:
        assert not heard[title].credits.heard, heard[title].transcript
        assert wants_lookup(heard[title], heard[title].credits), heard[title].transcript
        # the window that holds the names is the one a hinted re-hearing would sharpen
        assert credit_windows(heard[title]) == [("1", "intro", 0.0)]
    assert not any(credit_windows(heard[n]) for n in ("prose", "noise", "music"))
    seed_items(db_path, [{"item_id": f"li-{n}", "title": "Unknown 0001", "authors": []} for n in names])
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        settings = get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)
        lookups = [Lookup(heard[n], heard[n].credits, 4) for n in names]
        sent, exhausted = follow_up_all(db_path, "run-1", lookups, 1000, settings)
        billed = sum(e.cost for e in emu.request_log if e.status == 200)
    assert not exhausted and sent == billed
    by_name = dict(zip(names, lookups, strict=True))
    for title in BOOKS:
        lk = by_name[title]
        assert lk.error is None
        assert (lk.result.verdict, lk.result.book_id) == (IDENTIFIED, _book(title).book_id), (
            lk.result.transcript
        )
    for name in ("prose", "noise", "music"):
        lk = by_name[name]
        assert lk.result.verdict != IDENTIFIED and lk.result.book_id is None, lk.result.transcript
    # every item keeps to its cap of 4 requests
    assert all(lk.outcome.requests + lk.outcome.strategies.count("spoken_names") <= 4 for lk in lookups)


def test_a_narrator_credit_worded_another_way_is_never_read_as_the_author():
    for text in (
        "Dune. Frank Herbert. Narration by Scott Brick.",
        "Dune, Frank Herbert, with narration from Scott Brick.",
        "Frank Herbert. Dune. Voiced by Scott Brick.",
    ):
        credits = extract_credits(text)
        assert credits.narrators == ["Scott Brick"] and "Scott Brick" not in credits.authors, text
        assert "Frank Herbert" in with_generic_spans(credits, text).name_spans, text


def test_names_inside_a_run_on_closing_are_proposed_and_closers_are_not_titles():
    text = "This concludes air of fire, ribbon-bite Sarah J. Mars and the Ravenbite Stephen Coward."
    titles, names = generic_spans(text)
    assert titles == ["air of fire"]
    assert "Sarah J. Mars" in names and "Stephen Coward" in names


def test_a_near_miss_one_word_title_is_not_the_book_when_the_narrator_reads_a_sibling():
    from tasks.listen.verdict import Expected, judge

    text = "Dragonstone, a novel by Anne McCaffrey, read by Polly Ballerini. Chapter 1."
    song = Expected(1, "Dragonsong", ("Anne McCaffrey",), ("Someone Else",), "Pern", 3.0)
    dawn = Expected(2, "Dragonsdawn", ("Anne McCaffrey",), ("Polly Ballerini",), "Pern", 9.0)
    for candidates in ([song, dawn], [song]):
        judgement = judge(candidates, text, extract_credits(text))
        assert judgement.book_id != 1 and judgement.verdict != IDENTIFIED, candidates
