"""The speech corpus's phrasings: the splits, frozen wording that shares no sentence with the dev
wording, and every phrasing rendered to real espeak-ng audio. Nothing here listens: the frozen split
is only ever run by `bench/listen.py --split frozen`, to report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emulators import speech, speech_corpus
from emulators.speech_phrasings import MUSIC_GAP, PHRASINGS, CorpusBook, phrasings

BOOKS = (
    CorpusBook("The Name of the Wind", "Patrick Rothfuss", "Nick Podehl", "Kingkiller Chronicle", 1, 2007),
    CorpusBook("Middlemarch", "George Eliot", "Juliet Stevenson", None, None, 1871),
)
PUBLISHER = "Tantor Audio"
FORMER_FROZEN = ("concludes_outro", "a_novel_by", "the_end_of", "studio_series_ordinal", "copyright_credits",
                 "welcome_from_author", "title_then_author", "librivox_disclaimer", "naxos_reading",
                 "bbc_reader_after_heading", "audible_original_cast", "graphicaudio_movie",
                 "recorded_books_listening", "recorded_books_closing", "closing_two_copyrights",
                 "volume_of_cycle", "told_by_voiced_by", "books_on_tape_library", "disc_end_insert_next",
                 "random_house_just_heard", "blackstone_from_the_pen", "hachette_number_in", "podium_look_out",
                 "bbc_radio_episode_one", "a_production_of", "read_in_full", "dedication", "translated_from",
                 "macmillan_part_one", "brilliance_novel_of", "penguin_audio_ident", "clipper_library_edition",
                 "full_cast_roles", "bolinda_series_name_first", "book_in_series_after_heading",
                 "epigraph_then_credits", "from_the_author_of", "librivox_end_of_book", "closing_director_producer",
                 "simon_schuster_closing", "harperaudio_sign_off")  # fmt: skip


def test_splits_hold_the_former_frozen_phrasings_as_dev_and_new_frozen_ones():
    dev, frozen = phrasings("dev"), phrasings("frozen")
    assert len(dev) == 48 and len(frozen) == 12
    assert {p.name for p in dev} >= set(FORMER_FROZEN)
    names = [p.name for p in PHRASINGS]
    assert len(names) == len(set(names))
    assert {p.placement for p in frozen} == {"start", "after_heading", "end"}
    assert speech_corpus.phrasings("frozen") == frozen  # the interface bench/listen.py uses
    with pytest.raises(ValueError, match="unknown split"):
        phrasings("test")


def _sentences(text: str, book: CorpusBook) -> set[str]:
    """The text's sentences with the book's own words as placeholders, leaving those that say something
    besides a bare title or name or the bibliographic "<Title>, by <Author>"."""
    fields = {
        "{title}": book.title,
        "{author}": book.author,
        "{narrator}": book.narrator,
        "{publisher}": PUBLISHER,
    }
    if book.series:
        fields["{series}"] = book.series
    for slot, value in sorted(fields.items(), key=lambda kv: -len(kv[1])):
        text = text.replace(value, slot)
    out = set()
    for s in re.split(r"(?<=[.:])\s+", text.strip()):
        rest = set(re.findall(r"[a-z]+", re.sub(r"\{\w+\}", "", s).lower()))
        if rest - {"by"}:
            out.add(s.lower())
    return out


@pytest.mark.parametrize("book", BOOKS, ids=["series", "standalone"])
def test_frozen_wording_shares_nothing_with_the_dev_wording(book):
    dev = {p.name: p.say(book, PUBLISHER) for p in phrasings("dev")}
    for p in phrasings("frozen"):
        text = p.say(book, PUBLISHER)
        assert book.title in text and book.author in text and book.narrator in text, p.name
        for name, d in dev.items():
            assert d not in text and text not in d, (p.name, name)
            shared = _sentences(text, book) & _sentences(d, book)
            assert not shared, (p.name, name, shared)


def test_series_wording_names_the_series_and_its_position():
    series_book = BOOKS[0]
    said = [p.say(series_book, PUBLISHER) for p in phrasings("frozen")]
    assert any(
        series_book.series in s and "one" in s.lower().split(series_book.series.lower())[0] for s in said
    )


def test_music_gaps_break_the_credits_with_music_alone():
    book = BOOKS[0]
    gapped = [p for p in PHRASINGS if MUSIC_GAP in p.text]
    assert any(p.split == "frozen" for p in gapped)
    for p in gapped:
        parts = p.parts(book, PUBLISHER)
        assert len(parts) == p.text.count(MUSIC_GAP) + 1 and all(parts), p.name
        said = p.say(book, PUBLISHER)
        assert MUSIC_GAP not in said and "music]" not in said.lower()
        kinds = [s.kind for s in speech_corpus.credit_segments(p, book, PUBLISHER)]
        assert kinds == ["speech", *["music", "speech"] * (len(parts) - 1)], p.name
    plain = next(p for p in PHRASINGS if MUSIC_GAP not in p.text)
    assert [s.kind for s in speech_corpus.credit_segments(plain, book, PUBLISHER)] == ["speech"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, list[Path]]:
    root = tmp_path_factory.mktemp("phrasings")
    clean = speech_corpus.Rendering(voice="en-us+m3", wpm=190, background="none", snr_db=None, files=1)
    out = {}
    for i, p in enumerate(PHRASINGS):
        out[p.name], _ = speech_corpus.render_item(
            p, BOOKS[i % 2], root / p.name, seed=i, ext=".mp3", rendering=clean, publisher=PUBLISHER
        )
    return out


@pytest.mark.parametrize("name", [p.name for p in PHRASINGS])
def test_every_phrasing_renders_to_real_speech(rendered, name):
    [path] = rendered[name]
    assert path.is_file() and path.stat().st_size > 10_000
    phrasing = next(p for p in PHRASINGS if p.name == name)
    book = BOOKS[PHRASINGS.index(phrasing) % 2]
    words = len(phrasing.say(book, PUBLISHER).split())
    # at least the credits themselves at 190 words a minute (prose comes around them)
    assert speech.probe_duration(path) > max(5.0, words * 60 / 190 * 0.8)
