"""Generator families: libraries that look like real people's, each built from one set of documented
real-world conventions, all with known answers from the emulated catalogue.

    from emulators.families import FAMILIES, generate, seeds
    lib = generate("scene", 2000, seed=1003)       # a GeneratedLibrary, as emulators.corpus makes

Every family returns the contract of `emulators.corpus.generate_library`: expanded ABS 2.36 items
(the fixtures' shape and key set), `truth` (catalogue book / audio edition ids — the Hardcover
emulator's ids — or None for books the catalogue lacks), `traits` (what conventions each item got:
`family`, `kind`, `scheme`, `tags`, `noise`, and the family's own), and `facts` (what the audio
speaks, for `emulators.corpus.write_audio`). Keyword arguments (the fields of
`emulators.corpus.shelf.Shelf`: `audio_root`, `library_id`, `folder`, `name`, `audio`, `audio_seconds`)
are passed through. `kind` is one of matchable, no_audio_edition, distractor, same_title_trap,
audio_only (a real book whose only evidence is its audio).

Families:
- `shelfmatch` / `shelfmatch-hostile`: the original generator (emulators.corpus, profiles default and
  hostile);
- `libation`, `readarr`, `scene`, `tagger`: see their modules;
- `archive`: OpenAudible, Audible download names, AAXtoMP3, AudioBookConverter, Calibre and CD-rip
  layouts, and metadata edited by hand after a migration;
- `lending`: OverDrive/Libby loans downloaded with odmpy or as OverDrive's own part files,
  LibriVox's public-domain recordings from archive.org, audible-cli download names, on a shelf that
  leans to public-domain classics;
- `discs`: audiobook CD sets ripped by Exact Audio Copy (freedb), Windows Media Player and iTunes, or
  filed by MusicBrainz Picard and Lidarr, disc sets sized by CD capacity, library editions and radio
  dramatisations — and one ABS item per disc where a set's disc folders are not ones ABS folds;
- `stores`: audiobooks bought DRM-free outside Audible — Libro.fm downloads filed by
  librofm-downloader, libro.fm-backup-creator and librofm-to-audiobookshelf, store web players'
  books fetched with audiobook-dl (audiobooks.com, Chirp, Nextory, Saxo), and downloads dropped on
  ABS's own web uploader — with the stores' catalogue records (audiobook ISBNs, series without a
  position, titles alone).
- `converters` (FROZEN): downloaded MP3 books merged into M4B files by auto-m4b and m4b-tool, tagged
  from their folder names by m4b-tool's batch mode or tone (a genre/author/series tree), and sorted
  by audiobook-organizer from the tags the merge left.

`tagger`, `archive`, `lending`, `discs` and `stores` are development data: each was the frozen family
once, was run to report its number, and is spent — its figure has been seen, so it cannot stand for an
unseen library again (`lending` at 7736f6f: auto recall 0.630, auto precision 1.000; `discs` at
0b44263: auto precision 1.000, auto recall 0.456, top-1 0.920; `stores` at 5557684: auto precision
0.9987, auto recall 0.903, top-1 0.952). `converters` is the frozen family, written from the public
conventions of M4B converters and organisers (auto-m4b, m4b-tool, tone, audiobook-organizer) that no
other family covers, by someone who had not read the parser, and never looked at while tuning; it was
reported once at aeb0364 (auto precision 0.9988, auto recall 0.921, top-1 0.949) and is spent: a new
frozen family replaces it before the next frozen report.

Protocol (to keep one honest number):
- tune, fit and look at errors only on the non-frozen families, fitting on TRAINING seeds and judging
  changes on DEVELOPMENT seeds;
- the frozen family is only ever generated with FROZEN seeds and only run to report a number; nobody
  looks at its per-item errors while developing, and it is never used to fit or choose anything.
  `generate` refuses the frozen family with any other seed, and refuses frozen seeds for the others,
  so the frozen libraries cannot end up in a training or development run by accident;
- a frozen family is reported once; after that it is a development family and a new frozen family,
  written from conventions no other family models, replaces it;
- the three seed ranges are disjoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from emulators.corpus import GeneratedLibrary, generate_library
from emulators.families import archive, converters, discs, lending, libation, readarr, scene, stores, tagger

__all__ = ["DEVELOPMENT_SEEDS", "FAMILIES", "FROZEN_SEEDS", "TRAINING_SEEDS", "Family", "generate", "seeds"]

TRAINING_SEEDS = range(0, 1000)
DEVELOPMENT_SEEDS = range(1000, 2000)
FROZEN_SEEDS = range(7_000_000, 7_000_100)


@dataclass(frozen=True)
class Family:
    name: str
    frozen: bool
    summary: str
    make: Callable[..., GeneratedLibrary]


def _shelfmatch(profile: str) -> Callable[..., GeneratedLibrary]:
    def make(n_items: int, seed: int = 0, **kw) -> GeneratedLibrary:
        lib = generate_library(n_items, seed=seed, profile=profile, **kw)
        for tr in lib.traits.values():
            tr.setdefault("family", f"shelfmatch-{profile}" if profile != "default" else "shelfmatch")
        return lib

    return make


FAMILIES: dict[str, Family] = {
    "shelfmatch": Family(
        "shelfmatch", False, "the original generator, profile default", _shelfmatch("default")
    ),
    "shelfmatch-hostile": Family(
        "shelfmatch-hostile", False, "the original generator, profile hostile", _shelfmatch("hostile")
    ),
    "libation": Family(
        "libation", False, "Libation downloads: templates, chapter files, fixup tags", libation.generate
    ),
    "readarr": Family("readarr", False, "Readarr renames: author/book folders, part files", readarr.generate),
    "scene": Family(
        "scene", False, "release names, container folders, part files, bare tags", scene.generate
    ),
    "tagger": Family("tagger", False, "retagging tools' tag roles, Quick-Matched items", tagger.generate),
    "archive": Family(
        "archive",
        False,
        "OpenAudible, AAXtoMP3, AudioBookConverter, Calibre, CD rips, hand edits",
        archive.generate,
    ),
    "lending": Family(
        "lending",
        False,
        "odmpy/OverDrive loans, LibriVox recordings, audible-cli names, public-domain classics",
        lending.generate,
    ),
    "discs": Family(
        "discs",
        False,
        "CD sets ripped by EAC, Windows Media Player, iTunes, Picard, Lidarr; one ABS item per unfolded disc",
        discs.generate,
    ),
    "stores": Family(
        "stores",
        False,
        "Libro.fm downloads and syncs, audiobook-dl store downloads, ABS web uploads",
        stores.generate,
    ),
    "converters": Family(
        "converters",
        True,
        "auto-m4b and m4b-tool merges, m4b-tool batch and tone path tags, audiobook-organizer layouts",
        converters.generate,
    ),
}


def seeds(purpose: str) -> range:
    """The seed range for 'training', 'development' or 'frozen'."""
    ranges = {"training": TRAINING_SEEDS, "development": DEVELOPMENT_SEEDS, "frozen": FROZEN_SEEDS}
    if purpose not in ranges:
        raise ValueError(f"unknown seed purpose {purpose!r}; choose one of {', '.join(ranges)}")
    return ranges[purpose]


def generate(family: str, n_items: int, seed: int, **kw) -> GeneratedLibrary:
    """A library of `n_items` items from `family`, deterministic per seed (see the protocol above)."""
    if family not in FAMILIES:
        raise ValueError(f"unknown generator family {family!r}; choose one of {', '.join(FAMILIES)}")
    fam = FAMILIES[family]
    if fam.frozen and seed not in FROZEN_SEEDS:
        raise ValueError(
            f"{family!r} is frozen: generate it only with frozen seeds "
            f"({FROZEN_SEEDS.start}..{FROZEN_SEEDS.stop - 1}), and only to report"
        )
    if not fam.frozen and seed in FROZEN_SEEDS:
        raise ValueError(f"seed {seed} is reserved for the frozen family; use training or development seeds")
    return fam.make(n_items, seed=seed, **kw)
