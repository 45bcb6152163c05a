"""Real audiobook audio for the listening tests, synthesised ONCE per session (espeak-ng + sox + ffmpeg).

`spoken_books` is a dict name -> `SpokenBook` (file path + what is said in it). Every file is tag-free:
the only way to know the book is to listen. Kept short (20-50 s) so the real ASR model stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from emulators.speech import Credited


@dataclass(frozen=True)
class SpokenBook:
    name: str
    paths: tuple[Path, ...]  # audio files in play order
    said: Credited = Credited()  # what its credits name (empty: no credits spoken)
    layout: str = "intro"

    @property
    def path(self) -> Path:
        return self.paths[0]


@pytest.fixture(scope="session")
def spoken_books(tmp_path_factory) -> dict[str, SpokenBook]:
    from emulators import speech

    root = tmp_path_factory.mktemp("spoken-books")
    books: dict[str, SpokenBook] = {}

    def book(
        name: str, ext: str, layout: str, body: float, said: Credited, moov_at_end: bool = False
    ) -> None:
        segs = speech.book_segments(layout, said, body_seconds=body, seed=len(books))
        path = speech.synthesise(segs, root / name / f"{name}{ext}", moov_at_end=moov_at_end)
        books[name] = SpokenBook(name, (path,), said, layout)

    phm = Credited("Project Hail Mary", "Andy Weir", "Ray Porter")
    book("hail_mary_m4b", ".m4b", "intro", 15, phm)
    book("hail_mary_mp3", ".mp3", "intro", 15, phm)
    book("hail_mary_outro", ".mp3", "outro", 34, phm)
    final_empire = Credited("The Final Empire", "Brandon Sanderson", "Michael Kramer", "Mistborn", 1)
    book("final_empire", ".m4b", "intro", 15, final_empire)
    book(
        "dune_moov_end",
        ".m4b",
        "intro",
        15,
        Credited("Dune", "Frank Herbert", "Scott Brick"),
        moov_at_end=True,
    )
    # Names tiny.en misspells unless told what the catalogue has (the hinted confirmation pass).
    book("sunrise", ".m4b", "intro", 20, Credited("Seduce Me at Sunrise", "Lisa Kleypas", "Rosalyn Landor"))
    # A soundtrack and a hiss: no speech, so nothing can be identified.
    path = speech.synthesise([speech.music(12), speech.noise(8)], root / "music" / "music.m4b")
    books["music"] = SpokenBook("music", (path,), layout="music")
    # A two-file book: a cold open in part 1, the closing credits at the end of part 2.
    part1 = speech.synthesise(
        speech.book_segments("prose", body_seconds=20, seed=7), root / "two_parts" / "01.m4b"
    )
    night_circus = Credited("The Night Circus", "Erin Morgenstern", "Jim Dale")
    part2 = speech.synthesise(
        speech.book_segments("outro", night_circus, body_seconds=10, seed=8), root / "two_parts" / "02.m4b"
    )
    books["two_parts"] = SpokenBook("two_parts", (part1, part2), night_circus, "outro")
    # Ten minutes of book after the credits: streamed from ABS, listening must not fetch it all.
    long_segs = [*speech.book_segments("intro", phm, body_seconds=10, seed=9), speech.noise(600)]
    path = speech.synthesise(long_segs, root / "long_book" / "long_book.m4b")
    books["long_book"] = SpokenBook("long_book", (path,), phm, "intro")
    bad = speech.corrupt(root / "corrupt" / "corrupt.m4b", like=books["hail_mary_m4b"].path)
    books["corrupt"] = SpokenBook("corrupt", (bad,), layout="corrupt")
    return books
