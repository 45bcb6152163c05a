"""Libraries retagged by audiobook tools: tidy paths, but tag roles as each tool writes them — and
items whose metadata ABS's Quick Match already replaced from a provider.

Conventions:
- m4b-merge (djdembeck/m4b-merge, src/m4b_merge/m4b_helper.py): output `Author/Title/Title - Subtitle.m4b`
  (first author, title without subtitle for the folder; pathvalidate-sanitised names), and m4b-tool
  arguments `--name="Title - Subtitle"`, `--album=Title`, `--artist=<narrators>`,
  `--albumartist=<authors>`, `--year=<release year of the audio>`, `--series=<series>` (no part):
  the *narrator* is the artist, so ABS, which reads authors from the artist tag first, shows the
  narrator as the author and no narrator at all;
- beets-audible (Neurrone/beets-audible, readme "Tags Written" and recommended config): paths
  `$albumartist/%ifdef{series_name}/%ifdef{series_position} - $album/$track - $title`; ARTIST =
  "Author, Narrator" with the recommended `include_narrator_in_artists: true`, ALBUMARTIST = author,
  COMPOSER = narrator, grouping (TIT1 / ©grp) = "Series, Book #", SERIES / SERIES-PART and MVNM/MVIN,
  TDRC = the audio publication date (a full date), desc.txt and reader.txt beside the files;
- Mp3tag with seanap's Audible web source (seanap/Audible.com-Search-by-Album, the
  Plex-Audiobook-Guide layout): `%albumartist%\\%series%\\%year% - %album%\\%album% (%year%) - pt%track%`,
  ALBUM = title, ARTIST = ALBUMARTIST = author, COMPOSER = narrator, CONTENTGROUP = "Series, Book #",
  custom SERIES / SERIES-PART;
- hand retagging seen in user libraries: the author only in album artist, the author in
  "Last, First" form, the narrator in artist and the author in composer (roles swapped both ways),
  the series only in the album ("Mistborn 1 - The Final Empire") or only in grouping;
- ABS Quick Match: metadata replaced by a provider's record — Audible's
  title and subtitle ("Series, Book N"), the audio release date as publishedYear, the audio ASIN —
  and sometimes the wrong record (a same-titled book or a series neighbour).
"""

from __future__ import annotations

from emulators.corpus.draws import last_first, pick
from emulators.families._base import Context, Item, Layout, Mix, Release, generate_family

NAME = "tagger"
MIX = Mix(distractor=0.10, same_title_trap=0.04, audio_only=0.05)

TOOLS = {"m4b_merge": 0.25, "beets_audible": 0.25, "mp3tag_seanap": 0.2, "hand": 0.3}
HAND_STYLES = ("albumartist_only", "last_first", "swapped", "series_in_album", "series_in_grouping")


def _sanitize(name: str) -> str:
    """pathvalidate.sanitize_filename drops the characters no file system allows."""
    return "".join(c for c in name if c not in '\\/:*?"<>|').strip()


def _release_tags(rel: Release, narrators: str, date: str | None) -> dict[str, str]:
    """The tags the beets and mp3tag templates both fill from a release (each names its own date)."""
    tags = {"composer": narrators, "subtitle": rel.subtitle, "date": date, "publisher": rel.publisher}
    if rel.series:
        tags["grouping"] = f"{rel.series}, Book {rel.position}" if rel.position else rel.series
        tags["SERIES"] = rel.series
        tags["SERIES-PART"] = rel.position
    tags["ASIN"] = rel.asin
    return {k: v for k, v in tags.items() if v}


def _matched(ctx: Context, it: Item, rel: Release) -> tuple[dict, str]:
    """What ABS shows after Quick Match took a provider's record (usually this book's audio edition)."""
    rng = ctx.rng
    src = rel
    how = "quick_match"
    book = it.facts.book
    if book is None:  # the provider has no invented book: a trap can only match the real one
        other = it.borrowed
        return _matched_record(ctx.release(other, other.default_audio_edition)), "quick_match_wrong_book"
    if rng.random() < 0.12:
        same = [
            b for b in ctx.by_title.get(rel.title.lower(), []) if book is None or b.book_id != book.book_id
        ]
        if same:
            other = rng.choice(same)
            src = ctx.release(other, other.default_audio_edition)
            how = "quick_match_wrong_book"
    return _matched_record(src), how


def _matched_record(src: Release) -> dict:
    title = src.title
    subtitle = src.subtitle
    return {
        "title": title,
        "subtitle": subtitle,
        "authors": list(src.authors),
        "narrators": list(src.narrators),
        "series": [(src.series, src.position)] if src.series else [],
        "genres": list(src.genres),
        "publishedYear": (src.date or "")[:4] or src.year,
        "publisher": src.publisher,
        "description": f"<p>{title} — {', '.join(src.authors)}.</p>",
        "isbn": None,
        "asin": src.asin,
        "language": src.language,
        "abridged": src.abridged,
    }


def layout(ctx: Context, it: Item) -> Layout:
    rng = ctx.rng
    rel = it.release
    tool = pick(ctx.rng, TOOLS)
    author = rel.authors[0]
    authors = ", ".join(rel.authors)
    narrators = ", ".join(rel.narrators)
    year = (rel.date or "")[:4] or rel.year or ""
    text_files: dict[str, str] = {}
    roles = "author_artist"
    n = 1
    ext = ".m4b"
    if tool == "m4b_merge":
        full = f"{rel.title} - {rel.subtitle}" if rel.subtitle else rel.title
        folder = f"{_sanitize(author)}/{_sanitize(rel.title)}"
        names = [f"{_sanitize(full)}.m4b"]
        tags = {"title": full, "album": rel.title, "album_artist": authors, "encoder": "m4b-tool"}
        if narrators:
            tags["artist"] = narrators
            roles = "narrator_artist"
        else:
            roles = "albumartist_only"
        if year:
            tags["date"] = year
        if rel.series:
            tags["series"] = rel.series
        tags["description"] = f"{rel.title}, read by {narrators or 'the author'}."
    elif tool == "beets_audible":
        n = 1 if rng.random() < 0.6 else rng.randint(2, 30)
        ext = ".m4b" if n == 1 else rng.choice([".mp3", ".m4b"])
        if rel.series and rel.position:
            folder = f"{_sanitize(author)}/{_sanitize(rel.series)}/{rel.position} - {_sanitize(rel.title)}"
        elif rel.series:
            folder = f"{_sanitize(author)}/{_sanitize(rel.series)}/{_sanitize(rel.title)}"
        else:
            folder = f"{_sanitize(author)}/{_sanitize(rel.title)}"
        names = [
            f"{k:02d} - {_sanitize(rel.title) if n == 1 else f'Chapter {k}'}{ext}" for k in range(1, n + 1)
        ]
        artist = f"{authors}, {narrators}" if narrators and rng.random() < 0.8 else authors
        roles = "author_and_narrator_artist" if artist != authors else "author_artist"
        tags = {"album": rel.title, "artist": artist, "album_artist": authors, "genre": "/".join(rel.genres)}
        tags |= _release_tags(rel, narrators, rel.date)
        if narrators:
            text_files["reader.txt"] = narrators + "\n"
        tags["comment"] = f"{rel.title}: publisher's summary."
        text_files["desc.txt"] = f"{rel.title}: publisher's summary.\n"
    elif tool == "mp3tag_seanap":
        n = 1 if rng.random() < 0.3 else rng.randint(2, 20)
        ext = ".mp3"
        series_dir = f"{_sanitize(rel.series)}/" if rel.series else ""
        folder = f"{_sanitize(author)}/{series_dir}{year + ' - ' if year else ''}{_sanitize(rel.title)}"
        names = [
            f"{_sanitize(rel.title)}{f' ({year})' if year else ''} - pt{k:02d}{ext}" for k in range(1, n + 1)
        ]
        tags = {"album": rel.title, "artist": author, "album_artist": author, "genre": "Audiobook"}
        tags |= _release_tags(rel, narrators, rel.year)
    else:
        style = rng.choice(HAND_STYLES)
        n = 1 if rng.random() < 0.5 else rng.randint(2, 12)
        ext = ".m4b" if n == 1 else ".mp3"
        folder = f"{_sanitize(author)}/{_sanitize(rel.title)}"
        names = (
            [f"{_sanitize(rel.title)}{ext}"]
            if n == 1
            else [f"{k:02d} {_sanitize(rel.title)}{ext}" for k in range(1, n + 1)]
        )
        tags = {"title": rel.title, "album": rel.title}
        if rel.date and rng.random() < 0.6:
            tags["date"] = rel.date
        if style == "albumartist_only":
            tags["album_artist"] = authors
            if narrators:
                tags["composer"] = narrators
            roles = "albumartist_only"
        elif style == "last_first":
            tags["artist"] = " & ".join(last_first(a) for a in rel.authors)
            if rel.narrators:
                tags["composer"] = " & ".join(last_first(x) for x in rel.narrators)
            roles = "last_first"
        elif style == "swapped":
            if narrators:
                tags["artist"] = narrators
                tags["composer"] = authors
                roles = "swapped"
            else:
                tags["artist"] = authors
        elif style == "series_in_album":
            tags["artist"] = authors
            if rel.series and rel.position:
                tags["album"] = f"{rel.series} {rel.position} - {rel.title}"
            if narrators:
                tags["composer"] = narrators
        else:
            tags["artist"] = authors
            if rel.series:
                tags["grouping"] = f"{rel.series} #{rel.position}" if rel.position else rel.series
        tool = f"hand_{style}"
    folder = ctx.unique(folder, False)
    files = []
    for k, name in enumerate(names, start=1):
        t = dict(tags)
        if n > 1:
            t["track"] = f"{k}/{n}"
            t["title"] = f"Chapter {k}"
        files.append((name, t))
    matched, how = None, None
    if rng.random() < 0.3 and it.kind != "distractor":
        matched, how = _matched(ctx, it, rel)
    traits = {"scheme": f"tagger_{tool}", "tags": tool, "tool": tool, "roles": roles, "parts": n, "matched": how,
              "reader_txt": "reader.txt" in text_files}  # fmt: skip
    return Layout(folder, False, files, traits, text_files=text_files, matched=matched)


def generate(n_items: int, seed: int = 0, **kw):
    return generate_family(NAME, layout, n_items, seed, MIX, **kw)
