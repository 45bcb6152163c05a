"""A library of audiobooks bought DRM-free outside Audible — from Libro.fm, or fetched from other
stores' web players with audiobook-dl — and filed by the tools people use for them: Libro.fm
downloaders and sync services, backup scripts, and Audiobookshelf's own web uploader.

Development data: this was the fifth frozen family, reported once at 5557684 (auto precision 0.9987,
auto recall 0.903, top-1 0.952) and spent — its figure has been seen, so it no longer stands for an
unseen library.

Conventions, each from the tool's public source or documentation:
- Libro.fm's catalogue record (its app API, as documented by astromechza/librofm-to-audiobookshelf
  docs/01-libro-fm-protocol.md and modelled by burntcookie90/librofm-downloader's Book): the book is
  keyed by the *audiobook's* ISBN-13 (no ASIN), with title and subtitle apart, a list of authors, a
  list of narrators, `series` and a nullable `series_num`, the audio release's `publication_date`,
  genres, publisher and an ISO 639-1 `audio_language`. A packaged M4B downloads under the name its
  presigned URL's content-disposition gives, `Title - Author.m4b`, with a minimal set of atoms (title,
  artist); MP3 downloads are ZIPs of flat, positionally numbered chapter files (the two clients report
  the names differently: `Track - N.mp3`, and `001_<title>.mp3`), chapter titles coming separately
  from the download manifest, sometimes null. The clients call the embedded tags minimal without
  listing them: the MP3s' are modelled as title `<Title> - Track NN`, artist and album;
- librofm-downloader (burntcookie90/librofm-downloader; models/.../PathTokens.kt createPath,
  libro/Utils.kt, App.kt, converter/ffmpeg/FfmpegClient.kt): the book folder is `PATH_PATTERN`
  (default `FIRST_AUTHOR/BOOK_TITLE`) with tokens replaced per `/`-segment and segments left empty
  dropped — with no series, `FIRST_AUTHOR/SERIES_NAME/SERIES_NUM - BOOK_TITLE` gives
  `Author/ - Title`, and `[PUBLICATION_YEAR-PUBLICATION_MONTH-PUBLICATION_DAY] BOOK_TITLE` gives
  `[2024-3-19] Title` (unpadded); values are not sanitised. Formats: the packaged M4B (default), the
  MP3 ZIPs unpacked, and — when no M4B is packaged — MP3s converted with ffmpeg to `<title>.m4b` plus
  `cover.jpg`, tagged from an ffmetadata file: title, artist = authors joined ", ", album =
  `Title (Series Book N)` (`Book X` when the number is missing), genre = genres joined ", ", date = the
  year, publisher, comment = the description — no narrator. RENAME_CHAPTERS renames the MP3s to
  `<n> - <title> - <chapter>` (n padded to the track count's width; `<>:/\\|?*` removed — with the
  backslash it first puts before a `"`) and WRITE_TITLE_TAG sets each title tag to `<n> - <chapter>`;
  nothing is renamed when a chapter title is missing;
- libro.fm-backup-creator (V-Karch/libro.fm-backup-creator; library.py, filename_sanitizer.py): the
  library export CSV's `Author(s)` and `Title` as `Author(s)/Title`, NFKC-normalised, with `: / \\ ? *
  " < > |` swapped for look-alike characters (`꞉ ／ ＼ ？ ∗ ＂ ‹ › ￨`) and trailing spaces and dots
  dropped; unpacked MP3s renamed to what follows their first " - ";
- librofm-to-audiobookshelf (astromechza/librofm-to-audiobookshelf; internal/reconcile/reconcile.go
  syncOne and payload.go, internal/format/format.go SafeFileName, id3.go buildTags): each book is
  uploaded through ABS's POST /api/upload with title, first author and series passed through
  SafeFileName — which turns an empty series into "untitled", so a book in no series is filed under
  `Author/untitled/Title` and ABS reads "untitled" as its series; MP3s are retagged (title = the
  chapter title or `<Title> - Part n`, artist = authors joined ", ", album = the title, year, the first
  genre, track n/N, composer = narrators, comment = the description); then PATCH
  /api/items/:id/media sets title, subtitle, the audiobook ISBN, authors, narrators, language ("en"),
  published year, publisher, description, genres and — only for a series book — the series;
- ABS 2.36's upload (advplyr/audiobookshelf; server/controllers/MiscController.js handleUpload,
  server/utils/fileUtils.js sanitizeFilename, client/mixins/uploadHelpers.js cleanBook): the
  directory is `[author, series, title]`, blanks dropped, each part sanitised — the first ':' becomes
  " - ", `/ ? < > \\ : * | "` and control characters are removed, trailing dots and spaces cut and
  runs of whitespace collapsed; the web uploader pre-fills the title from a dropped folder's name
  (the folder above it as the author, two above as the series) or, for loose audio files, makes one
  book per file titled with its file name — so a Libro.fm `Title - Author.m4b` dropped alone becomes
  the item `Title - Author/Title - Author.m4b` with no author; people type an author or a series in
  the form now and then;
- audiobook-dl (jo1gi/audiobook-dl; audiobookdl/output/output.py and download.py, output/metadata/
  id3.py, sources/audiobooksdotcom.py, chirp.py, nextory.py, saxo.py): `--output` defaults to
  `{title}` (also `{author}/{title}`, authors joined "; "), "/" in the title turned to "-"; a single
  file is saved as `<output>.mp3` (so in the library root, a single-file item), several as
  `<output>/Part <i>.mp3` counted from 0 and padded to the width of the count, `cover.jpg` beside
  them, `--combine` joining them into `<output>.mp3`. Each file gets the same EasyID3 tags from the
  source's record: TIT2 = title, TALB = the *series*, TRCK = the series position, TPE1 = authors,
  TCOM = narrators, TPUB, COMM = description, TLAN (ISO 639-2), a full release date and a TXXX "ISBN";
  ffmpeg reports the first value of a multi-valued ID3v2.4 frame (libavformat/id3v2.c decode_str
  stops at the first NUL). What each store gives: audiobooks.com only a title; Chirp the page title
  (modelled as the book's title) with "Written by"/"Narrated by" credits; Nextory authors, narrators,
  description, series and position, language, publisher, ISBN and date; Saxo authors, narrators and
  series. ABS takes the title from the album first, so a series book from Nextory or Saxo is titled
  with its series' name.

Store-catalogue noise, on top of the common noise (emulators.families._base): the audiobook ISBN-13
no print catalogue lists (`audio_isbn`), a series position the store leaves out
(`series_unnumbered`), dates that are the audio release's, and items whose only text is a title.

Not modelled: Downpour, Google Play Books, Kobo and Apple Books (their downloads are DRM-protected or
their export names are not documented), Bandcamp and Humble Bundle audiobooks, the Plex/seanap layout
(emulators.families.tagger models it) and librofm-downloader sorting file names as text before
renaming them (which can give chapters the wrong names past track 9).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from emulators.abs_scanner import meta_tags_from_probe, scan_book_metadata
from emulators.catalogue import load_catalogue
from emulators.corpus.draws import pick
from emulators.families._base import Context, Item, Layout, Mix, Release, generate_family, numbered

NAME = "stores"
MIX = Mix(distractor=0.10, same_title_trap=0.03, audio_only=0.05)

_LANGUAGES = {"English": ("en", "eng"), "Spanish": ("es", "spa"), "French": ("fr", "fra"),
              "German": ("de", "deu"), "Italian": ("it", "ita"), "Portuguese": ("pt", "por"),
              "Dutch": ("nl", "nld"), "Swedish": ("sv", "swe")}  # fmt: skip
_BLURBS = ["A gripping story from an acclaimed voice.", "Now available in audio for the first time.",
           "The beloved novel, read in full.", "An unforgettable listen for fans everywhere.",
           "A masterful performance of a modern classic."]  # fmt: skip
_ISBN_STEMS = ("978059", "978198", "979821", "978166", "978179")


@dataclass
class Listing:
    """A book as a store's catalogue record holds it (the audio release, its own ISBN)."""

    title: str
    subtitle: str | None
    authors: list[str]
    narrators: list[str]
    series: str | None
    number: str | None
    date: str | None  # YYYY-MM-DD of the audio release, None when the store shows none
    publisher: str | None
    genres: list[str]
    language: tuple[str, str] | None  # (ISO 639-1, ISO 639-2)
    isbn: str
    description: str

    @property
    def year(self) -> str | None:
        return self.date[:4] if self.date else None


@lru_cache(maxsize=1)
def _print_isbns() -> frozenset[str]:
    cat = load_catalogue()
    return frozenset(e.isbn_13 for b in cat.books for e in (b.physical_edition,) if e and e.isbn_13)


def audio_isbn(ctx: Context) -> str:
    """An ISBN-13 with a valid check digit that no catalogue edition has (stores list the audiobook's)."""
    rng = ctx.rng
    while True:
        stem = rng.choice(_ISBN_STEMS)
        body = stem + "".join(str(rng.randrange(10)) for _ in range(12 - len(stem)))
        check = (10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(body)) % 10) % 10
        code = body + str(check)
        if code not in _print_isbns():
            return code


def listing(ctx: Context, rel: Release, noise: list[str]) -> Listing:
    rng = ctx.rng
    number = rel.position
    if rel.series and number and rng.random() < 0.15:
        number = None
        noise.append("series_unnumbered")
    date = None
    if rel.year:
        same = rel.date and rel.date[:4] == rel.year
        date = rel.date if same else f"{rel.year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return Listing(
        title=rel.title,
        subtitle=rel.subtitle,
        authors=list(rel.authors),
        narrators=list(rel.narrators),
        series=rel.series,
        number=number,
        date=date,
        publisher=rel.publisher,
        genres=list(rel.genres),
        language=_LANGUAGES.get(rel.language or ""),
        isbn=audio_isbn(ctx),
        description=rng.choice(_BLURBS),
    )


# --- the tools' name rules ---------------------------------------------------------------------------------


def abs_sanitize(name: str) -> str:
    """ABS's sanitizeFilename (server/utils/fileUtils.js), without the 255-byte cut."""
    s = unicodedata.normalize("NFC", name).replace(":", " - ", 1)
    s = re.sub(r'[/?<>\\:*|"]', "", s)
    s = re.sub(r"[\x00-\x1f\x80-\x9f]", "", s)
    s = re.sub(r"^\.+$", "", s)
    s = re.sub(r"[\n\r]", "", s)
    s = re.sub(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", "", s, flags=re.IGNORECASE)
    s = re.sub(r"[. ]+$", "", s)
    return re.sub(r"\s+", " ", s)


def kotlin_safe(name: str) -> str:
    """librofm-downloader's sanitizeForFilename for renamed chapter files."""
    s = name.replace('"', '\\"')
    s = re.sub(r"[<>:/\\|?*]", "", s)
    s = re.sub(r"[\x00-\x1f]", "", s)
    s = re.sub(r"[.]$", "", s)
    return s.strip()[:255]


def go_safe(name: str | None) -> str:
    """librofm-to-audiobookshelf's SafeFileName: an empty value becomes "untitled"."""
    s = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "", name or "").rstrip(". ").strip()
    return s[:180].strip() if s else "untitled"


_LOOKALIKES = str.maketrans({":": "꞉", "/": "／", "\\": "＼", "?": "？", "*": "∗", '"': "＂", "<": "‹",
                             ">": "›", "|": "￨"})  # fmt: skip


def lookalike_safe(name: str) -> str:
    """libro.fm-backup-creator's unicode_filename_safe."""
    return unicodedata.normalize("NFKC", name).translate(_LOOKALIKES).rstrip(" .")


# librofm-downloader's path tokens, in the order createPath replaces them
_TOKENS = ("FIRST_AUTHOR", "ALL_AUTHORS", "SERIES_NAME", "BOOK_TITLE", "ISBN", "FIRST_NARRATOR", "ALL_NARRATORS",
           "PUBLICATION_YEAR", "PUBLICATION_MONTH", "PUBLICATION_DAY", "SERIES_NUM")  # fmt: skip
PATTERNS = {
    "FIRST_AUTHOR/BOOK_TITLE": 0.55,
    "ALL_AUTHORS/BOOK_TITLE": 0.10,
    "FIRST_AUTHOR/SERIES_NAME/SERIES_NUM - BOOK_TITLE": 0.20,
    "FIRST_AUTHOR/[PUBLICATION_YEAR-PUBLICATION_MONTH-PUBLICATION_DAY] BOOK_TITLE": 0.15,
}


def librofm_path(pattern: str, ls: Listing) -> str:
    """createPath: each segment's tokens replaced, empty segments dropped, nothing sanitised."""
    y, m, d = (ls.date or "--").split("-")
    values = {"FIRST_AUTHOR": ls.authors[0], "ALL_AUTHORS": ", ".join(ls.authors), "SERIES_NAME": ls.series or "",
              "BOOK_TITLE": ls.title, "ISBN": ls.isbn, "FIRST_NARRATOR": (ls.narrators or [""])[0],
              "ALL_NARRATORS": ", ".join(ls.narrators), "PUBLICATION_YEAR": y,
              "PUBLICATION_MONTH": str(int(m)) if m else "", "PUBLICATION_DAY": str(int(d)) if d else "",
              "SERIES_NUM": ls.number or ""}  # fmt: skip
    out = []
    for segment in pattern.split("/"):
        for token in _TOKENS:
            segment = segment.replace(token, values[token])
        if segment:
            out.append(segment)
    return "/".join(p for p in "/".join(out).split("/") if p)  # a "/" in a value nests a folder


def _pattern(ctx: Context, ls: Listing) -> str:
    pattern = pick(ctx.rng, PATTERNS)
    return "FIRST_AUTHOR/BOOK_TITLE" if "PUBLICATION" in pattern and not ls.date else pattern


def _parts(ctx: Context, seconds: float) -> int:
    return max(2, min(30, round(seconds / ctx.rng.uniform(1500, 3600))))


def chapter_titles(ctx: Context, n: int) -> list[str] | None:
    """The download manifest's chapter titles, or None when the store has none."""
    r = ctx.rng.random()
    if r < 0.2:
        return None
    if r < 0.6:
        return [f"Chapter {k}" for k in range(1, n + 1)]
    middle = [f"Chapter {k}" for k in range(1, n - 1)] if n > 2 else []
    return ["Opening Credits", *middle, "End Credits"][:n] if n > 1 else ["Chapter 1"]


# --- Libro.fm downloads ---------------------------------------------------------------------------------------


def packaged_m4b(ls: Listing) -> tuple[str, dict[str, str]]:
    name = f"{ls.title} - {ls.authors[0]}.m4b".replace("/", "")
    return name, {"title": ls.title, "artist": ", ".join(ls.authors)}


def libro_mp3s(ctx: Context, ls: Listing, n: int, raw: str) -> list[tuple[str, dict[str, str]]]:
    """The unpacked ZIP: positional names, Libro.fm's minimal tags (title, artist, album)."""
    files = []
    for k, pad in numbered(n):
        name = f"Track - {k}.mp3" if raw == "track_dash" else f"{k:03d}_{ls.title.replace('/', '')}.mp3"
        tags = {"title": f"{ls.title} - Track {pad}", "artist": ", ".join(ls.authors), "album": ls.title}
        files.append((name, tags))
    return files


def _traits(scheme: str, tags: str, store: str, files: int, **more) -> dict:
    return {"scheme": scheme, "tags": tags, "store": store, "files": files, **more}


def librofm_m4b(ctx: Context, it: Item, ls: Listing) -> Layout:
    pattern = _pattern(ctx, ls)
    folder = ctx.unique(librofm_path(pattern, ls), False)
    name, tags = packaged_m4b(ls)
    return Layout(folder, False, [(name, tags)], _traits("librofm_m4b", "librofm_packaged", "librofm", 1,
                                                         pattern=pattern))  # fmt: skip


def librofm_mp3(ctx: Context, it: Item, ls: Listing) -> Layout:
    rng = ctx.rng
    pattern = _pattern(ctx, ls)
    folder = ctx.unique(librofm_path(pattern, ls), False)
    n = _parts(ctx, it.release.seconds)
    raw = rng.choice(["track_dash", "numbered_title"])
    files = libro_mp3s(ctx, ls, n, raw)
    chapters = chapter_titles(ctx, n)
    renamed = chapters is not None and rng.random() < 0.6
    title_tag = renamed and rng.random() < 0.5
    if renamed and chapters is not None:
        out = []
        for (_k, pad), (_, tags), chapter in zip(numbered(n), files, chapters, strict=True):
            if title_tag:
                tags = {**tags, "title": f"{pad} - {chapter}"}
            out.append((kotlin_safe(f"{pad} - {ls.title} - {chapter}") + ".mp3", tags))
        files = out
    traits = _traits("librofm_mp3", "librofm_title_tag" if title_tag else "librofm_mp3", "librofm", n,
                     pattern=pattern, raw_names=raw, renamed=renamed)  # fmt: skip
    return Layout(folder, False, files, traits)


def converted_tags(ls: Listing) -> dict[str, str]:
    """FfmpegClient.generateMetadataFile's tags for a book converted from MP3s."""
    album = ls.title + (f" ({ls.series} Book {ls.number or 'X'})" if ls.series else "")
    tags = {"title": ls.title, "artist": ", ".join(ls.authors), "album": album, "genre": ", ".join(ls.genres),
            "date": ls.year or "", "publisher": ls.publisher or "", "comment": ls.description,
            "encoder": "Lavf61.7.100"}  # fmt: skip
    return {k: v for k, v in tags.items() if v}


def librofm_converted(ctx: Context, it: Item, ls: Listing) -> Layout:
    pattern = _pattern(ctx, ls)
    folder = ctx.unique(librofm_path(pattern, ls), False)
    files = [(f"{ls.title}.m4b".replace("/", ""), converted_tags(ls))]
    traits = _traits("librofm_converted", "librofm_ffmetadata", "librofm", 1, pattern=pattern)
    return Layout(folder, False, files, traits, text_files={"cover.jpg": ""})


def libro_backup(ctx: Context, it: Item, ls: Listing) -> Layout:
    folder = ctx.unique(f"{lookalike_safe(', '.join(ls.authors))}/{lookalike_safe(ls.title)}", False)
    n = _parts(ctx, it.release.seconds)
    raw = ctx.rng.choice(["track_dash", "numbered_title"])
    files = [(name.split(" - ", 1)[1] if " - " in name else name, tags)
             for name, tags in libro_mp3s(ctx, ls, n, raw)]  # fmt: skip
    return Layout(folder, False, files, _traits("libro_backup", "librofm_mp3", "librofm", n, raw_names=raw))


def _synced_tags(ls: Listing, k: int, n: int, chapter: str | None) -> dict[str, str]:
    tags = {"title": chapter or f"{ls.title} - Part {k}", "artist": ", ".join(ls.authors), "album": ls.title,
            "date": ls.year or "", "genre": (ls.genres or [""])[0], "track": f"{k}/{n}",
            "composer": ", ".join(ls.narrators), "comment": ls.description}  # fmt: skip
    return {key: v for key, v in tags.items() if v}


def patched(scan: dict, ls: Listing) -> dict:
    """The scan's metadata after librofm-to-audiobookshelf's PATCH (series only for a series book)."""
    md = dict(scan)
    md.update(title=ls.title, subtitle=ls.subtitle or None, isbn=ls.isbn, authors=list(ls.authors),
              publisher=ls.publisher or md["publisher"], description=ls.description)  # fmt: skip
    if ls.narrators:
        md["narrators"] = list(ls.narrators)
    if ls.language:
        md["language"] = ls.language[0]
    if ls.year:
        md["publishedYear"] = ls.year
    if ls.genres:
        md["genres"] = list(ls.genres)
    if ls.series:
        md["series"] = [(ls.series, ls.number or None)]
    return md


def librofm_abs_sync(ctx: Context, it: Item, ls: Listing) -> Layout:
    rng = ctx.rng
    parts = [go_safe(ls.authors[0]), go_safe(ls.series), go_safe(ls.title)]
    folder = ctx.unique("/".join(abs_sanitize(p) for p in parts if p), False)
    if rng.random() < 0.6:
        name, tags = packaged_m4b(ls)
        files = [(abs_sanitize(name), tags)]
        fmt = "m4b"
    else:
        n = _parts(ctx, it.release.seconds)
        chapters = chapter_titles(ctx, n) or [None] * n
        raw = libro_mp3s(ctx, ls, n, rng.choice(["track_dash", "numbered_title"]))
        files = [(abs_sanitize(name), _synced_tags(ls, k, n, ch))
                 for (name, _), (k, _pad), ch in zip(raw, numbered(n), chapters, strict=True)]  # fmt: skip
        fmt = "mp3"
    matched = None
    if rng.random() < 0.9:  # the PATCH can fail, leaving the scan's metadata
        scan = scan_book_metadata(folder, False, meta_tags_from_probe(files[0][1]))
        matched = patched(scan, ls)
    traits = _traits("librofm_abs_sync", f"librofm_sync_{fmt}", "librofm", len(files), patched=matched is not None,
                     untitled_series=not ls.series)  # fmt: skip
    return Layout(folder, False, files, traits, matched=matched)


# --- audiobook-dl ----------------------------------------------------------------------------------------------

ABDL_STORES = {"audiobooks.com": 0.3, "chirp": 0.3, "nextory": 0.2, "saxo": 0.2}


def abdl_tags(store: str, ls: Listing) -> dict[str, str]:
    """EasyID3 tags from what each store's record holds, as ffprobe reports them."""
    tags = {"title": ls.title}
    if store == "audiobooks.com":
        return tags
    tags["artist"] = ls.authors[0]
    if ls.narrators:
        tags["composer"] = ls.narrators[0]
    if store in ("nextory", "saxo") and ls.series:
        tags["album"] = ls.series
    if store == "nextory":
        more = {"track": ls.number if ls.number and ls.number.isdigit() else "",  # an int position "comment": ls.description, "publisher": ls.publisher or "",
                "language": ls.language[1] if ls.language else "", "ISBN": ls.isbn, "date": ls.date or ""}  # fmt: skip
        tags.update({k: v for k, v in more.items() if v})
    return tags


def abdl_files(ctx: Context, it: Item, ls: Listing, store: str, combine: bool) -> tuple[list[str], dict]:
    """The file names under the output path (empty: one file at `<output>.mp3`) and their tags."""
    tags = abdl_tags(store, ls)
    if store == "audiobooks.com" or combine:
        return [], tags
    n = _parts(ctx, it.release.seconds)
    return [f"Part {i:0{len(str(n))}d}.mp3" for i in range(n)], tags  # zfill(int(log10(n)) + 1)


def audiobook_dl(ctx: Context, it: Item, ls: Listing) -> Layout:
    rng = ctx.rng
    store = pick(rng, ABDL_STORES)
    combine = rng.random() < 0.3
    names, tags = abdl_files(ctx, it, ls, store, combine)
    title = ls.title.replace("/", "-")
    if not names:  # one file at `{title}.mp3`: a single-file item in the library root
        rel = ctx.unique(f"{title}.mp3", True)
        traits = _traits("audiobook_dl", f"abdl_{store}", store, 1, template="{title}", combined=combine)
        return Layout(rel, True, [(rel, tags)], traits)
    template = "{title}" if rng.random() < 0.7 else "{author}/{title}"
    folder = ctx.unique(title if template == "{title}" else f"{'; '.join(ls.authors)}/{title}", False)
    traits = _traits("audiobook_dl", f"abdl_{store}", store, len(names), template=template, combined=False)
    return Layout(folder, False, [(name, dict(tags)) for name in names], traits, text_files={"cover.jpg": ""})


# --- ABS's web uploader ----------------------------------------------------------------------------------------


def abs_upload(ctx: Context, it: Item, ls: Listing) -> Layout:
    """A store download dropped on ABS's upload page: loose files become one book each, named by the file;
    a dropped folder names the book; an author or series typed in the form now and then."""
    rng = ctx.rng
    author = series = None
    if rng.random() < 0.5:
        source = "librofm_m4b" if rng.random() < 0.6 else "audiobook_dl"
        if source == "librofm_m4b":
            name, tags = packaged_m4b(ls)
        else:
            name, tags = f"{ls.title.replace('/', '-')}.mp3", abdl_tags(pick(rng, ABDL_STORES), ls)
        title, files, drop = name.rsplit(".", 1)[0], [(abs_sanitize(name), tags)], "loose_file"
    else:
        drop = "folder"
        title = ls.title.replace("/", "-")
        if rng.random() < 0.5:
            source = "librofm_mp3"
            n = _parts(ctx, it.release.seconds)
            raw = libro_mp3s(ctx, ls, n, rng.choice(["track_dash", "numbered_title"]))
            files = [(abs_sanitize(nm), tags) for nm, tags in raw]
            if rng.random() < 0.4:  # the librofm-downloader tree dropped at its author folder
                author = ls.authors[0]
        else:
            source = "audiobook_dl"
            names, tags = abdl_files(ctx, it, ls, pick(rng, ABDL_STORES), False)
            files = [(nm, dict(tags)) for nm in names] or [(f"{title}.mp3", tags)]
    if author is None and rng.random() < 0.35:
        author = ", ".join(ls.authors)
        if ls.series and rng.random() < 0.3:
            series = ls.series
    folder = ctx.unique("/".join(abs_sanitize(p) for p in (author, series, title) if p), False)
    traits = _traits("abs_upload", f"upload_{source}", "librofm" if "librofm" in source else "audiobook_dl",
                     len(files), drop=drop, typed_author=author is not None, typed_series=series is not None)  # fmt: skip
    return Layout(folder, False, files, traits)


# scheme -> (layout, share of the library's releases)
_LAYOUTS: dict[str, tuple[Callable[[Context, Item, Listing], Layout], float]] = {
    "librofm_m4b": (librofm_m4b, 0.20), "librofm_mp3": (librofm_mp3, 0.14),
    "librofm_converted": (librofm_converted, 0.10), "libro_backup": (libro_backup, 0.10),
    "librofm_abs_sync": (librofm_abs_sync, 0.14), "audiobook_dl": (audiobook_dl, 0.18),
    "abs_upload": (abs_upload, 0.14),
}  # fmt: skip
SCHEMES = {name: share for name, (_, share) in _LAYOUTS.items()}


def layout(ctx: Context, it: Item) -> Layout:
    ls = listing(ctx, it.release, it.release.noise)
    lay = _LAYOUTS[pick(ctx.rng, SCHEMES)][0](ctx, it, ls)
    if (lay.matched or {}).get("isbn") or "ISBN" in lay.files[0][1]:
        it.release.noise.append("audio_isbn")  # the store's audiobook ISBN reaches the item
    return lay


def generate(n_items: int, seed: int = 0, **kw):
    return generate_family(NAME, layout, n_items, seed, MIX, **kw)


__all__ = [
    "NAME",
    "PATTERNS",
    "SCHEMES",
    "abs_sanitize",
    "generate",
    "go_safe",
    "kotlin_safe",
    "lookalike_safe",
]
