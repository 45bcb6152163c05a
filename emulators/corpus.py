"""Generated ABS libraries with known answers, built from the emulated catalogue (goodbooks-10k).

`generate_library(n_items, seed, profile)` returns expanded ABS 2.36 items — the exact shape and key
set of `data/abs-2.36.0/get_item_expanded_*.json` — plus `truth[item_id]`: which catalogue book and
audio edition each item really is (or that it is a distractor the catalogue does not have).

What varies, per profile ("clean", "default", "hostile"):
- folder naming: the scheme ABS parses cleanly (`Author/Series/N - YYYY - Title {Narrator} [ASIN]`),
  `Author/Title`, `Author - Title`, `Title (Series #3)`, `Series 03 - Title`, single root files,
  CD1/CD2 multi-file books, and garbage (`incoming/track01.mp3`);
- tags: full / partial (incl. the "Hunger Games, The" / "Collins, Suzanne" forms) / none;
- current ABS metadata: good, partial, wrong (a series neighbour's title, another author) or empty —
  "empty" being what ABS's own scanner made of folder + tags (reference/abs-api.md §6.3);
- identifiers: the audio edition's ASIN, a print ISBN, a regional ASIN the catalogue lacks, none;
- durations from the true audio edition's `audio_seconds` (abridged/dramatised items use theirs);
- distractors: invented books, and same-title-different-author traps (truth `book_id None`).

Everything comes from one seeded `random.Random`, so a seed gives the same library every time.
With `audio_root`, real short audio files (silent, or spoken credits when asked and
`emulators.speech` is available) are written for every item, tagged with mutagen like the
metaTags say; items then point at `folder`, which a path map sends to `audio_root`.
"""

from __future__ import annotations

import copy
import gc
import json
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from emulators.abs_scanner import scan_book_metadata
from emulators.catalogue import Book, Edition, load_catalogue, make_asin

DATA_DIR = Path(__file__).resolve().parent / "data" / "abs-2.36.0"

__all__ = [
    "PROFILES",
    "Facts",
    "GeneratedLibrary",
    "Profile",
    "Truth",
    "generate_library",
    "malformed_items",
    "scanner_metadata",
]


@dataclass(frozen=True, slots=True)
class Truth:
    """What an item really is. `book_id`/`edition_id` are emulated Hardcover ids; None = not in the catalogue."""

    goodbooks_id: int | None
    book_id: int | None
    edition_id: int | None
    kind: str  # matchable | no_audio_edition | distractor | same_title_trap


@dataclass
class GeneratedLibrary:
    library: dict
    items: list[dict]
    truth: dict[str, Truth]
    folder: str = "/audiobooks"
    audio_root: Path | None = None
    # Per item: which naming scheme, tag level, metadata quality and ids it got (for tests and reports).
    traits: dict[str, dict] = field(default_factory=dict)
    # Per item: the facts (title, authors, narrators, series...) its folder, tags and audio were made from.
    facts: dict[str, Facts] = field(default_factory=dict)

    @property
    def path_map(self) -> dict[str, str]:
        """The SHELFMATCH_PATH_MAP that makes the written audio files readable (empty without audio_root)."""
        return {self.folder: str(self.audio_root)} if self.audio_root else {}


@dataclass(frozen=True)
class Profile:
    distractor: float
    same_title_trap: float
    alt_edition: float  # share of matchable items that are the abridged/dramatised edition, when one exists
    schemes: dict[str, float]
    tags: dict[str, float]
    metadata: dict[str, float]
    ids: dict[str, float]
    author_last_first: float


PROFILES: dict[str, Profile] = {
    "clean": Profile(
        distractor=0.03,
        same_title_trap=0.0,
        alt_edition=0.05,
        schemes={
            "abs_clean": 0.45,
            "author_title": 0.25,
            "author_series_title": 0.15,
            "author_dash_title": 0.05,
            "title_paren_series": 0.03,
            "series_num_title": 0.03,
            "root_file": 0.02,
            "cd_multi": 0.02,
            "garbage": 0.0,
        },
        tags={"full": 0.75, "partial": 0.2, "none": 0.05},
        metadata={"good": 0.8, "partial": 0.1, "wrong": 0.0, "empty": 0.1},
        ids={"asin": 0.55, "isbn": 0.15, "regional": 0.02, "none": 0.28},
        author_last_first=0.05,
    ),
    "default": Profile(
        distractor=0.08,
        same_title_trap=0.02,
        alt_edition=0.15,
        schemes={
            "abs_clean": 0.2,
            "author_title": 0.25,
            "author_series_title": 0.1,
            "author_dash_title": 0.12,
            "title_paren_series": 0.08,
            "series_num_title": 0.07,
            "root_file": 0.06,
            "cd_multi": 0.07,
            "garbage": 0.05,
        },
        tags={"full": 0.45, "partial": 0.3, "none": 0.25},
        metadata={"good": 0.35, "partial": 0.15, "wrong": 0.1, "empty": 0.4},
        ids={"asin": 0.3, "isbn": 0.15, "regional": 0.05, "none": 0.5},
        author_last_first=0.15,
    ),
    "hostile": Profile(
        distractor=0.15,
        same_title_trap=0.08,
        alt_edition=0.3,
        schemes={
            "abs_clean": 0.03,
            "author_title": 0.12,
            "author_series_title": 0.05,
            "author_dash_title": 0.15,
            "title_paren_series": 0.12,
            "series_num_title": 0.12,
            "root_file": 0.12,
            "cd_multi": 0.1,
            "garbage": 0.19,
        },
        tags={"full": 0.15, "partial": 0.35, "none": 0.5},
        metadata={"good": 0.05, "partial": 0.15, "wrong": 0.3, "empty": 0.5},
        ids={"asin": 0.1, "isbn": 0.1, "regional": 0.1, "none": 0.7},
        author_last_first=0.3,
    ),
}

_ENCODER = "Lavf59.27.100"
_BASE_MS = 1_795_480_000_000
_FORMAT_INFO = {  # ext -> (ffprobe format, codec, mimeType, bitRate, timeBase, language)
    ".m4b": ("QuickTime / MOV", "aac", "audio/mp4", 64_000, "1/22050", "und"),
    ".m4a": ("QuickTime / MOV", "aac", "audio/mp4", 64_000, "1/22050", "und"),
    ".mp3": ("MP2/3 (MPEG audio layer 2/3)", "mp3", "audio/mpeg", 64_000, "1/14112000", None),
    ".flac": ("raw FLAC", "flac", "audio/flac", 320_000, "1/22050", None),
    ".ogg": ("Ogg", "vorbis", "audio/ogg", 48_000, "1/22050", None),
    ".opus": ("Ogg", "opus", "audio/ogg", 32_000, "1/48000", None),
}
_SINGLE_EXTS = (".m4b", ".m4b", ".m4b", ".m4a", ".mp3", ".flac", ".ogg", ".opus")
_MULTI_EXTS = (".mp3", ".mp3", ".mp3", ".m4a", ".ogg", ".flac")

# Invented people and titles for distractors: none of these words start a goodbooks title on purpose,
# and the name pools differ from the catalogue's narrator pools.
_D_FIRST = [
    "Orla",
    "Tobias",
    "Ysolde",
    "Caspian",
    "Mireille",
    "Leopold",
    "Anouk",
    "Thaddeus",
    "Brielle",
    "Osric",
    "Vesna",
    "Ambrose",
    "Liesel",
    "Corwin",
]
_D_LAST = [
    "Quillfeather",
    "Brackwater",
    "Thornbury",
    "Ashgrove",
    "Velloway",
    "Marchbank",
    "Dunmore",
    "Halloran",
    "Pembrose",
    "Whitlock",
]
_D_ADJ = [
    "Hollow",
    "Crimson",
    "Quiet",
    "Forgotten",
    "Silver",
    "Drowned",
    "Northern",
    "Glass",
    "Ember",
    "Salt",
    "Iron",
    "Paper",
    "Winter",
    "Lantern",
]
_D_NOUN = [
    "Orchard",
    "Cartographer",
    "Tide",
    "Reliquary",
    "Almanac",
    "Foundry",
    "Meridian",
    "Ferryman",
    "Aviary",
    "Lighthouse",
    "Archive",
]
_GARBAGE = ("incoming", "New Folder", "audiobook", "Downloads", "tmp_rip", "unsorted", "AUDIO", "torrent")


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    r = rng.random() * sum(weights.values())
    for key, w in weights.items():
        r -= w
        if r < 0:
            return key
    return next(reversed(weights))


def _fmt_pos(position: float | None) -> str | None:
    if position is None:
        return None
    return str(int(position)) if float(position).is_integer() else f"{position:g}"


def _safe(name: str) -> str:
    """Folder-safe text: '/' cannot be in a path component; ':' is commonly replaced on NAS shares."""
    return name.replace("/", "-").replace(":", " -").replace("  ", " ").strip()


def _last_first(name: str) -> str:
    parts = name.rsplit(" ", 1)
    return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else name


def _title_ignore_prefix(title: str | None) -> str | None:
    if not title:
        return title
    low = title.lower()
    for prefix in ("the", "a"):  # ABS's default sortingPrefixes
        if low.startswith(prefix + " "):
            return f"{title[len(prefix) + 1 :]}, {title[: len(prefix)]}"
    return title


def _title_comma_article(title: str) -> str:
    """'The Hunger Games' -> 'Hunger Games, The' (how some rippers write titles)."""
    ip = _title_ignore_prefix(title)
    return ip if ip != title else title


@dataclass
class Facts:
    """What an item really is, in the words its folder, tags and audio use (truth for distractors too)."""

    title: str
    subtitle: str | None
    authors: list[str]
    narrators: list[str]
    series: str | None
    position: str | None
    year: str | None
    publisher: str | None
    genres: list[str]
    language: str | None
    seconds: float
    asin: str | None  # the audio edition's ASIN
    isbn: str | None  # a print ISBN-13 of the same book
    edition_kind: str | None
    book: Book | None
    title_note: str | None = None  # '(Abridged)' in the folder name of an abridged copy


class _Builder:
    def __init__(self, seed: int, profile: Profile, library_id: str, folder_id: str, folder: str):
        self.rng = random.Random(seed)
        self.profile = profile
        self.library_id = library_id
        self.folder_id = folder_id
        self.folder = folder.rstrip("/") or "/"
        self.ino = 1_000_000 + self.rng.randrange(1_000_000)
        self.author_ids: dict[str, str] = {}
        self.series_ids: dict[str, str] = {}
        self.rel_paths: set[str] = set()
        self.cat = load_catalogue()
        self.series_members: dict[str, list[Book]] = {}
        for b in self.cat.books:
            if b.series_name:
                self.series_members.setdefault(b.series_name, []).append(b)

    # --- ids -------------------------------------------------------------------------------------
    def uuid(self) -> str:
        # A version-4 UUID from the seeded RNG, formatted by hand (uuid.UUID is a hot spot at 50k items).
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def next_ino(self) -> str:
        self.ino += 1 + self.rng.randrange(3)
        return str(self.ino)

    def entity_id(self, table: dict[str, str], name: str) -> str:
        key = name.lower()  # ABS matches authors/series case-insensitively
        if key not in table:
            table[key] = self.uuid()
        return table[key]

    # --- facts -------------------------------------------------------------------------------------
    def facts(self, book: Book, edition: Edition | None) -> Facts:
        rng = self.rng
        authors = (
            list(book.authors[:2]) if len(book.authors) > 1 and rng.random() < 0.3 else list(book.authors[:1])
        )
        physical = book.physical_edition
        if edition is not None:
            seconds = edition.audio_seconds * (1 + rng.uniform(-0.01, 0.01))
            narrators = list(edition.narrators)
            publisher = edition.publisher
        else:
            pages = physical.pages if physical and physical.pages else 300
            seconds = pages * 95 * rng.uniform(0.9, 1.1)
            narrators = [f"{rng.choice(_D_FIRST)} {rng.choice(_D_LAST)}"]
            publisher = "Independent Audio"
        return Facts(
            title=book.title,
            subtitle=book.subtitle,
            authors=authors,
            narrators=narrators,
            series=book.series_name,
            position=_fmt_pos(book.position),
            year=str(book.release_year) if book.release_year and book.release_year > 0 else None,
            publisher=publisher,
            genres=list(book.genres),
            language=book.language,
            seconds=seconds,
            asin=edition.asin if edition else None,
            isbn=physical.isbn_13 if physical else None,
            edition_kind=edition.kind if edition else None,
            book=book,
        )

    def invented_facts(self, same_title_as: Book | None) -> Facts:
        rng = self.rng
        title = same_title_as.title if same_title_as else f"The {rng.choice(_D_ADJ)} {rng.choice(_D_NOUN)}"
        if not same_title_as and rng.random() < 0.4:
            title = f"{rng.choice(_D_NOUN)}s of the {rng.choice(_D_ADJ)} {rng.choice(_D_NOUN)}"
        series = position = None
        if rng.random() < 0.3:
            series, position = f"The {rng.choice(_D_NOUN)} Cycle", str(rng.randint(1, 6))
        return Facts(
            title=title,
            subtitle=None,
            authors=[f"{rng.choice(_D_FIRST)} {rng.choice(_D_LAST)}"],
            narrators=[f"{rng.choice(_D_FIRST)} {rng.choice(_D_LAST)}"],
            series=series,
            position=position,
            year=str(rng.randint(1950, 2024)),
            publisher="Self-published",
            genres=["Fiction"],
            language="English",
            seconds=rng.uniform(3, 20) * 3600,
            asin=make_asin("distractor", rng.random()),
            isbn=None,
            edition_kind="unabridged",
            book=None,
        )

    # --- folder and files --------------------------------------------------------------------------
    def layout(self, f: Facts, scheme: str, id_kind: str, copy_no: int) -> tuple[str, bool, list[str]]:
        """(relPath, isFile, audio file relPaths inside the item)."""
        rng = self.rng
        author = " & ".join(f.authors) if f.authors else "Unknown"
        if rng.random() < self.profile.author_last_first:
            author = " & ".join(_last_first(a) for a in f.authors) or "Unknown"
        author, title = _safe(author), _safe(f.title)
        if f.title_note:
            title = f"{title} ({f.title_note})"
        asin_tag = f" [{f.asin}]" if id_kind == "asin" and f.asin else ""
        if id_kind == "regional" and f.asin:
            asin_tag = f" [{make_asin('regional', f.title, f.asin)}]"
        series = _safe(f.series) if f.series else None
        is_file = False
        if scheme == "abs_clean":
            narr = f" {{{', '.join(f.narrators)}}}" if f.narrators and rng.random() < 0.7 else ""
            year = f"{f.year} - " if f.year else ""
            if series and f.position:
                rel = f"{author}/{series}/{f.position} - {year}{title}{narr}{asin_tag}"
            else:
                rel = f"{author}/{year}{title}{narr}{asin_tag}"
        elif scheme == "author_series_title" and series and f.position:
            rel = f"{author}/{series}/{rng.choice(['', 'Book ', 'Vol. '])}{f.position} - {title}"
        elif scheme == "author_dash_title":
            rel = f"{author} - {title}{asin_tag}"
        elif scheme == "title_paren_series":
            tail = (
                f" ({series} #{f.position})" if series and f.position else (f" ({f.year})" if f.year else "")
            )
            rel = f"{author}/{title}{tail}" if rng.random() < 0.5 else f"{title}{tail}"
        elif scheme == "series_num_title" and series and f.position:
            pos = f.position.zfill(2) if "." not in f.position else f.position
            rel = f"{author}/{series} {pos} - {title}"
        elif scheme == "root_file":
            is_file = True
            name = rng.choice([title, f"{title} - {author}", f"{author} - {title}", f"{title} (Unabridged)"])
            rel = name + rng.choice(_SINGLE_EXTS)
        elif scheme == "garbage":
            rel = f"{rng.choice(_GARBAGE)}/{rng.choice(['', 'rip_', 'book'])}{rng.randrange(100_000):05d}"
        elif scheme == "cd_multi":
            rel = f"{author}/{title}"
        else:  # author_title, and schemes that need a series when the book has none
            rel = f"{author}/{title}"
        if copy_no:  # a second copy of a book (large libraries): another folder for another format
            rel = (
                (rel.rsplit(".", 1)[0] + f" (copy {copy_no})." + rel.rsplit(".", 1)[1])
                if is_file
                else f"{rel} [{rng.choice(['mp3', 'm4b', 'MP3 version', 'alt'])} {copy_no}]"
            )
        while rel in self.rel_paths:
            rel = (
                f"{rel.rsplit('.', 1)[0]} ({rng.randrange(10_000)}).{rel.rsplit('.', 1)[1]}"
                if is_file
                else f"{rel} ({rng.randrange(10_000)})"
            )
        self.rel_paths.add(rel)

        if is_file:
            return rel, True, [rel.rsplit("/", 1)[-1]]
        if scheme == "garbage":
            n = 1 if rng.random() < 0.6 else rng.randint(2, 4)
            ext = rng.choice(_MULTI_EXTS)
            return rel, False, [f"track{k:02d}{ext}" for k in range(1, n + 1)]
        if scheme == "cd_multi":
            discs, per = rng.randint(2, 3), rng.randint(1, 3)
            ext = rng.choice((".mp3", ".mp3", ".m4a"))
            return rel, False, [f"CD{d}/{k:02d}{ext}" for d in range(1, discs + 1) for k in range(1, per + 1)]
        if rng.random() < 0.7:
            ext = rng.choice(_SINGLE_EXTS)
            name = rng.choice(
                [
                    title,
                    title,
                    title,
                    "".join(w[0] for w in title.split() if w).lower() or "book",
                    f"{title} - {author}",
                ]
            )
            return rel, False, [f"{name}{ext}"]
        n, ext = rng.randint(2, 6), rng.choice(_MULTI_EXTS)
        style = rng.randrange(4)
        names = [
            f"{k:02d} - Chapter {k}"
            if style == 0
            else f"{title} - {k:02d}"
            if style == 1
            else f"part{k:02d}"
            if style == 2
            else f"{k:02d} - {title}"
            for k in range(1, n + 1)
        ]
        return rel, False, [f"{name}{ext}" for name in names]

    def meta_tags(self, f: Facts, level: str, file_no: int, n_files: int, disc: int | None) -> dict:
        rng = self.rng
        tags: dict[str, str] = {}
        if level == "full":
            tags["tagAlbum"] = f.title
            tags["tagArtist"] = " & ".join(f.authors)
            if rng.random() < 0.5:
                tags["tagAlbumArtist"] = tags["tagArtist"]
            if f.narrators:
                tags["tagComposer"] = ", ".join(f.narrators)
            tags["tagGenre"] = "/".join(f.genres)
            tags["tagTitle"] = f.title if n_files == 1 else f"Chapter {file_no}"
            if f.year:
                tags["tagDate"] = (
                    f.year if rng.random() < 0.7 else f"{f.year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
                )
            if f.publisher:
                tags["tagPublisher"] = f.publisher
            if f.series and f.position:
                if rng.random() < 0.5:
                    tags["tagSeries"], tags["tagSeriesPart"] = f.series, f.position
                else:
                    tags["tagGrouping"] = f"{f.series} #{f.position}"
            if f.asin and rng.random() < 0.4:
                tags["tagASIN"] = f.asin
        elif level == "partial":
            style = rng.randrange(3)
            if style == 0:  # the Hunger Games fixture: title + LF artist
                tags["tagTitle"] = _title_comma_article(f.title)
                tags["tagArtist"] = ", ".join(_last_first(a) for a in f.authors[:1])
            elif style == 1:
                tags["tagAlbum"] = f.title
                tags["tagArtist"] = " & ".join(f.authors)
            else:
                tags["tagTitle"] = f.title if n_files == 1 else f"Part {file_no}"
        if n_files > 1:
            tags["tagTrack"] = f"{file_no}/{n_files}" if level != "none" else None
            if disc:
                tags["tagDisc"] = str(disc)
        tags["tagEncoder"] = _ENCODER
        return {k: v for k, v in tags.items() if v}  # ABS keeps only non-empty tags


def scanner_metadata(rel_path: str, is_file: bool, meta_tags: dict) -> dict:
    """What ABS 2.36's scanner shows for a new item: folder reading, then non-empty tag values on top
    (reference/abs-api.md §6.3), from the port of ABS's own scanner in emulators.abs_scanner."""
    return scan_book_metadata(rel_path, is_file, meta_tags)


def _metadata_dict(b: _Builder, md: dict, description: str | None) -> dict:
    authors = [{"id": b.entity_id(b.author_ids, a), "name": a} for a in md["authors"]]
    series = [{"id": b.entity_id(b.series_ids, s), "name": s, "sequence": q} for s, q in md["series"]]
    narrators = list(md["narrators"])
    return {
        "title": md["title"],
        "subtitle": md["subtitle"],
        "authors": authors,
        "narrators": narrators,
        "series": series,
        "genres": list(md["genres"]),
        "publishedYear": md["publishedYear"],
        "publishedDate": None,
        "publisher": md["publisher"],
        "description": description,
        "isbn": md["isbn"],
        "asin": md["asin"],
        "language": md["language"],
        "explicit": False,
        "abridged": bool(md.get("abridged")),
        "titleIgnorePrefix": _title_ignore_prefix(md["title"]),
        "authorName": ", ".join(a["name"] for a in authors),
        "authorNameLF": ", ".join(_last_first(a["name"]) for a in authors),
        "narratorName": ", ".join(narrators),
        "seriesName": ", ".join(
            f"{s['name']} #{s['sequence']}" if s["sequence"] else s["name"] for s in series
        ),
        "descriptionPlain": description,
    }


_GOOD_BASE = {
    "title": None,
    "subtitle": None,
    "authors": [],
    "narrators": [],
    "series": [],
    "genres": [],
    "publishedYear": None,
    "publisher": None,
    "isbn": None,
    "asin": None,
    "language": None,
}


def _choose_metadata(b: _Builder, f: Facts, quality: str, scanned: dict, id_kind: str) -> dict:
    rng = b.rng
    if quality == "empty":
        return scanned
    md = dict(scanned)
    if quality in ("good", "partial"):
        md["title"], md["authors"] = f.title, list(f.authors)
    if quality == "good":
        md.update(
            subtitle=f.subtitle,
            narrators=list(f.narrators),
            genres=list(f.genres),
            publishedYear=f.year,
            publisher=f.publisher,
            language=f.language,
            series=[(f.series, f.position)] if f.series else [],
            asin=f.asin
            if id_kind == "asin"
            else (make_asin("regional", f.title, f.asin) if id_kind == "regional" and f.asin else None),
            isbn=f.isbn if id_kind == "isbn" else None,
            abridged=f.edition_kind == "abridged",
        )
    elif quality == "wrong":
        neighbours = (
            [x for x in b.series_members.get(f.series or "", []) if x.title != f.title] if f.book else []
        )
        if neighbours and rng.random() < 0.7:  # the classic: the folder of book 3 labelled as book 2
            other = rng.choice(neighbours)
            md["title"], md["authors"] = other.title, list(other.authors[:1])
            md["series"] = [(other.series_name, _fmt_pos(other.position))]
        else:
            other = b.cat.books[rng.randrange(len(b.cat.books))]
            md["title"] = f.title
            md["authors"] = (
                list(other.authors[:1])
                if other.authors and other.authors[:1] != f.authors[:1]
                else [f"{rng.choice(_D_FIRST)} {rng.choice(_D_LAST)}"]
            )
    return md


def _audio_file(
    b: _Builder,
    path: str,
    rel: str,
    index: int,
    seconds: float,
    tags: dict,
    ts: int,
    disc: int | None,
    track: int | None,
) -> dict:
    name = rel.rsplit("/", 1)[-1]
    ext = "." + name.rsplit(".", 1)[-1].lower()
    fmt, codec, mime, bitrate, time_base, lang = _FORMAT_INFO.get(ext, _FORMAT_INFO[".mp3"])
    size = int(seconds * bitrate / 8) + 4096
    return {
        "index": index,
        "ino": b.next_ino(),
        "metadata": {
            "filename": name,
            "ext": ext,
            "path": path,
            "relPath": rel,
            "size": size,
            "mtimeMs": ts,
            "ctimeMs": ts,
            "birthtimeMs": ts - 500,
        },
        "addedAt": ts + 9000,
        "updatedAt": ts + 9000,
        "trackNumFromMeta": int(tags["tagTrack"].split("/")[0]) if "tagTrack" in tags else None,
        "discNumFromMeta": int(tags["tagDisc"].split("/")[0]) if "tagDisc" in tags else None,
        "trackNumFromFilename": track,
        "discNumFromFilename": disc,
        "manuallyVerified": False,
        "exclude": False,
        "error": None,
        "format": fmt,
        "duration": round(seconds, 6),
        "bitRate": bitrate,
        "language": lang,
        "codec": codec,
        "timeBase": time_base,
        "channels": 1,
        "channelLayout": "mono",
        "chapters": [],
        "embeddedCoverArt": None,
        "metaTags": tags,
        "mimeType": mime,
    }


def _build_item(
    b: _Builder, f: Facts, scheme: str, tag_level: str, quality: str, id_kind: str, copy_no: int
) -> dict:
    rng = b.rng
    rel, is_file, file_rels = b.layout(f, scheme, id_kind, copy_no)
    item_id = b.uuid()
    item_path = f"{b.folder}/{rel}" if b.folder != "/" else f"/{rel}"
    ts = _BASE_MS + rng.randrange(2_000_000_000)
    n = len(file_rels)
    weights = [rng.uniform(0.8, 1.2) for _ in range(n)]
    total_w = sum(weights)
    audio_files = []
    for i, frel in enumerate(file_rels):
        disc = int(frel[2]) if frel.startswith("CD") else None
        track = i + 1 if n > 1 or frel.startswith(("track", "part")) else None
        tags = b.meta_tags(f, tag_level, i + 1, n, disc)
        path = item_path if is_file else f"{item_path}/{frel}"
        audio_files.append(
            _audio_file(b, path, frel, i + 1, f.seconds * weights[i] / total_w, tags, ts, disc, track)
        )
    first_tags = audio_files[0]["metaTags"]
    # A matched ('good') item's metadata replaces everything the scanner read, so skip the scan then.
    scanned = _GOOD_BASE if quality == "good" else scanner_metadata(rel, is_file, first_tags)
    md = _choose_metadata(b, f, quality, scanned, id_kind)
    description = (
        f"{f.title} by {f.authors[0]}." if quality == "good" and f.authors else md.get("description")
    )
    metadata = _metadata_dict(b, md, description)

    library_files = [
        {
            "ino": af["ino"],
            "metadata": dict(af["metadata"]),
            "isSupplementary": None,
            "addedAt": ts + 8000,
            "updatedAt": ts + 8000,
            "fileType": "audio",
        }
        for af in audio_files
    ]
    cover_path = None
    if not is_file and rng.random() < 0.2:
        cover = {
            "filename": "cover.jpg",
            "ext": ".jpg",
            "path": f"{item_path}/cover.jpg",
            "relPath": "cover.jpg",
            "size": 24_576,
            "mtimeMs": ts,
            "ctimeMs": ts,
            "birthtimeMs": ts - 500,
        }
        library_files.append(
            {
                "ino": b.next_ino(),
                "metadata": cover,
                "isSupplementary": None,
                "addedAt": ts + 8000,
                "updatedAt": ts + 8000,
                "fileType": "image",
            }
        )
        cover_path = cover["path"]

    chapters, tracks, offset = [], [], 0.0
    for i, af in enumerate(audio_files):
        track = dict(af)
        track.update(
            title=af["metadata"]["filename"],
            startOffset=round(offset, 6),
            contentUrl=f"/api/items/{item_id}/file/{af['ino']}",
        )
        tracks.append(track)
        if n > 1:
            title = af["metaTags"].get("tagTitle") or af["metadata"]["filename"].rsplit(".", 1)[0]
            chapters.append(
                {"id": i, "start": round(offset, 6), "end": round(offset + af["duration"], 6), "title": title}
            )
        offset += af["duration"]
    duration = round(offset, 6)
    size_audio = sum(af["metadata"]["size"] for af in audio_files)
    size_all = sum(lf["metadata"]["size"] for lf in library_files)
    updated = ts + 10_000 + (rng.randrange(86_400_000) if quality in ("good", "partial", "wrong") else 0)
    return {
        "id": item_id,
        "ino": audio_files[0]["ino"] if is_file else b.next_ino(),
        "oldLibraryItemId": None,
        "libraryId": b.library_id,
        "folderId": b.folder_id,
        "path": item_path,
        "relPath": rel,
        "isFile": is_file,
        "mtimeMs": ts,
        "ctimeMs": ts,
        "birthtimeMs": ts - 700,
        "addedAt": ts + 9500,
        "updatedAt": updated,
        "isMissing": False,
        "isInvalid": False,
        "mediaType": "book",
        "media": {
            "id": b.uuid(),
            "metadata": metadata,
            "coverPath": cover_path,
            "tags": [],
            "numTracks": n,
            "numAudioFiles": n,
            "numChapters": len(chapters),
            "duration": duration,
            "size": size_audio,
            "libraryItemId": item_id,
            "audioFiles": audio_files,
            "chapters": chapters,
            "ebookFile": None,
            "tracks": tracks,
        },
        "numFiles": len(library_files),
        "size": size_all,
        "lastScan": ts + 9600,
        "scanVersion": "2.36.0",
        "libraryFiles": library_files,
    }


def _library_dict(library_id: str, folder_id: str, folder: str, name: str) -> dict:
    lib = json.loads((DATA_DIR / "get_library.json").read_text())["response"]
    lib = copy.deepcopy(lib)
    lib["id"], lib["name"] = library_id, name
    lib["folders"] = [{"id": folder_id, "fullPath": folder, "libraryId": library_id, "addedAt": _BASE_MS}]
    lib["settings"]["disableWatcher"] = True
    return lib


def generate_library(
    n_items: int,
    seed: int = 0,
    profile: str = "default",
    audio_root: Path | str | None = None,
    library_id: str | None = None,
    folder: str = "/audiobooks",
    name: str = "Audiobooks",
    audio: str = "silent",
    audio_seconds: float = 1.0,
) -> GeneratedLibrary:
    """A library of `n_items` expanded ABS items with known truth (see the module docstring).

    `audio_root`: also write every item's audio files there (real, short; `audio="silent"` or
    `"speech"` for spoken opening credits via emulators.speech when it is available).
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown corpus profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if n_items < 0:
        raise ValueError("n_items must be >= 0")
    prof = PROFILES[profile]
    rng0 = random.Random(f"ids:{seed}")
    library_id = library_id or str(uuid.UUID(int=rng0.getrandbits(128), version=4))
    # One library, one folder id: calls that add items to the same library agree on it.
    folder_id = str(uuid.UUID(int=random.Random(f"folder:{library_id}").getrandbits(128), version=4))
    b = _Builder(seed, prof, library_id, folder_id, folder)
    books = b.cat.books
    order = list(range(len(books)))
    b.rng.shuffle(order)

    items: list[dict] = []
    truth: dict[str, Truth] = {}
    traits: dict[str, dict] = {}
    facts: dict[str, Facts] = {}
    # Millions of small acyclic dicts: the cyclic GC would rescan them over and over (3x slower at 50k).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _fill(b, prof, books, order, n_items, items, truth, traits, facts)
    finally:
        if gc_was_enabled:
            gc.enable()

    lib = GeneratedLibrary(
        _library_dict(library_id, folder_id, folder, name), items, truth, folder, None, traits, facts
    )
    if audio_root is not None:
        write_audio(lib, Path(audio_root), audio=audio, seconds=audio_seconds)
    return lib


def _fill(
    b: _Builder,
    prof: Profile,
    books: list[Book],
    order: list[int],
    n_items: int,
    items: list[dict],
    truth: dict[str, Truth],
    traits: dict[str, dict],
    facts: dict[str, Facts],
) -> None:
    rng = b.rng
    used = 0
    for _ in range(n_items):
        copy_no, borrowed = 0, None
        r = rng.random()
        if r < prof.distractor + prof.same_title_trap:
            trap = r >= prof.distractor
            borrowed = books[rng.randrange(len(books))] if trap else None
            f = b.invented_facts(borrowed)
            t = Truth(None, None, None, "same_title_trap" if trap else "distractor")
        else:
            book = books[order[used % len(order)]]
            copy_no = used // len(order)
            used += 1
            audio_eds = book.audio_editions
            edition = book.default_audio_edition
            alts = [e for e in audio_eds if e.kind != "unabridged"]
            if alts and rng.random() < prof.alt_edition:
                edition = rng.choice(alts)
            f = b.facts(book, edition)
            t = Truth(
                book.goodbooks_id,
                book.book_id,
                edition.edition_id if edition else None,
                "matchable" if edition else "no_audio_edition",
            )
        scheme = _pick(rng, prof.schemes)
        tag_level = _pick(rng, prof.tags)
        quality = _pick(rng, prof.metadata)
        id_kind = _pick(rng, prof.ids)
        if f.edition_kind in ("abridged", "dramatized") and rng.random() < 0.5:
            f.title_note = f.edition_kind.capitalize()
        item = _build_item(b, f, scheme, tag_level, quality, id_kind, copy_no)
        items.append(item)
        truth[item["id"]] = t
        traits[item["id"]] = {
            "scheme": scheme,
            "tags": tag_level,
            "metadata": quality,
            "ids": id_kind,
        }
        facts[item["id"]] = f
        if borrowed is not None:  # a same-title trap: whose title it wears
            traits[item["id"]]["borrowed_book_id"] = borrowed.book_id


def write_audio(
    lib: GeneratedLibrary,
    audio_root: Path,
    audio: str = "silent",
    seconds: float = 1.0,
    workers: int = 1,
    reuse: bool = False,
) -> None:
    """Write every item's audio files under `audio_root` (tagged as their metaTags say) and fix sizes.

    Rendering is espeak-ng / sox / ffmpeg subprocesses, so `workers` threads render files in parallel.
    Each file is written under a temporary name and renamed when complete (tags included), so with
    `reuse=True` a file already there is finished work from an earlier run of the same seed and is
    kept — benchmarks cache a speaking library across runs that way.
    """
    from concurrent.futures import ThreadPoolExecutor

    speech = None
    if audio == "speech":
        try:
            from emulators import speech  # owned by the listening work; optional here
        except ImportError:
            speech = None
    lib.audio_root = audio_root
    prefix = lib.folder.rstrip("/") + "/"
    jobs = [
        (item["id"], af, audio_root / af["metadata"]["path"][len(prefix) :])
        for item in lib.items
        for af in item["media"]["audioFiles"]
    ]

    def render(job: tuple[str, dict, Path]) -> None:
        item_id, af, local = job
        if reuse and local.exists():
            return
        _render_audio_file(local, af, lib.facts.get(item_id), speech, seconds)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(render, jobs))  # list(): re-raise the first failure
    for item in lib.items:
        for af in item["media"]["audioFiles"]:
            af["metadata"]["size"] = (audio_root / af["metadata"]["path"][len(prefix) :]).stat().st_size
        for lf in item["libraryFiles"]:
            match = next((af for af in item["media"]["audioFiles"] if af["ino"] == lf["ino"]), None)
            if match:
                lf["metadata"]["size"] = match["metadata"]["size"]
            else:  # a cover: a few real bytes so file routes can serve it
                local = audio_root / lf["metadata"]["path"][len(prefix) :]
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_bytes(b"\xff\xd8\xff\xe0" + bytes(60))
                lf["metadata"]["size"] = local.stat().st_size
        for track, af in zip(item["media"]["tracks"], item["media"]["audioFiles"], strict=True):
            track["metadata"] = dict(af["metadata"])
        item["media"]["size"] = sum(af["metadata"]["size"] for af in item["media"]["audioFiles"])
        item["size"] = sum(lf["metadata"]["size"] for lf in item["libraryFiles"])


def _render_audio_file(local: Path, af: dict, facts: Facts | None, speech, seconds: float) -> None:
    """One audio file: the true book's opening credits on a book's first file (for distractors: the
    invented book's), silence otherwise; tagged like its metaTags; renamed into place when complete."""
    from emulators.audio import silent_file, write_tags

    local.parent.mkdir(parents=True, exist_ok=True)
    partial = local.with_name(f".partial-{local.stem}{local.suffix}")
    if speech is not None and af["index"] == 1 and facts is not None:
        segments = speech.book_segments(
            "intro",
            title=facts.title,
            author=facts.authors[0] if facts.authors else "",
            narrator=facts.narrators[0] if facts.narrators else None,
            series=facts.series,
            position=float(facts.position) if facts.position else None,
            publisher=facts.publisher,
            body_seconds=max(2.0, seconds),
            seed=int(af["ino"]),
        )
        speech.synthesise(segments, partial)
    else:
        silent_file(partial, seconds)
    tags = {k: v for k, v in af["metaTags"].items() if k not in ("tagEncoder", "tagTrack", "tagDisc")}
    if tags:
        write_tags(partial, tags)
    partial.replace(local)


def malformed_items(k: int, seed: int = 0, library_id: str | None = None) -> list[dict]:
    """`k` items that break in the ways real data does, each with a valid `id` and `updatedAt`
    (so listing still works) and one defect named in `_defect` — which extract must NOT rely on
    (it is there for test messages; drop it with `item.pop("_defect")` to be strict).
    """
    base = generate_library(k, seed=seed + 7919, profile="default", library_id=library_id).items
    rng = random.Random(f"malformed:{seed}")
    defects = (
        "missing_media",
        "media_null",
        "metadata_null",
        "null_in_authors",
        "null_in_narrators",
        "authors_not_a_list",
        "title_not_a_string",
        "huge_title",
        "lone_surrogates",
        "latin1_mojibake",
        "audio_files_not_a_list",
        "null_audio_file",
        "duration_string",
        "relpath_missing",
        "series_null_name",
    )
    out = []
    for i, item in enumerate(base):
        defect = (
            defects[(i + rng.randrange(len(defects))) % len(defects)] if i >= len(defects) else defects[i]
        )
        media = item["media"]
        md = media["metadata"]
        if defect == "missing_media":
            del item["media"]
        elif defect == "media_null":
            item["media"] = None
        elif defect == "metadata_null":
            media["metadata"] = None
        elif defect == "null_in_authors":
            md["authors"] = [None, *md["authors"]]
        elif defect == "null_in_narrators":
            md["narrators"] = ["Someone", None]
        elif defect == "authors_not_a_list":
            md["authors"] = "Jane Doe, John Smith"
        elif defect == "title_not_a_string":
            md["title"] = 12345
        elif defect == "huge_title":
            md["title"] = ("A Very Long Title " * 600)[:10_000]
        elif defect == "lone_surrogates":
            md["title"] = "Bad \udcff\udcfe Name"
            md["authors"] = [{"id": "x", "name": "Bj\udcf6rk"}]
        elif defect == "latin1_mojibake":
            md["title"] = "Les MisÃ©rables"
            md["authors"] = [{"id": "x", "name": "Ã‰mile Zola"}]
            item["relPath"] = "Ã‰mile Zola/Les MisÃ©rables"
        elif defect == "audio_files_not_a_list":
            media["audioFiles"] = {"0": media["audioFiles"][0]}
        elif defect == "null_audio_file":
            media["audioFiles"] = [None, *media["audioFiles"]]
        elif defect == "duration_string":
            media["duration"] = "about ten hours"
        elif defect == "relpath_missing":
            del item["relPath"]
            item["path"] = None
        elif defect == "series_null_name":
            md["series"] = [{"id": "s", "name": None, "sequence": 1}]
        item["_defect"] = defect
        out.append(item)
    return out
