"""Each cue family, spoken: corpus phrasings (emulators/speech_corpus.py, dev split) rendered by espeak-ng
and heard by the real tiny.en model identify their book; music or noise alone is never a positive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tasks.listen.audio import AudioFileRef
from tasks.listen.hearing import evidence_rows
from tasks.listen.item import NO_CREDITS, ListenJob, listen_to_item
from tasks.listen.verdict import IDENTIFIED, Expected
from tasks.settings import Settings

pytestmark = pytest.mark.audio

CLEAN = dict(voice="en-us+m3", wpm=160, background="none", snr_db=None, files=1)


@dataclass(frozen=True)
class Case:
    phrasing: str
    title: str
    author: str
    narrator: str
    series: str | None = None
    position: int | None = None
    rendering: tuple = ()

    @property
    def expected(self) -> Expected:
        return Expected(1, self.title, (self.author,), (self.narrator,), self.series, self.position)


CASES = {
    "author_first": Case(
        "author_title_performed", "Romeo and Juliet", "William Shakespeare", "Kenneth Branagh"
    ),
    "presents": Case("publisher_presents", "Dune", "Frank Herbert", "Scott Brick"),
    "presents_over_noise": Case(
        "publisher_presents",
        "Dune",
        "Frank Herbert",
        "Scott Brick",
        rendering=(("background", "noise"), ("snr_db", 15.0)),
    ),
    "closing_in_last_file": Case(
        "listening_to_outro",
        "The Night Circus",
        "Erin Morgenstern",
        "Jim Dale",
        rendering=(("files", 2),),
    ),
    "book_n_of_series": Case(
        "book_n_of_series",
        "The Name of the Wind",
        "Patrick Rothfuss",
        "Nick Podehl",
        "Kingkiller Chronicle",
        1,
    ),
    "after_chapter_heading": Case("heading_then_title", "Project Hail Mary", "Andy Weir", "Ray Porter"),
    "possessive": Case("possessive", "Pride and Prejudice", "Jane Austen", "Rosamund Pike"),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, list[Path]]]:
    from emulators import speech_corpus

    root = tmp_path_factory.mktemp("corpus")
    phrasings = {p.name: p for p in speech_corpus.phrasings("dev")}
    files: dict[str, list[Path]] = {}
    for name, case in CASES.items():
        book = speech_corpus.CorpusBook(
            case.title, case.author, case.narrator, case.series, case.position, 2010
        )
        rendering = speech_corpus.Rendering(**{**CLEAN, **dict(case.rendering)})
        files[name], _ = speech_corpus.render_item(
            phrasings[case.phrasing], book, root / name, seed=1, rendering=rendering, publisher="Tantor Audio"
        )
    for kind in ("music", "noise"):
        files[kind] = [speech_corpus.background_only(kind, 30, root / kind / "Track 01.m4b")]
    return root, files


def _listen(corpus, name: str, candidates: list[Expected]):
    root, files = corpus
    refs = [
        AudioFileRef(item_id=name, ino=str(i + 1), index=i + 1, path=f"/audiobooks/{p.parent.name}/{p.name}")
        for i, p in enumerate(files[name])
    ]
    settings = Settings(path_map={"/audiobooks": str(root)}, listen_intro_seconds=30)
    return listen_to_item(ListenJob(name, refs, candidates), settings)


@pytest.mark.parametrize("name", list(CASES))
def test_each_spoken_cue_family_identifies_its_book(corpus, name):
    case = CASES[name]
    sibling = Expected(2, "A Different Book Altogether", (case.author,), (case.narrator,))
    result = _listen(corpus, name, [sibling, case.expected])
    assert result.error is None
    assert (result.verdict, result.book_id) == (IDENTIFIED, 1), result.transcript
    rows = {f: v for f, v, _o, _r in evidence_rows(result)}
    assert rows["title"].lower() == case.title.lower(), (
        "the hearing that holds the title best is the evidence"
    )


@pytest.mark.parametrize("name", ["music", "noise"])
def test_music_or_noise_alone_is_never_a_positive(corpus, name):
    candidates = [c.expected for c in list(CASES.values())[:3]]
    result = _listen(corpus, name, candidates)
    assert result.verdict == NO_CREDITS and result.book_id is None
    assert evidence_rows(result) == []
