"""Libraries imported and renamed by Readarr (Readarr/Readarr).

Conventions (Readarr source: src/NzbDrone.Core/Organizer/NamingConfig.cs, FileNameBuilder.cs,
src/NzbDrone.Core/MediaFiles/AudioTagService.cs):
- defaults: author folder `{Author Name}`, book format
  `{Book Title}/{Author Name} - {Book Title}{ (PartNumber)}` — so `Author/Title/Author - Title (1).mp3`
  for a multi-file book (the part token exists only when a book has more than one file, formatted with
  the token's own format such as `{PartNumber:00}`), `Author/Title/Author - Title.m4b` otherwise;
- colon replacement "Smart" (the default): "Title: Subtitle" becomes "Title - Subtitle" in names;
- other formats users build from the documented tokens: `{Book Title} ({Release Year})` (the
  edition's year, i.e. the audio release), `{Book Series}/{Book SeriesPosition} - {Book Title}`,
  `{Book SeriesTitle} - {Book Title}` ("Series #N - Title"), and ` - Part {PartNumber:00}` parts;
- tags: with "write audio tags" on, Readarr writes title = the edition title, artist and album artist
  = the author, album = the book title, track n/N, date = the edition's release date and the
  publisher — no narrator, no series. Off (the default), files keep whatever tags the downloaded
  release had: part-numbered titles with the narrator as composer, a "Last, First" artist, the
  narrator as the artist, or nothing.
"""

from __future__ import annotations

from emulators.corpus.draws import last_first, pick
from emulators.families._base import Context, Item, Layout, Mix, generate_family

NAME = "readarr"
MIX = Mix(distractor=0.11, same_title_trap=0.04, audio_only=0.05)

BOOK_FORMATS = {
    "default": 0.4,  # {Book Title}/{Author Name} - {Book Title}{ (PartNumber)}
    "title_year": 0.2,  # {Book Title} ({Release Year})/{Author Name} - {Book Title}{ (PartNumber:00)}
    "series_position": 0.2,  # {Book Series}/{Book SeriesPosition} - {Book Title}/... (books in a series)
    "series_title": 0.1,  # {Book SeriesTitle} - {Book Title}/...
    "part_suffix": 0.1,  # {Book Title}/{Author Name} - {Book Title} - Part {PartNumber:00}
}


def _smart(text: str) -> str:
    """Readarr's default ColonReplacementFormat.Smart, plus the characters it always replaces."""
    text = text.replace(": ", " - ").replace(":", "-")
    for ch, rep in (
        ("/", "+"),
        ("\\", "+"),
        ("?", "!"),
        ("*", "-"),
        ('"', "'"),
        ("<", ""),
        (">", ""),
        ("|", ""),
    ):
        text = text.replace(ch, rep)
    return text.strip()


def layout(ctx: Context, it: Item) -> Layout:
    rng = ctx.rng
    rel = it.release
    author = _smart(rel.authors[0])
    title = _smart(f"{rel.title}: {rel.subtitle}" if rel.subtitle and rng.random() < 0.5 else rel.title)
    fmt = pick(ctx.rng, BOOK_FORMATS)
    if fmt == "series_position" and not (rel.series and rel.position):
        fmt = "default"
    if fmt == "series_title" and not (rel.series and rel.position):
        fmt = "default"
    year = rel.year or (rel.date or "")[:4]
    if fmt == "default" or fmt == "part_suffix":
        book_dir = title
    elif fmt == "title_year":
        book_dir = f"{title} ({year})" if year else title
    elif fmt == "series_position":
        book_dir = f"{_smart(rel.series)}/{rel.position} - {title}"
    else:
        book_dir = f"{_smart(rel.series)} #{rel.position} - {title}"
    folder = ctx.unique(f"{author}/{book_dir}", False)

    n = 1 if rng.random() < 0.45 else rng.randint(2, 24)
    ext = (
        rng.choice([".mp3", ".mp3", ".m4b", ".m4a", ".flac"])
        if n == 1
        else rng.choice([".mp3", ".mp3", ".m4a"])
    )
    if n == 1 and ext == ".flac":
        ext = ".m4b"
    base = f"{author} - {title}"
    names = []
    for k in range(1, n + 1):
        if n == 1:
            names.append(base + ext)
        elif fmt == "part_suffix":
            names.append(f"{base} - Part {k:02d}{ext}")
        elif fmt == "default":
            names.append(f"{base} ({k}){ext}")
        else:
            names.append(f"{base} ({k:02d}){ext}")

    written = rng.random() < 0.45
    files = []
    for k, name in enumerate(names, start=1):
        if written:
            tags = {
                "title": rel.title,
                "artist": rel.authors[0],
                "album_artist": rel.authors[0],
                "album": rel.title,
            }
            if n > 1:
                tags["track"] = f"{k}/{n}"
            if rel.date:
                tags["date"] = rel.date
            if rel.publisher:
                tags["publisher"] = rel.publisher
        else:
            style = rng.randrange(4) if k == 1 else files[0][1].get("_style", 0)
            tags = {"_style": style}
            if style == 0:  # a release tagged per part
                tags.update(
                    title=f"{rel.title} - Part {k:02d}", artist=rel.authors[0], album=rel.title, track=str(k)
                )
                if rel.narrators:
                    tags["composer"] = ", ".join(rel.narrators)
            elif style == 1:  # sort-name artist, genre from the ripper
                tags.update(title=f"Track {k:02d}", artist=last_first(rel.authors[0]), genre="Speech")
            elif style == 2 and rel.narrators:  # narrator credited as the artist by the rip
                tags.update(artist=rel.narrators[0], album=rel.title, track=f"{k}/{n}")
            tags["encoder"] = "LAME3.100" if ext == ".mp3" else "Lavf58.45.100"
        files.append((name, tags))
    style = files[0][1].get("_style")
    files = [(name, {k: v for k, v in tags.items() if k != "_style"}) for name, tags in files]
    source = (
        "readarr_written"
        if written
        else ["release_parts", "release_sortname", "release_narrator", "none"][style]
    )
    traits = {"scheme": f"readarr_{fmt}", "tags": source, "parts": n, "part_files": n > 1}
    return Layout(folder, False, files, traits)


def generate(n_items: int, seed: int = 0, **kw):
    return generate_family(NAME, layout, n_items, seed, MIX, **kw)
