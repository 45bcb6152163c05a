"""A library of audiobooks bought on CD and ripped, or kept by a music player: sets of 8 to 40 discs
named and tagged by CD rippers and music managers from their online disc databases — and, where a
set's discs become folders ABS does not fold together, one ABS item per disc.

Development data: this was the fourth frozen family, reported once at 0b44263 (auto precision 1.000,
auto recall 0.456, top-1 0.920) and spent — its figure has been seen, so it no longer stands for an
unseen library.

Conventions, each from the tool's public documentation or source:
- disc sets (audio CD capacity, publishers' CD editions): a disc holds at most 79.8 minutes, and
  audiobook sets fill 70-79 minutes a disc, so the disc count follows from the length (a 10-hour
  book is 8 or 9 discs); publishers cut each disc into tracks every 3-5 minutes (Random House Audio,
  Books on Tape) or by chapter (Naxos AudioBooks, BBC), so a track is 3-10 minutes;
- ABS 2.36 (server/utils/scandir.js groupFileItemsIntoLibraryItemDirs) folds a subfolder into its
  parent item only when its whole name matches `/^(cd|dis[ck])\\s*\\d{1,3}$/i` ("CD 01", "Disc 3",
  "disk12"); a disc folder named "Disc 1 of 12", "Title (Disc 3)" or "Title Disc 3" is an item of its
  own, so a set ripped that way shows as one item per disc, each a disc's length long. The library
  holds one disc of each such set (the other discs are the same book again);
- Exact Audio Copy's default naming scheme `%artist% - %album%\\%tracknr2% - %title%` (one folder per
  ripped disc, in the output folder), with freedb's disc entries: one entry per disc, the album
  carrying the disc ("Title (Disc 3)", "Title - CD3", "Title [3/12]"), the artist as freedb's
  "Artist / Title" DTITLE gives it ("Author", "Author / Narrator", "Author read by Narrator"), track
  titles "Track 01" or "Title 3-01", and freedb's few genres ("Audiobook", "Speech", "Misc", "Other");
  MP3s from LAME;
- Windows Media Player's rip defaults (Rip settings: `Music\\<Artist>\\<Album>\\`, file names "track
  number, song title" as `NN Song Title`, Windows Media Audio `.wma`): the album per disc as its
  metadata service returns it ("Title Disc 3", "Title (Disc 3)"), so each disc is its own album
  folder; contributing artists joined with "; " ("Author; Narrator"); an unrecognised disc rips to
  `Unknown Artist\\Unknown Album (M-D-YYYY h-mm-ss AM)\\01 Track 1.wma` with those words as tags;
  WMP's own ASF attributes (WMFSDKVersion, WM/Provider, WM/UniqueFileIdentifier) beside them. ffmpeg's
  ASF reader (libavformat/asf.c's metadata conversion) names WM/AlbumTitle, Author, WM/AlbumArtist,
  WM/Composer, WM/Publisher, WM/TrackNumber and Description as album, artist, album_artist, composer,
  publisher, track and comment, but passes WM/Year on under its own name, which ABS does not read;
- iTunes' import (iTunes Media folder organisation): `iTunes Media/Music/<Album Artist or Artist>/
  <Album>/<disc>-<track> <Title>.m4a` (the disc prefix only for a set of more than one disc), AAC
  `.m4a` with an "iTunes" encoder atom, Gracenote's names for audiobook CDs — the album "Title
  (Unabridged)" or per disc, the genre "Audiobook", "Books & Spoken" or "Spoken Word", the reader as
  the artist while the author is the album artist or the composer — and, once the media kind is set
  to Audiobook, `iTunes Media/Audiobooks/<Artist>/<Album>/`; the library folder is the iTunes folder
  or the media folder itself, so ABS reads "Music" or "Audiobooks" as the author and the artist as a
  series (server/utils/scandir.js getBookDataFromDir);
- MusicBrainz Picard's default file naming script
  `$if2(%albumartist%,%artist%)/$if($ne(%albumartist%,),%album%/,)$if($gt(%totaldiscs%,1),%discnumber%-,)$if($ne(%albumartist%,),$num(%tracknumber%,2) ,)$if(%_multiartist%,%artist% - ,)%title%`
  and its tags from the MusicBrainz release (Picard's tag mapping): album, artist and album artist
  the credited author, track titles as the release lists them ("Chapter 3", "Chapter 3 (continued)"),
  track and disc "n/N", the release date in full, the label as publisher, catalogue number, barcode,
  media "CD", the release's Amazon ASIN (a CD set's ASIN is its ISBN-10, not an Audible ASIN), and
  the MusicBrainz ids, type ("other/audiobook", "other/audio drama"), status and country as TXXX
  frames, which ABS keeps as metaTags but never as metadata; no narrator among its standard tags;
- Lidarr's defaults (Lidarr/Lidarr, src/NzbDrone.Core/Organizer/NamingConfig.cs): artist folder
  `{Artist Name}`, album folder `{Album Title} ({Release Year})`, track
  `{Artist Name} - {Album Title} - {track:00} - {Track Title}` and, for a multi-disc release,
  `{Medium Format} {medium:00}/…` ("CD 01/…", which ABS folds); the release year is the CD set's;
- a set kept as its box labels it (a person's folders, not a tool's): `Author/Title/Disc 01` and
  `Author - Title/CD03` (folded by ABS) beside `Author/Title/Disc 3 of 12` and
  `Title/CD 3 - Title` (one item per disc).

Catalogue noise of CD sets, on top of the common noise (emulators.families._base): the album marked
"(Unabridged)", "[Unabridged]" or "(Abridged)"; library editions (Books on Tape, Recorded Books,
Chivers, Isis, Soundings, Clipper, Oakhill, W F Howes — sold to public libraries, their own year a
year or three off the retail release, "[Library Edition]" in the album); BBC Radio Collection
dramatisations (a full cast: "Various Artists" or "Full Cast" as the artist, the album
"Title (BBC Radio 4 Full-Cast Dramatisation)" or "Title: BBC Radio Collection", a quarter to half the
length of a reading).

Not modelled: CD-Text read by a drive (rarely written on audiobook CDs), cue sheets and image rips
(the scanner port reads no cue sheet), and iTunes' "Join CD Tracks".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from emulators.corpus.assembly import seeded_uuid
from emulators.corpus.draws import pick
from emulators.families._base import Context, Item, Layout, Mix, Release, generate_family

NAME = "discs"
MIX = Mix(distractor=0.10, same_title_trap=0.035, audio_only=0.05)

DISC_SECONDS = (4200.0, 4740.0)  # 70-79 minutes of a disc's 79.8
FOLDED = re.compile(r"^(cd|dis[ck])\s*\d{1,3}$", re.IGNORECASE)  # ABS's disc-folder pattern
_MOST_FILES = 320  # a long set's tracks get longer (chapter tracks) rather than passing this

_LIBRARY_PUBLISHERS = ["Books on Tape", "Recorded Books", "Chivers Audio Books", "Isis Audio Books",
                       "Soundings", "Clipper Audio", "Oakhill Publishing", "W F Howes", "Brilliance Audio",
                       "BBC Audiobooks"]  # fmt: skip
_FREEDB_GENRES = ["Audiobook", "Audiobook", "Speech", "Misc", "Other", "Spoken Word"]
_GRACENOTE_GENRES = ["Audiobook", "Books & Spoken", "Spoken Word"]
_COUNTRIES = ["GB", "US", "US", "AU", "CA"]
# kinds of book the BBC's radio dramatisations are made of
_DRAMATISED = {"Mystery", "Fantasy", "Classics", "Science Fiction", "Historical Fiction", "Horror"}


def disc_count(ctx: Context, seconds: float) -> int:
    return max(1, min(40, math.ceil(seconds / ctx.rng.uniform(*DISC_SECONDS))))


def _tracks_per_disc(ctx: Context, seconds: float, discs: int, whole_set: bool) -> int:
    per_disc = seconds / discs
    track = ctx.rng.uniform(180, 600)
    if whole_set:
        track = max(track, seconds / _MOST_FILES)
    return max(1, round(per_disc / track))


def _safe(text: str) -> str:
    """Windows-safe names, as rippers write them: ':' to ' -', the other reserved characters dropped."""
    text = text.replace(": ", " - ").replace(":", "-")
    return "".join(c for c in text if c not in '\\/*?"<>|').strip().rstrip(".")


def _year(rel: Release) -> str | None:
    return (rel.date or "")[:4] or rel.year


def _isbn10(ctx: Context) -> str:
    """A CD set's ISBN-10 (Amazon's ASIN for a physical product), check digit included."""
    digits = [0, 7, 3, 9] + [ctx.rng.randrange(10) for _ in range(5)]
    check = (11 - sum((10 - i) * d for i, d in enumerate(digits)) % 11) % 11
    return "".join(map(str, digits)) + ("X" if check == 10 else str(check))


def set_noise(ctx: Context, it: Item) -> dict:
    """What the CD set's own listing changes: its edition marker, a library edition, a dramatisation."""
    rng, rel = ctx.rng, it.release
    book = it.facts.book
    out: dict = {"marker": "", "artist": None}
    if book is not None and rng.random() < 0.06 and _DRAMATISED & set(rel.genres):
        rel.seconds *= rng.uniform(0.25, 0.5)
        rel.noise.append("radio_dramatisation")
        out["album_style"] = rng.choice([" (BBC Radio 4 Full-Cast Dramatisation)", ": BBC Radio Collection"])
        out["artist"] = rng.choice(["Various Artists", "Full Cast", "Various"])
        rel.publisher = "BBC Audiobooks"
        rel.narrators = []
        return out
    if rng.random() < 0.15:
        rel.publisher = rng.choice(_LIBRARY_PUBLISHERS)
        year = _year(rel)
        if year:
            shifted = min(2025, int(year) + rng.choice((-2, -1, 1, 1, 2, 3)))
            rel.year = str(shifted) if rel.year else None
            rel.date = f"{shifted}{(rel.date or '0000-01-01')[4:]}"
        rel.noise.append("library_edition")
        out["marker"] = " [Library Edition]" if rng.random() < 0.5 else " (Unabridged)"
    elif rng.random() < 0.35:
        out["marker"] = " (Abridged)" if rel.abridged else rng.choice([" (Unabridged)", " [Unabridged]"])
    return out


def one_disc(ctx: Context, it: Item, discs: int) -> int:
    """The disc of a per-disc set that this item is: its own length is that disc's."""
    d = ctx.rng.randint(1, discs)
    it.release.seconds = it.release.seconds / discs * ctx.rng.uniform(0.88, 1.0)
    it.release.noise.append("one_disc")
    return d


def _traits(scheme: str, tags: str, discs: int, disc: int | None, files: int, **more) -> dict:
    return {"scheme": scheme, "tags": tags, "discs": discs, "disc_item": disc, "files": files, **more}


# --- Exact Audio Copy + freedb ------------------------------------------------------------------------


def _freedb_album(ctx: Context, title: str, d: int, n: int) -> str:
    return ctx.rng.choice(
        [f"{title} (Disc {d})", f"{title} - CD{d}", f"{title} [{d}/{n}]", f"{title} CD {d:02d}"]
    )


def _freedb_artist(ctx: Context, rel: Release, cast: str | None) -> str:
    if cast:
        return cast
    author = rel.authors[0]
    if not rel.narrators:
        return author
    return pick(
        ctx.rng,
        {author: 0.55, f"{author} / {rel.narrators[0]}": 0.25, f"{author} read by {rel.narrators[0]}": 0.2},
    )


def eac_per_disc(ctx: Context, it: Item, noise: dict) -> Layout:
    rng, rel = ctx.rng, it.release
    discs = disc_count(ctx, rel.seconds)
    d = one_disc(ctx, it, discs) if discs > 1 else None
    title = rel.title + noise.get("album_style", noise["marker"])
    album = _freedb_album(ctx, title, d, discs) if d else title
    artist = _freedb_artist(ctx, rel, noise["artist"])
    folder = ctx.unique(f"{_safe(artist)} - {_safe(album)}", False)
    n = _tracks_per_disc(ctx, rel.seconds, 1, False)
    track_style = rng.choice(["track", "title_dash"])
    genre, year = rng.choice(_FREEDB_GENRES), _year(rel) if rng.random() < 0.6 else None
    encoder = rng.choice(["LAME3.100", "LAME3.99r", "LAME3.98r"])
    files = []
    for t in range(1, n + 1):
        name = f"Track {t:02d}" if track_style == "track" else f"{rel.title} {d or 1}-{t:02d}"
        tags = {"title": name, "artist": artist, "album": album, "track": f"{t}/{n}", "genre": genre,
                "encoder": encoder}  # fmt: skip
        if year:
            tags["date"] = year
        files.append((f"{t:02d} - {_safe(name)}.mp3", tags))
    return Layout(folder, False, files, _traits("eac_per_disc", "freedb", discs, d, n))


# --- Windows Media Player ---------------------------------------------------------------------------------


def _wma_attributes(ctx: Context) -> dict[str, str]:
    rng = ctx.rng
    return {"WMFSDKVersion": rng.choice(["12.0.7601.17514", "12.0.19041.1", "11.0.5721.5265"]),
            "WMFSDKNeeded": "0.0.0.0000", "IsVBR": "0", "WM/Provider": "AMG",
            "WM/UniqueFileIdentifier": f"AMGa_id=R {rng.randrange(10**6, 10**7)};AMGp_id=VA;AMGt_id=T"
                                       f" {rng.randrange(10**7, 10**8)}"}  # fmt: skip


def wmp(ctx: Context, it: Item, noise: dict) -> Layout:
    rng, rel = ctx.rng, it.release
    discs = disc_count(ctx, rel.seconds)
    d = one_disc(ctx, it, discs) if discs > 1 else None
    n = _tracks_per_disc(ctx, rel.seconds, 1, False)
    if rng.random() < 0.18:
        stamp = f"{rng.randint(1, 12)}-{rng.randint(1, 28)}-{rng.randint(2004, 2019)} {rng.randint(1, 12)}-" \
                f"{rng.randrange(60):02d}-{rng.randrange(60):02d} {rng.choice(['AM', 'PM'])}"  # fmt: skip
        folder = ctx.unique(f"Unknown Artist/Unknown Album ({stamp})", False)
        files = [(f"{t:02d} Track {t}.wma", dict(_wma_attributes(ctx), title=f"Track {t}", artist="Unknown Artist",
                  album=f"Unknown Album ({stamp})", track=str(t))) for t in range(1, n + 1)]  # fmt: skip
        return Layout(folder, False, files, _traits("wmp", "wmp_unknown", discs, d, n, recognised=False))
    title = rel.title + noise.get("album_style", noise["marker"])
    album = (f"{title} Disc {d}" if rng.random() < 0.5 else f"{title} (Disc {d})") if d else title
    author = rel.authors[0]
    artist = noise["artist"] or (
        f"{author}; {rel.narrators[0]}" if rel.narrators and rng.random() < 0.45 else author
    )
    album_artist = author if noise["artist"] is None or rng.random() < 0.5 else noise["artist"]
    folder = ctx.unique(f"{_safe(album_artist)}/{_safe(album)}", False)
    base = dict(_wma_attributes(ctx), artist=artist, album_artist=album_artist, album=album,
                genre=rng.choice(["Spoken Word", "Audiobook", "Books & Spoken"]))  # fmt: skip
    year = _year(rel)
    if year:
        base["WM/Year"] = year  # ffmpeg's ASF reader keeps this name, so ABS sees no year
    if rel.publisher and rng.random() < 0.6:
        base["publisher"] = rel.publisher
    songs = _chapters(n, rng) if rng.random() < 0.5 else [f"Track {t}" for t in range(1, n + 1)]
    files = [
        (f"{t:02d} {_safe(song)}.wma", dict(base, title=song, track=str(t)))
        for t, song in enumerate(songs, 1)
    ]
    return Layout(folder, False, files, _traits("wmp", "wmp_amg", discs, d, n, recognised=True))


# --- iTunes ----------------------------------------------------------------------------------------------


def itunes_media(ctx: Context, it: Item, noise: dict) -> Layout:
    rng, rel = ctx.rng, it.release
    discs = disc_count(ctx, rel.seconds)
    per_disc_albums = discs > 1 and rng.random() < 0.3
    d = one_disc(ctx, it, discs) if per_disc_albums else None
    title = rel.title + noise.get("album_style", noise["marker"] or " (Unabridged)")
    album = f"{title} Disc {d}" if d else title
    author = rel.authors[0]
    reader = noise["artist"] or (rel.narrators[0] if rel.narrators and rng.random() < 0.5 else author)
    role = (
        pick(rng, {"album_artist": 0.5, "composer": 0.3, "none": 0.2}) if reader != author else "album_artist"
    )
    audiobook_kind = rng.random() < 0.3
    container = rng.choice(["iTunes/iTunes Media", "iTunes Media", "", "iTunes/iTunes Music"])
    # iTunes before version 9 kept every kind in one "iTunes Music" folder
    kind_dir = "" if container.endswith("iTunes Music") else ("Audiobooks" if audiobook_kind else "Music")
    shelf_name = author if role == "album_artist" else reader  # iTunes files under the album artist first
    folder = "/".join(p for p in (container, kind_dir, _safe(shelf_name), _safe(album)) if p)
    folder = ctx.unique(folder, False)
    base = {"album": album, "artist": reader, "genre": rng.choice(_GRACENOTE_GENRES),
            "encoder": rng.choice(["iTunes 12.9.5.5", "iTunes 12.12.10.1", "iTunes 10.7.0.21"])}  # fmt: skip
    if role == "album_artist":
        base["album_artist"] = author
    elif role == "composer":
        base["composer"] = author
    year = _year(rel)
    if year and rng.random() < 0.8:
        base["date"] = year
    set_discs = 1 if d else discs
    n = _tracks_per_disc(ctx, rel.seconds, set_discs, True)
    files = []
    for disc in range(1, set_discs + 1):
        for t in range(1, n + 1):
            name = f"Track {t}"
            prefix = f"{disc}-{t:02d}" if set_discs > 1 else f"{t:02d}"
            tags = dict(base, title=name, track=f"{t}/{n}", disc=f"{d or disc}/{discs}")
            files.append((f"{prefix} {name}.m4a", tags))
    traits = _traits("itunes_media", "gracenote", discs, d, len(files), container=container or None,
                     kind_dir=kind_dir, author_in=role)  # fmt: skip
    return Layout(folder, False, files, traits)


# --- MusicBrainz: Picard and Lidarr ----------------------------------------------------------------------


def _mb_tags(ctx: Context, rel: Release, album: str, artist: str, discs: int, drama: bool) -> dict[str, str]:
    rng = ctx.rng
    tags = {"album": album, "artist": artist, "album_artist": artist, "media": "CD",
            "MusicBrainz Album Type": "other/audio drama" if drama else rng.choice(["other/audiobook",
                                                                                     "album/audiobook"]),
            "MusicBrainz Album Status": "official",
            "MusicBrainz Album Release Country": rng.choice(_COUNTRIES),
            "MusicBrainz Album Id": seeded_uuid(f"mb:{album}:{rng.random()}"),
            "MusicBrainz Album Artist Id": seeded_uuid(f"mb-artist:{artist}"),
            "MusicBrainz Artist Id": seeded_uuid(f"mb-artist:{artist}"),
            "totaldiscs": str(discs)}  # fmt: skip
    if rel.date:
        tags["date"] = rel.date
    if rel.publisher:
        tags["publisher"] = rel.publisher
        tags["CATALOGNUMBER"] = f"{rng.choice(['BBCD', 'NA', 'RHCD', 'BOT'])}{rng.randrange(100, 9999)}"
    if rng.random() < 0.6:
        isbn10 = _isbn10(ctx)
        tags["asin"] = isbn10
        tags["BARCODE"] = f"978{isbn10[:-1]}{rng.randrange(10)}"
    tags["encoder"] = "LAME3.100"
    return tags


def _chapters(n_tracks: int, rng) -> list[str]:
    """Track titles as a release lists them: chapters that run over several tracks say so."""
    out, chapter, k = [], 1, 0
    for _ in range(n_tracks):
        out.append(f"Chapter {chapter}" if k == 0 else f"Chapter {chapter} (continued)")
        k += 1
        if rng.random() < 0.45:
            chapter, k = chapter + 1, 0
    return out


def _musicbrainz(ctx: Context, it: Item, noise: dict, scheme: str) -> Layout:
    """A release filed by Picard's default naming script or by Lidarr's default formats."""
    rng, rel = ctx.rng, it.release
    discs = disc_count(ctx, rel.seconds)
    album = rel.title + noise.get("album_style", "")  # MusicBrainz style keeps edition words out of titles
    artist = noise["artist"] or rel.authors[0]
    year = (rel.date or "")[:4]  # Lidarr's {Release Year}: the release's date, as the date tag holds it
    folder = f"{_safe(artist)}/{_safe(album)}" + (f" ({year})" if year and scheme == "lidarr" else "")
    folder = ctx.unique(folder, False)
    n = _tracks_per_disc(ctx, rel.seconds, discs, True)
    tags = _mb_tags(ctx, rel, album, artist, discs, "radio_dramatisation" in rel.noise)
    titles = iter(_chapters(n * discs, rng))
    files = []
    for disc, t in ((disc, t) for disc in range(1, discs + 1) for t in range(1, n + 1)):
        title = next(titles)
        track_tags = dict(tags, title=title, track=f"{t}/{n}", disc=f"{disc}/{discs}")
        if scheme == "picard":
            track_tags["MusicBrainz Release Track Id"] = seeded_uuid(f"mbt:{folder}:{disc}:{t}")
            name = f"{f'{disc}-' if discs > 1 else ''}{t:02d} {_safe(title)}.mp3"
        else:
            name = f"{_safe(artist)} - {_safe(album)} - {t:02d} - {_safe(title)}.mp3"
            name = f"CD {disc:02d}/{name}" if discs > 1 else name
        files.append((name, track_tags))
    return Layout(folder, False, files, _traits(scheme, "musicbrainz", discs, None, len(files)))


def picard(ctx: Context, it: Item, noise: dict) -> Layout:
    return _musicbrainz(ctx, it, noise, "picard")


def lidarr(ctx: Context, it: Item, noise: dict) -> Layout:
    return _musicbrainz(ctx, it, noise, "lidarr")


# --- a set kept as its box labels it ------------------------------------------------------------------------


def box_set(ctx: Context, it: Item, noise: dict) -> Layout:
    rng, rel = ctx.rng, it.release
    discs = max(2, disc_count(ctx, rel.seconds))
    author, title = _safe(rel.authors[0]), _safe(rel.title)
    style = rng.choice(["disc_nn", "cd_nn", "disc_of", "cd_title"])
    folded = style in ("disc_nn", "cd_nn")
    d = None if folded else one_disc(ctx, it, discs)
    album = rel.title + noise.get("album_style", noise["marker"])
    artist = noise["artist"] or rel.authors[0]
    genre = rng.choice(_FREEDB_GENRES)
    n = _tracks_per_disc(ctx, rel.seconds, discs if folded else 1, folded)
    files = []
    if folded:
        parent = f"{author}/{title}" if style == "disc_nn" else f"{author} - {title}"
        folder = ctx.unique(parent, False)
        for disc in range(1, discs + 1):
            sub = f"Disc {disc:02d}" if style == "disc_nn" else f"CD{disc:02d}"
            for t in range(1, n + 1):
                tags = {"title": f"Track {t:02d}", "artist": artist, "album": f"{album} (Disc {disc} of {discs})",
                        "track": f"{t}/{n}", "genre": genre}  # fmt: skip
                files.append((f"{sub}/{t:02d} Track {t:02d}.mp3", tags))
    else:
        assert d is not None
        sub = f"Disc {d} of {discs}" if style == "disc_of" else f"CD {d} - {title}"
        folder = ctx.unique(f"{author}/{title}/{sub}" if style == "disc_of" else f"{title}/{sub}", False)
        for t in range(1, n + 1):
            tags = {"title": f"Track {t:02d}", "artist": artist, "album": f"{album} (Disc {d} of {discs})",
                    "track": f"{t}/{n}", "disc": f"{d}/{discs}", "genre": genre}  # fmt: skip
            files.append((f"{t:02d} Track {t:02d}.mp3", tags))
    return Layout(
        folder, False, files, _traits("box_set", "hand_ripped", discs, d, len(files), folder_style=style)
    )


# scheme -> (layout, share of the library's releases)
_LAYOUTS: dict[str, tuple[Callable[[Context, Item, dict], Layout], float]] = {
    "eac_per_disc": (eac_per_disc, 0.13), "wmp": (wmp, 0.13), "itunes_media": (itunes_media, 0.18),
    "picard": (picard, 0.20), "lidarr": (lidarr, 0.16), "box_set": (box_set, 0.20),
}  # fmt: skip
SCHEMES = {name: share for name, (_, share) in _LAYOUTS.items()}


def layout(ctx: Context, it: Item) -> Layout:
    noise = set_noise(ctx, it)
    return _LAYOUTS[pick(ctx.rng, SCHEMES)][0](ctx, it, noise)


def generate(n_items: int, seed: int = 0, **kw):
    return generate_family(NAME, layout, n_items, seed, MIX, **kw)
