"""Where a generated library stands in ABS and whether its audio is written: the options every
generator (emulators.corpus and each of emulators.families) takes after its own, passed through as
keywords."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emulators.corpus.assembly import library_dict
from emulators.corpus.library import GeneratedLibrary
from emulators.corpus.render import write_audio


@dataclass(frozen=True)
class Shelf:
    """`library_id` None: one seeded from the generator's seed. With `audio_root`, every item's audio
    files are written there (`audio` "silent", or "speech" for spoken opening credits, each file
    `audio_seconds` long) and a path map sends `folder` to it."""

    library_id: str | None = None
    folder: str = "/audiobooks"
    name: str = "Audiobooks"
    audio_root: Path | str | None = None
    audio: str = "silent"
    audio_seconds: float = 1.0

    def empty_library(self, library_id: str, folder_id: str) -> GeneratedLibrary:
        """A library on this shelf with no items yet: the generator fills its items, truth, traits and facts."""
        return GeneratedLibrary(
            library_dict(library_id, folder_id, self.folder, self.name), [], {}, self.folder
        )

    def with_audio(self, lib: GeneratedLibrary) -> GeneratedLibrary:
        """`lib`, its audio files written when this shelf asks for audio."""
        if self.audio_root is not None:
            write_audio(lib, Path(self.audio_root), audio=self.audio, seconds=self.audio_seconds)
        return lib
