"""Generated ABS libraries with known answers, built from the emulated catalogue (goodbooks-10k).

`generate_library(n_items, seed, profile)` returns expanded ABS 2.36 items — the exact shape and key
set of `emulators/data/abs-2.36.0/get_item_expanded_*.json` — plus `truth[item_id]`: which catalogue book and
audio edition each item really is (or that it is a distractor the catalogue does not have).

What varies, per profile ("clean", "default", "hostile"):
- folder naming: the scheme ABS parses cleanly (`Author/Series/N - YYYY - Title {Narrator} [ASIN]`),
  `Author/Title`, `Author - Title`, `Title (Series #3)`, `Series 03 - Title`, single root files,
  CD1/CD2 multi-file books, and garbage (`incoming/track01.mp3`);
- tags: full / partial (incl. the "Hunger Games, The" / "Collins, Suzanne" forms) / none;
- current ABS metadata: good, partial, wrong (a series neighbour's title, another author) or empty —
  "empty" being what ABS's own scanner made of folder + tags (emulators.abs_scanner);
- identifiers: the audio edition's ASIN, a print ISBN, a regional ASIN the catalogue lacks, none;
- durations from the true audio edition's `audio_seconds` (abridged/dramatised items use theirs);
- distractors: invented books, and same-title-different-author traps (truth `book_id None`).

Everything comes from one seeded `random.Random`, so a seed gives the same library every time.
With `audio_root`, real short audio files (silent, or spoken credits when asked and
`emulators.speech` is available) are written for every item, tagged with mutagen like the
metaTags say; items then point at `folder`, which a path map sends to `audio_root`.

Modules: `generate` (generate_library), `builder` (facts, folder layout and tags of one item),
`profiles`, `library` (GeneratedLibrary, Truth, Facts), `assembly` (the expanded item shape, shared
with emulators.families), `draws` (seeded choices and name forms), `render` (write_audio),
`shelf` (Shelf: the library id, folder and audio options every generator takes), `malformed`
(malformed_items).
"""

from emulators.corpus.generate import generate_library, scanner_metadata
from emulators.corpus.library import Facts, GeneratedLibrary, Truth
from emulators.corpus.malformed import malformed_items
from emulators.corpus.profiles import PROFILES, Profile
from emulators.corpus.render import write_audio

__all__ = [
    "PROFILES",
    "Facts",
    "GeneratedLibrary",
    "Profile",
    "Truth",
    "generate_library",
    "malformed_items",
    "scanner_metadata",
    "write_audio",
]
