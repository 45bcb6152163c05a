"""Where a generated library stands in ABS and whether its audio is written: the options every
generator (emulators.corpus and each of emulators.families) takes after its own, passed through as
keywords."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emulators.corpus.assembly import library_dict
from emulators.corpus.library import Facts, GeneratedLibrary, Truth
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

    def library(
        self,
        library_id: str,
        folder_id: str,
        items: list[dict],
        truth: dict[str, Truth],
        traits: dict[str, dict],
        facts: dict[str, Facts],
    ) -> GeneratedLibrary:
        """The generated items as a library on this shelf, their audio written when it asks for audio."""
        lib = GeneratedLibrary(
            library_dict(library_id, folder_id, self.folder, self.name),
            items,
            truth,
            self.folder,
            None,
            traits,
            facts,
        )
        if self.audio_root is not None:
            write_audio(lib, Path(self.audio_root), audio=self.audio, seconds=self.audio_seconds)
        return lib
