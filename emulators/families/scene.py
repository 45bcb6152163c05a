"""Libraries of downloaded releases: scene and torrent names kept as they came.

Conventions (documented release practice and what ABS makes of it):
- release names join words with dots or underscores, carry format/bitrate/edition noise and a
  group tag: `Author.Name-Title.Words.2019.Unabridged.MP3.64kbps-GROUP`,
  `John_Grisham_-_A_Time_to_Kill`, `Title.by.Author.Name.AUDIOBOOK.M4B-GRP`,
  `Author - Title (Unabridged) [MP3 64kbps]`, `Author - Series 03 - Title (2011) [M4B]`;
  the year in a release name is the release's (often the audio edition's);
- releases sit in container folders — `mp3`, `Audiobooks`, `New`, `torrents/complete`, `Unknown`,
  `Downloads`, `Complete`, `_unsorted`, `seeding` — which ABS reads as the author (one level) or as
  author and series (two levels), because getBookDataFromDir takes the folder above the title folder
  as the series and the one above that as the author (server/utils/scandir.js);
- part files named after the release: `Author_Title_01.mp3`, `author-title-01.mp3`,
  `01 - Title.mp3`, `Title - Part 1 of 8.mp3`, `CD1/Track 01.mp3` (ABS groups CD folders into one item);
- a loose file in the library root becomes a single-file item titled with its file name
  (`John Grisham - The Firm (Unabridged).mp3`);
- tags are absent or minimal: a ripper's title "Track 01", the release name as the album, the
  author in "Last, First" form, the group in the comment or encoder; sometimes the tags of another
  book left over from a re-used rip template (tags contradicting the folder).
"""

from __future__ import annotations

import re

from emulators.corpus.draws import last_first
from emulators.families._base import Context, Item, Layout, Mix, generate_family

NAME = "scene"
MIX = Mix(distractor=0.13, same_title_trap=0.05, audio_only=0.08)

CONTAINERS_ONE = ["mp3", "Audiobooks", "New", "Unknown", "Downloads", "Complete", "_unsorted", "seeding", "Books",
                  "audio", "incoming", "AudioBooks (new)"]  # fmt: skip
CONTAINERS_TWO = ["torrents/complete", "Downloads/Audiobooks", "Audiobooks/mp3", "data/torrents", "New/2019",
                  "complete/audiobooks"]  # fmt: skip
GROUPS = ["FLAC0", "AUDIOBOOK", "BitBook", "ABOOK", "CROSSBOW", "MP3PROFi", "kAWA", "HORiZON", "RAiN", "ReQ"]
_BITRATES = ["32kbps", "48kbps", "64kbps", "64k", "96kbps", "128kbps", "VBR", "192kbps"]


def _words(text: str) -> list[str]:
    text = text.replace("&", "and").replace("'", "").replace("’", "")
    return [w for w in re.split(r"[^\w]+", text) if w]


def _join(text: str, sep: str, case: str) -> str:
    words = _words(text)
    if case == "lower":
        words = [w.lower() for w in words]
    elif case == "title":
        words = [w[:1].upper() + w[1:] for w in words]
    return sep.join(words)


# Release names that are only the author's and title's words joined: style -> (template, joiner, case).
_JOINED = {
    1: ("{a}_-_{t}", "_", "keep"),
    2: ("{a}_{t}", "_", "keep"),
    3: ("{t}.by.{a}.AUDIOBOOK.{fmt}-{group}", ".", "title"),
}


def release_name(ctx: Context, it: Item) -> tuple[str, str, str]:
    """(name, style, joiner) of the release folder or file stem."""
    rng = ctx.rng
    rel = it.release
    author, title = rel.authors[0], rel.title
    year = rel.year or ""
    group = rng.choice(GROUPS)
    fmt = rng.choice(["MP3", "M4B", "AAC", "MP3"])
    style = rng.randrange(7)
    if style == 0:
        name = f"{_join(author, '.', 'title')}-{_join(title, '.', 'title')}"
        name += f".{year}" if year and rng.random() < 0.6 else ""
        name += (
            rng.choice([".Unabridged", ".UNABRIDGED", "", ".Retail"])
            + f".{fmt}.{rng.choice(_BITRATES)}-{group}"
        )
        joiner = "."
    elif style in _JOINED:
        template, joiner, case = _JOINED[style]
        name = template.format(
            a=_join(author, joiner, case), t=_join(title, joiner, case), fmt=fmt, group=group
        )
    elif style == 4:
        name = f"{author} - {title} (Unabridged) [{fmt} {rng.choice(_BITRATES)}]"
        joiner = " "
    elif style == 5:
        if rel.series and rel.position:
            pos = rel.position.zfill(2) if "." not in rel.position else rel.position
            name = f"{author} - {rel.series} {pos} - {title}"
        else:
            name = f"{author} - {title}"
        name += f" ({year})" if year else ""
        name += f" [{fmt}]" if rng.random() < 0.5 else ""
        joiner = " "
    else:
        name = f"{_join(author, '-', 'lower')}-{_join(title, '-', 'lower')}-{rng.choice(['2cd', 'abr', 'unabr', 'ws'])}-{group.lower()}"
        joiner = "-"
    return name.replace("/", "-"), f"scene_{style}", joiner


def _part_names(ctx: Context, it: Item, stem: str, n: int, ext: str) -> tuple[list[str], str]:
    rng = ctx.rng
    rel = it.release
    style = rng.randrange(6)
    a, t = _join(rel.authors[0], "_", "keep"), _join(rel.title, "_", "keep")
    out = []
    for k in range(1, n + 1):
        if style == 0:
            out.append(f"{a}_{t}_{k:02d}{ext}")
        elif style == 1:
            out.append(f"{_join(rel.authors[0], '-', 'lower')}-{_join(rel.title, '-', 'lower')}-{k:02d}{ext}")
        elif style == 2:
            out.append(f"{k:02d} - {rel.title}{ext}")
        elif style == 3:
            out.append(f"{rel.title} - Part {k} of {n}{ext}")
        elif style == 4:
            out.append(f"{stem[:40]}-{k:03d}{ext}")
        else:
            out.append(f"Track {k:02d}{ext}")
    return out, ["author_title_parts", "dashed_parts", "num_title", "part_of", "stem_parts", "track_parts"][
        style
    ]


def _tags(ctx: Context, it: Item, k: int, n: int, release: str) -> tuple[dict[str, str], str]:
    rng = ctx.rng
    rel = it.release
    r = rng.random()
    enc = {"encoder": rng.choice(["LAME3.99r", "LAME3.100", "Lavf58.29.100"])}
    if r < 0.45:
        return enc, "none"
    if r < 0.65:
        return {
            **enc,
            "title": f"Track {k:02d}",
            "track": f"{k}/{n}",
            "genre": rng.choice(["Audiobook", "Speech", "Other"]),
        }, "track_only"
    if r < 0.82:
        return {
            **enc,
            "artist": last_first(rel.authors[0]),
            "album": release,
            "title": f"{rel.title} {k:02d}",
        }, "release_album"
    if r < 0.94:
        tags = {
            **enc,
            "artist": rel.authors[0],
            "album": f"{rel.title} (Unabridged)",
            "comment": rng.choice(GROUPS),
        }
        if rel.narrators and rng.random() < 0.5:  # retail rips keep the composer = narrator convention
            tags["composer"] = rel.narrators[0]
        return tags, "author_album"
    other = ctx.cat.books[rng.randrange(len(ctx.cat.books))]  # a rip template re-used for another book
    return {
        **enc,
        "artist": other.authors[0] if other.authors else "Unknown",
        "album": other.title,
    }, "contradicting"


def layout(ctx: Context, it: Item) -> Layout:
    rng = ctx.rng
    name, style, joiner = release_name(ctx, it)
    where = rng.random()
    container = None
    if where < 0.12:  # a loose file in the library root
        ext = rng.choice([".mp3", ".m4b", ".m4a"])
        rel = ctx.unique(f"{name}{ext}", True)
        tags, tag_style = _tags(ctx, it, 1, 1, name)
        return Layout(rel, True, [(rel, tags)], {"scheme": style, "joiner": joiner, "container": None,
                                                   "root_file": True, "tags": tag_style, "parts": 1})  # fmt: skip
    if where < 0.45:
        container = rng.choice(CONTAINERS_ONE)
    elif where < 0.65:
        container = rng.choice(CONTAINERS_TWO)
    folder = f"{container}/{name}" if container else name
    folder = ctx.unique(folder, False)
    n = 1 if rng.random() < 0.3 else rng.randint(2, 30)
    ext = rng.choice([".mp3", ".mp3", ".mp3", ".m4b"]) if n == 1 else rng.choice([".mp3", ".mp3", ".m4a"])
    if n == 1:
        names, parts_style = [f"{name}{ext}" if rng.random() < 0.5 else f"{it.release.title}{ext}"], "single"
    elif rng.random() < 0.12:
        discs = rng.randint(2, 4)
        per = max(1, n // discs)
        names = [f"CD{d}/Track {k:02d}{ext}" for d in range(1, discs + 1) for k in range(1, per + 1)]
        parts_style = "cd_folders"
    else:
        names, parts_style = _part_names(ctx, it, name, n, ext)
    first_tags, tag_style = _tags(ctx, it, 1, len(names), name)
    files = [(names[0], first_tags)]
    for k, fname in enumerate(names[1:], start=2):
        t = dict(first_tags)
        if "track" in t:
            t["track"] = f"{k}/{len(names)}"
        if t.get("title", "").startswith("Track "):
            t["title"] = f"Track {k:02d}"
        files.append((fname, t))
    traits = {"scheme": style, "joiner": joiner, "container": container, "root_file": False, "tags": tag_style,
              "parts": len(names), "part_names": parts_style}  # fmt: skip
    return Layout(folder, False, files, traits)


def generate(n_items: int, seed: int = 0, **kw):
    return generate_family(NAME, layout, n_items, seed, MIX, **kw)
