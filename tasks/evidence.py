"""Evidence: what an item's ABS metadata, folder names, file names and tags say it is.

`evidence_for_item(item)` turns one expanded ABS item into `Evidence(source, field, value, ordinal, rule)`
rows for the `item_evidence` table. Sources:

- `abs`: the item's current ABS metadata (what the user sees today), less the authors and series
  that are only container folders ABS read into those slots ("Audiobooks", "mp3", "Unknown") or
  placeholder names ("Unknown Artist"): they name nothing and would contradict every right answer.
  A title written like a release name (ABS took it from the album tag) is read with the schemes too.
- `path`: the folder path, read twice over: once exactly as ABS 2.36's scanner reads it
  (`getBookDataFromDir`, rules `abs.*`; an author/series folder that is a container gets no row)
  and once with the common naming schemes ABS misses (rules `scheme.*`). Both readings are kept,
  so where they disagree SQL can see it.
- `filename`: the first audio file's name, unless it is only a track/part/chapter name.
- `tags`: the first audio file's tags, from ABS's `metaTags` (rule `tags.abs_metatags`) and, when
  `settings.path_map` makes the file readable here, straight from the file with mutagen
  (rule `tags.file.<format>`). People in swapped roles are put back (suffixed rules below). An
  album (or, without one, a title) written like a release name is read with the schemes too.

Fields (the vocabulary scoring reads): `title`, `subtitle`, `author`, `narrator`, `series`,
`sequence` (series position as text, `ordinal` ties it to the `series` row with the same ordinal),
`year`, `date`, `asin`, `isbn`, `publisher`, `language`, `genre`, `description` (first 2,000
characters), `edition` (unabridged / abridged /
dramatized), `part` ("Part 3" of a split book; not a series position), `disc`.

Rules (the `rule` column), so SQL can weigh or filter readings:
- `abs.metadata` — current ABS metadata (source `abs`).
- ABS's own folder reading (source `path`): `abs.title_folder`, `abs.single_file` (a root file),
  `abs.author_folder`, `abs.series_folder`, `abs.sequence`, `abs.year`, `abs.narrators`, `abs.asin`,
  `abs.subtitle` (only with scannerParseSubtitle), `abs.disc_folder`.
- Common schemes (sources `path` and `filename`, and the `abs` and `tags` titles written like
  release names, see `title_readings`): `scheme.author_dash_title`, `scheme.title_dash_author`,
  `scheme.title_by_author` ('Title.by.Author.AUDIOBOOK.M4B-GROUP'), `scheme.title_paren_series`,
  `scheme.series_number_title`, `scheme.book_number`, `scheme.part_number`, `scheme.title_year`,
  `scheme.clean_title` (noise such as "[Unabridged]", "(64kbps)", "[m4b]", "Unabridged 2011 MP3
  64kbps-GROUP", "abr-abook", "2cd-kawa" and a bracket a tool cut off, "[MP3 19", removed),
  `scheme.edition_tag`, `scheme.release_tags` (a year among such release tags), `scheme.read_by`
  (a "Read by X" / "(Narrated by X)" note: the narrator, and the title without it),
  `scheme.separators` (a name written with '_' or '.' for spaces, or with '-' and no space at all,
  respaced and cleaned, whole; also an author/series folder so written),
  `scheme.glued_author_title` / `scheme.glued_title_author` (hypotheses for
  'John_Grisham_A_Time_to_Kill': each name-shaped start gives an author and the rest a title, one
  ordinal per hypothesis; settled to one when another source names the author),
  `scheme.container_skipped` (the path read again without its container folders: the author one
  level under "Audiobooks/", the title folder above "…/mp3"), `scheme.asin` (a file name's
  "[ASIN]", Libation's convention).
- `filename.stem` — the first audio file's name without extension, track numbers and noise.
- `tags.abs_metatags` / `tags.file.<ext>` — ABS's tag mapping over metaTags / over the file itself;
  with `.album_artist_as_author`, `.composer_as_author`, `.artist_as_narrator` appended where the
  roles were put back (see `_tag_people`).

Everything here is plain Python over dicts: regexes are compiled once, nothing touches the network,
and files are only opened when the path map says they are local.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from anyascii import anyascii

from tasks.normalise import CARDINAL_WORDS, ORDINAL_WORDS, respace, strip_release_tags, uses_separators
from tasks.normalise import name_key as person_key

__all__ = [
    "Evidence",
    "ParsedPath",
    "TagReadError",
    "clean_release_name",
    "evidence_for_item",
    "filename_evidence",
    "parse_filename",
    "parse_folder",
    "parse_name_string",
    "read_file_tags",
    "tags_evidence",
    "title_readings",
]


class Evidence(NamedTuple):
    """One thing one source says about an item (a row of `item_evidence` without item/run ids)."""

    source: str
    field: str
    value: str
    ordinal: int = 0
    rule: str | None = None


class TagReadError(Exception):
    """An audio file's tags could not be read; names the file and the reason. Callers record it and go on."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot read tags from {self.path}: {reason}")


# ---------------------------------------------------------------------------------------------
# parseNameString (ABS utils/parsers/parseNameString.js, 2.36)
# ---------------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff\u3040-\u30ff\u31f0-\u31ff]")
_WS = re.compile(r"\s+")
# parse-full-name treats these as name suffixes/titles, not first or last names.
_NAME_SUFFIXES = frozenset(
    [
        "jr",
        "jr.",
        "sr",
        "sr.",
        "ii",
        "iii",
        "iv",
        "v",
        "phd",
        "ph.d.",
        "md",
        "m.d.",
        "esq",
        "esq.",
        "dr",
        "dr.",
        "mr",
        "mr.",
        "mrs",
        "mrs.",
        "ms",
        "ms.",
        "prof",
        "prof.",
    ]
)
# Lower-case particles that start a surname ("von Mises", "de la Cruz"): such a chunk has no first name.
_PARTICLES = frozenset(
    [
        "von",
        "van",
        "de",
        "der",
        "den",
        "del",
        "della",
        "da",
        "du",
        "di",
        "la",
        "le",
        "ibn",
        "bin",
        "al",
        "st.",
        "st",
        "ter",
        "ten",
    ]
)


def _recase(word: str) -> str:
    if word.lower() in _PARTICLES:
        return word.lower()
    if "." in word:  # initials: 'j.r.r.' -> 'J.R.R.'
        return word.upper()
    return word[:1].upper() + word[1:].lower()


def _parse_name(segment: str) -> tuple[str, str]:
    """(first incl. middle, last) of one 'First Middle Last' segment, the way parse-full-name splits it."""
    words = [w for w in _WS.split(segment.strip()) if w and w.lower() not in _NAME_SUFFIXES]
    if not words:
        return "", ""
    # parse-full-name's default fixCase: only a name written all upper or all lower is re-cased.
    joined = " ".join(words)
    if joined.islower() or joined.isupper():
        words = [_recase(w) for w in words]
    if len(words) == 1:
        return "", words[0]
    # A leading particle means the whole chunk is a surname.
    if words[0].lower() in _PARTICLES:
        return "", " ".join(words)
    # The surname starts at the first particle after the first name, else it is the last word.
    cut = len(words) - 1
    for i in range(1, len(words) - 1):
        if words[i].lower() in _PARTICLES:
            cut = i
            break
    return " ".join(words[:cut]), " ".join(words[cut:])


def _chunk_is_last_name(chunk: str) -> bool:
    if " " not in chunk:
        return True
    first, _ = _parse_name(chunk)
    return not first


def parse_name_string(value: str | None) -> list[str]:
    """ABS's parseNameString: 'Smith, John & Doe, Jane' -> ['John Smith', 'Jane Doe'].

    Split on '&', else ' and ', else ';' (then each piece on ','), else on ','. When commas were
    used and the first chunk has no space, chunks pair up as 'Last, First' (an odd straggler is
    dropped). CJK names come back as they are; duplicates are removed, order kept.
    """
    if not value or not isinstance(value, str):
        return []
    return list(_parse_name_string(value))


@lru_cache(maxsize=65536)  # libraries repeat the same few thousand author/narrator strings
def _parse_name_string(value: str) -> tuple[str, ...]:
    is_comma_separated = "," in value
    if "&" in value:
        chunks = [c for part in value.split("&") for c in part.split(",")]
    elif " and " in value:
        chunks = [c for part in value.split(" and ") for c in part.split(",")]
    elif ";" in value:
        chunks = [c for part in value.split(";") for c in part.split(",")]
    else:
        chunks = value.split(",")
    chunks = [c.strip() for c in chunks]
    if chunks and _CJK.search(chunks[0]):
        return tuple(dict.fromkeys(c for c in chunks if c))

    names: list[tuple[str, str]] = []
    if len(chunks) == 1:
        names.append(_parse_name(value))
    else:
        last_first = is_comma_separated and _chunk_is_last_name(chunks[0])
        if last_first:
            if len(chunks) % 2:
                chunks = chunks[:-1]  # ABS drops a straggler (roman numeral, suffix)
            for i in range(0, len(chunks), 2):
                names.append((_WS.sub(" ", chunks[i + 1]), _WS.sub(" ", chunks[i])))
        else:
            names.extend(_parse_name(c) for c in chunks)
    out = [f"{first} {last}".strip() if first else last for first, last in names if first or last]
    return tuple(dict.fromkeys(n for n in out if n))


# ---------------------------------------------------------------------------------------------
# Folder parsing: ABS getBookDataFromDir (utils/scandir.js, 2.36) + the common schemes it misses
# ---------------------------------------------------------------------------------------------

_ASIN = re.compile(r"(?: |^)\[([A-Z0-9]{10})](?= |$)")
_NARRATORS = re.compile(r"^(?P<title>.*) \{(?P<narrators>.*)\}$")
_SEQUENCE = re.compile(
    r"^(?P<label>vol\.? |volume |book )?(?P<seq>\d{0,3}(?:\.\d{1,2})?)(?P<dot>\.?)(?: (?P<suffix>.*))?$",
    re.I | re.ASCII,  # JS \d is ASCII-only
)
_YEAR = re.compile(r"^ *\(?([0-9]{4})\)? * - *(.+)")
_DISC_FOLDER = re.compile(r"^(cd|dis[ck])\s*\d{1,3}$", re.I)

_AUDIO_EXTS = frozenset(
    [
        ".m4b",
        ".mp3",
        ".m4a",
        ".flac",
        ".opus",
        ".ogg",
        ".oga",
        ".mp4",
        ".aac",
        ".wma",
        ".aiff",
        ".aif",
        ".wav",
        ".webm",
        ".webma",
        ".mka",
        ".awb",
        ".caf",
        ".mpg",
        ".mpeg",
    ]
)

_MEDIA_EXTS = _AUDIO_EXTS | {".epub", ".pdf", ".mobi", ".azw3", ".cbr", ".cbz"}

# Names longer than this skip the scheme regexes: nothing real is that long, and lazy patterns on a
# 10,000-character title would cost quadratic time (malformed items must stay cheap).
_MAX_SCHEME_LEN = 400


def _js_number_string(seq: str) -> str:
    """JS `Number(s).toString()` for the sequence shapes the ABS regex admits ('01' -> '1', '1.50' -> '1.5', '' -> '0')."""
    if seq in ("", "."):
        return "0"
    num = float(seq)
    return str(int(num)) if num.is_integer() else repr(num)


def _abs_sequence(folder: str) -> tuple[str, str | None]:
    parts = folder.split(" - ")
    for i, part in enumerate(parts):
        m = _SEQUENCE.match(part)
        # '101 Dalmatians' is not a sequence, '101. Dalmatians' and 'Book 101 Dalmatians' are.
        if m and not (m.group("suffix") and not (m.group("label") or m.group("dot"))):
            sequence = _js_number_string(m.group("seq"))
            if m.group("suffix"):
                parts[i] = m.group("suffix")
            else:
                del parts[i]
            return " - ".join(parts), sequence
    return folder, None


# Folders a library keeps books *in* rather than folders that name them: ABS 2.36 still reads them
# as the author or series ("Audiobooks/John Grisham/A Time to Kill" -> author "Audiobooks"). A
# folder is one when every word in it is one of these, a number, a bitrate or a single letter
# ("_Audiobooks", "New Audiobooks 2023", "MP3", "S" of an A-Z shelf, "To Sort").
_CONTAINER_WORDS = frozenset((
    "audiobooks", "audiobook", "audio", "book", "books", "ebooks", "ebook", "library", "libraries",
    "media", "files", "data", "mp3", "mp4", "m4b", "m4a", "aac", "flac", "ogg", "opus", "wma", "aax",
    "aaxc", "new", "newest", "latest", "unknown", "unsorted", "sorted", "unorganized", "unorganised",
    "misc", "miscellaneous", "other", "others", "various", "download", "downloads", "downloaded",
    "complete", "completed", "incomplete", "finished", "done", "incoming", "torrents", "torrent", "tmp",
    "temp", "import", "imports", "imported", "inbox", "staging", "processed", "seeding", "seed", "nzb",
    "usenet", "queue", "to", "sort", "my", "all", "listen", "listened", "unread", "read", "author",
    "authors", "artist", "artists", "narrator", "narrators", "collection",
    # genre shelves
    "fantasy", "scifi", "sci", "fi", "science", "fiction", "nonfiction", "non", "horror", "thriller",
    "thrillers", "mystery", "mysteries", "romance", "biography", "biographies", "history", "classics",
    "classic", "kids", "children", "childrens", "young", "adult", "ya", "comedy", "humor", "humour",
    "podcast", "podcasts", "crime", "poetry", "literature", "general",
))  # fmt: skip
_CONTAINER_TOKEN = re.compile(r"^(?:\d+|\d{2,3}k(?:bps)?|[a-z])$")
# Under a book's own folder only a format folder is a container ('The Stand/mp3'): '1984', 'Unknown'
# or 'New' there are titles.
_FORMAT_FOLDER_WORDS = frozenset(
    ("mp3", "mp4", "m4b", "m4a", "aac", "flac", "ogg", "opus", "wma", "audio", "files")
)
_FORMAT_TOKEN = re.compile(r"^\d{2,3}k(?:bps)?$")
_FOLDER_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=65536)
def is_container_folder(name: str | None, title_slot: bool = False) -> bool:
    """True for a folder (or an author/series value) that holds books but names none of them.

    `title_slot=True` asks about the folder ABS takes as the title: only format folders count there.
    """
    if not isinstance(name, str):
        return False
    words = _FOLDER_WORD.findall(anyascii(name).lower())
    if not words:  # "_", "---": punctuation only (a name in another script is not)
        return bool(name.strip()) and not any(c.isalnum() for c in name)
    if title_slot:
        return all(w in _FORMAT_FOLDER_WORDS or _FORMAT_TOKEN.match(w) for w in words)
    return all(w in _CONTAINER_WORDS or _CONTAINER_TOKEN.match(w) for w in words)


@dataclass
class ParsedPath:
    """What a relPath says: ABS's own reading (the attributes) plus every labelled reading as evidence.

    `readings` holds `Evidence(source='path', ...)` rows: the ABS reading first (rules `abs.*`),
    then the alternative readings of the common schemes (rules `scheme.*`). An author or series
    folder that is only a container (see `is_container_folder`) stays in the attributes, as ABS
    read it, but gets no `abs.*` row; `misread` lists such (field, folder) pairs (and a series
    folder that is really the author one level under a container, or the title folder above a
    format folder), so the ABS metadata built from them can be discounted the same way.
    """

    title: str | None = None
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    narrators: list[str] = field(default_factory=list)
    series: str | None = None
    sequence: str | None = None
    year: str | None = None
    asin: str | None = None
    is_file: bool = False
    disc_folder: str | None = None
    readings: list[Evidence] = field(default_factory=list)
    misread: list[tuple[str, str]] = field(default_factory=list)

    def values(self, field_name: str, rule_prefix: str = "") -> list[str]:
        """The values one field got from readings whose rule starts with `rule_prefix`."""
        return [
            e.value for e in self.readings if e.field == field_name and (e.rule or "").startswith(rule_prefix)
        ]


def _add(rows: list[Evidence], source: str, fld: str, value: Any, rule: str, ordinal: int = 0) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        value = str(value)
    value = value.strip()
    if value:
        rows.append(Evidence(source, fld, value, ordinal, rule))


class _TitleFolder(NamedTuple):
    title: str
    subtitle: str | None
    asin: str | None
    narrators: str | None
    sequence: str | None
    year: str | None


def _read_title_folder(folder: str, has_series: bool, parse_subtitle: bool) -> _TitleFolder:
    """ABS's reading of the title folder: ASIN, then narrators, then (under a series folder) the
    sequence, then a leading year, then (with scannerParseSubtitle) the subtitle."""
    folder, asin = _abs_asin(folder)
    m = _NARRATORS.match(folder)
    narrators = None
    if m:
        folder, narrators = m.group("title"), m.group("narrators")
    sequence = None
    if has_series:
        folder, sequence = _abs_sequence(folder)
    year = None
    m = _YEAR.match(folder)
    if m:
        year, folder = m.group(1), m.group(2)
    title, subtitle = folder, None
    if parse_subtitle:
        head, _, rest = folder.partition(" - ")
        title, subtitle = head, rest
    return _TitleFolder(title, subtitle or None, asin, narrators, sequence, year)


def parse_folder(
    rel_path: str,
    is_file: bool = False,
    parse_subtitle: bool = False,
    schemes: bool = True,
    known_authors: Iterable[str] = (),
) -> ParsedPath:
    """Parse an item's relPath like ABS 2.36 does, then with the common schemes ABS misses.

    `is_file=True` is a single audio file in the library root: ABS titles it with the file name
    minus its extension and parses nothing else (the schemes still read it).
    `known_authors` (names other sources give) settle 'A - B' names where both sides could be a
    person: only the reading whose author is known is kept.
    With `schemes=False` the readings are ABS's alone, container folders included.
    Raises ValueError for a relPath that is not a string.
    """
    known = frozenset(_name_key(n) for n in known_authors)
    if not isinstance(rel_path, str):
        raise ValueError(f"relPath must be a string, got {type(rel_path).__name__}")
    parsed = ParsedPath(is_file=is_file)
    rows = parsed.readings
    rel = rel_path.replace("\\", "/").strip("/")
    if not rel:
        return parsed

    if is_file:
        name = rel.rsplit("/", 1)[-1]
        stem, ext = _split_ext(name)
        parsed.title = stem
        _add(rows, "path", "title", stem, "abs.single_file")
        if schemes:
            _schemes(rows, stem, has_author_folder=False, known=known)
        return parsed

    parts = rel.split("/")
    # A trailing CD1/Disc 2 folder belongs to its parent item (ABS groups them that way).
    if len(parts) > 1 and _DISC_FOLDER.match(parts[-1].strip()):
        parsed.disc_folder = parts.pop()
    above = parts[:-1]  # the folders above the title folder, outermost first
    folder = parts.pop()
    series = parts.pop() if len(parts) > 1 else None
    author = parts.pop() if parts else None

    read = _read_title_folder(folder, series is not None, parse_subtitle)
    title = read.title
    parsed.title, parsed.subtitle, parsed.asin, parsed.year = title, read.subtitle, read.asin, read.year
    parsed.series, parsed.sequence = series, read.sequence
    parsed.authors = parse_name_string(author)
    parsed.narrators = parse_name_string(read.narrators)

    # Container folders in the author/series slots say nothing about the book (schemes only: without
    # them the rows are ABS's reading exactly).
    drop_author = schemes and is_container_folder(author)
    drop_series = schemes and is_container_folder(series)
    effective_authors = [] if drop_author else parsed.authors
    series_is_author = False
    reread: tuple[str | None, str | None, _TitleFolder | None] | None = None
    if schemes:
        reread = _reread_without_containers(above, folder, parse_subtitle)
        if reread is not None:
            new_author, new_series, _ = reread
            # One level under a container, a name-shaped series folder is the author ('Audiobooks/
            # John Grisham/A Time to Kill'); 'Audiobooks/Mistborn/...' keeps Mistborn as the series.
            if drop_author and new_author is not None and new_author == series and not drop_series:
                names = parse_name_string(new_author)
                series_is_author = bool(names) and (
                    _looks_like_names(new_author) or any(_name_key(n) in known for n in names)
                )
                if series_is_author:
                    drop_series = True
            if reread[2] is not None:
                # '…/The Stand/mp3': every slot is one level off, the series slot holds the title folder.
                drop_series = series is not None
                drop_author = author is not None and author != new_author
            if drop_author:
                parsed.misread.append(("author", author))  # type: ignore[arg-type]
            if drop_series and series is not None:
                parsed.misread.append(("series", series))

    if reread is None or reread[2] is None:
        _add(rows, "path", "title", title, "abs.title_folder")
        _add(rows, "path", "subtitle", read.subtitle, "abs.subtitle")
    if not drop_author:
        for i, name in enumerate(parsed.authors):
            _add(rows, "path", "author", name, "abs.author_folder", i)
    for i, name in enumerate(parsed.narrators):
        _add(rows, "path", "narrator", name, "abs.narrators", i)
    if not drop_series:
        _add(rows, "path", "series", series, "abs.series_folder")
    _add(rows, "path", "sequence", read.sequence, "abs.sequence")
    _add(rows, "path", "year", read.year, "abs.year")
    _add(rows, "path", "asin", read.asin, "abs.asin")
    if parsed.disc_folder:
        _add(rows, "path", "disc", parsed.disc_folder, "abs.disc_folder")
    if not schemes:
        return parsed

    scheme_title = title
    if reread is not None:
        new_author, new_series, new_folder = reread
        rule = "scheme.container_skipped"
        if new_author is not None and (series_is_author or new_author != series):
            effective_authors = parse_name_string(new_author)
            if effective_authors != ([] if drop_author else parsed.authors):
                for i, name in enumerate(effective_authors):
                    _add(rows, "path", "author", name, rule, i)
        elif new_author is None:
            effective_authors = []
        if new_series is not None and new_series != series:
            _add(rows, "path", "series", new_series, rule)
        if new_folder is not None:  # the title folder itself was a container ('…/The Stand/mp3')
            scheme_title = new_folder.title
            _add(rows, "path", "title", new_folder.title, rule)
            _add(rows, "path", "sequence", new_folder.sequence, rule)
            _add(rows, "path", "year", new_folder.year, rule)
            _add(rows, "path", "asin", new_folder.asin, rule)
            for i, name in enumerate(parse_name_string(new_folder.narrators)):
                _add(rows, "path", "narrator", name, rule, i)
    # Author and series folders written with '_' or '.' for spaces ('Brandon.Sanderson').
    slot_values = [(a, "author") for a in ([] if drop_author else [author])] + [
        (x, "series") for x in ([] if drop_series else [series])
    ]
    for value, fld in slot_values:
        spaced = respace(value) if value else value
        if spaced and spaced != value:
            if fld == "author":
                for i, name in enumerate(parse_name_string(spaced)):
                    _add(rows, "path", "author", name, "scheme.separators", i)
                effective_authors = effective_authors or parse_name_string(spaced)
            else:
                _add(rows, "path", "series", spaced, "scheme.separators")

    # The schemes read what ABS left of the name, so they only add what ABS missed.
    # An author folder's own name settles 'Title by Author' under it.
    known |= {_name_key(n) for n in effective_authors}
    _schemes(rows, scheme_title, has_author_folder=bool(effective_authors), abs_title=title, known=known)
    return parsed


def _reread_without_containers(
    above: list[str], folder: str, parse_subtitle: bool
) -> tuple[str | None, str | None, _TitleFolder | None] | None:
    """(author, series, title folder) read ABS's way once container folders are left out, or None
    when there is none to leave out. The title folder is re-read only when it was a container."""
    kept = [p for p in above if not is_container_folder(p)]
    title_is_container = bool(kept) and is_container_folder(folder, title_slot=True)
    if len(kept) == len(above) and not title_is_container:
        return None
    new_folder = None
    if title_is_container:
        real = kept.pop()
        new_folder = _read_title_folder(real, len(kept) > 1, parse_subtitle)
    new_series = kept[-1] if len(kept) > 1 else None
    new_author = kept[-2] if len(kept) > 1 else (kept[-1] if kept else None)
    return new_author, new_series, new_folder


def _abs_asin(folder: str) -> tuple[str, str | None]:
    m = _ASIN.search(folder)
    if not m:
        return folder.strip(), None
    # JS String.replace with a string pattern replaces the first occurrence only.
    return folder.replace(m.group(0), "", 1).strip(), m.group(1)


def _split_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ("." + ext.lower()) in _MEDIA_EXTS:
        return stem, "." + ext.lower()
    return name, ""


# --- the common schemes -------------------------------------------------------------------------

_NUM_WORDS = {
    **{w: i for i, w in enumerate(CARDINAL_WORDS)},
    **{w: i + 1 for i, w in enumerate(ORDINAL_WORDS[:10])},
}
_ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
    "xiii": 13,
    "xiv": 14,
    "xv": 15,
}
_NUMBER = r"(?:\d{1,3}(?:\.\d{1,2})?|" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)) + r"|[ivx]{1,4})"

_NOISE_TOKEN = (
    r"un-?abridged|abridged|un-?abr|abr|dramati[sz]ed(?: edition)?|full[- ]cast(?: dramati[sz]ation)?|"
    r"audio ?books?|retail|m4b|m4a|mp3|aac|flac|opus|ogg|\d{1,2}\s?cds?|"
    r"\d{2,3}\s?k(?:bps|bit/?s)?|\d{2,3}kbps|mono|stereo|vbr|cbr|\d{2}(?:\.\d)?\s?khz|(?:1[5-9]|20)\d{2}"
)
# '[Unabridged]', '(64kbps)', '[MP3 64kbps]', '(Retail, 2011)': a bracket of nothing but release notes
# (a bracket holding only a year is the title's year, read by _TITLE_YEAR).
_NOISE = re.compile(
    rf"\s*[\[(]\s*(?P<noise>(?:{_NOISE_TOKEN})(?:[\s,/+_-]+(?:{_NOISE_TOKEN}))*)\s*[\])]", re.I
)
_NOISE_PIECE = re.compile(rf"(?:{_NOISE_TOKEN})", re.I)
_YEAR_TOKEN = re.compile(r"^(?:1[5-9]|20)\d{2}$")
# 'Title (Read by X)', 'Title [Narrated by X]', 'Title - Read by X' in folder and file names.
_READ_BY = re.compile(
    r"\s*[\[(]\s*(?:read|narrated|performed)\s+by:?\s+(?P<a>[^\[\]()]+?)\s*[\])]"
    r"|\s+(?:-\s+)?(?:read|narrated|performed)\s+by:?\s+(?P<b>[^\[\](){}]+?)\s*$",
    re.I,
)
# A bracket opened and never closed: a tool cut the name short ('Out (Unabridged) [MP3 19').
_UNCLOSED_BRACKET = re.compile(r"\s*[\[({][^\[\](){}]*$")
# 'Title by Author' (scene names: 'The.Elves.Of.Cintra.by.Terry.Brooks.AUDIOBOOK.MP3-RAiN').
_BY = re.compile(r"\s+by\s+", re.I)
_TRAILING_NOISE = re.compile(r"\s*(?:-\s*)?\b(?P<noise>unabridged|abridged)\s*$", re.I)
_TITLE_YEAR = re.compile(r"^(?P<title>.+?)\s*[\[(](?P<year>(?:1[5-9]|20)\d{2})[\])](?P<rest>.*)$")
_PAREN_SERIES = re.compile(
    r"^(?P<title>.+?)\s*[\[(](?P<series>[^()\[\]]+?)(?:,\s*|\s+)(?:#\s*|book\s+|bk\.?\s*|vol\.?\s*|volume\s+|no\.?\s*)"
    rf"(?P<pos>{_NUMBER})[\])]\s*$",
    re.I,
)
_SERIES_NUM_TITLE = re.compile(
    r"^(?P<series>[^#\d][^-]*?),?\s+(?:(?:#\s*|book\s+|bk\.?\s*|vol\.?\s*|volume\s+)(?P<word>"
    + _NUMBER
    + r")|"
    r"(?P<num>\d{1,3}(?:\.\d{1,2})?))\s+-\s+(?P<title>.+)$",
    re.I,
)
_TITLE_BOOK_NUM = re.compile(
    rf"^(?P<title>.+?)(?:\s+-\s+|,\s*|\s+)(?:#\s*|book\s+|bk\.?\s*|vol\.?\s*|volume\s+)(?P<pos>{_NUMBER})$",
    re.I,
)
_LEADING_BOOK_NUM = re.compile(
    rf"^(?:book|vol\.?|volume)\s+(?P<pos>{_NUMBER})\s*(?:-|:|\.)?\s+(?P<title>.+)$", re.I
)
_PART = re.compile(rf"(?:^|\s*[-,:]\s*|\s+)\bpart(?:\s+|(?=\d))(?P<pos>{_NUMBER})\b\s*", re.I)
_SEQ_LABEL_ONLY = re.compile(r"^(?:vol\.?|volume|book|bk\.?|part|no\.?)$", re.I)
_ARTICLES = frozenset(["the", "a", "an"])
# Words that make a capitalised phrase a title or a volume label rather than a person.
_NOT_NAME_WORDS = frozenset(
    [
        "book",
        "books",
        "vol",
        "volume",
        "part",
        "series",
        "saga",
        "trilogy",
        "chronicles",
        "collection",
        "edition",
        "unabridged",
        "abridged",
        "chapter",
        "of",
        "the",
        "and",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "with",
        "omnibus",
        "complete",
        "novel",
        "stories",
        "tales",
    ]
) | frozenset(_NUM_WORDS)
_PERSONISH = re.compile(r"^(?:[A-Z][\w'’\-]+, [A-Z][\w'’.\- ]+|.*\b[A-Z]\.(?:\s?[A-Z]\.)*\s.*)$")
_NAME_TOKEN = re.compile(r"^(?:[A-Z][\w'’.\-]*|[A-Z]\.(?:[A-Z]\.)*|(?:von|van|de|der|del|da|du|di|la|le))$")


def _position(raw: str) -> str | None:
    raw = raw.strip().lower()
    if raw in _NUM_WORDS:
        return str(_NUM_WORDS[raw])
    if raw in _ROMAN:
        return str(_ROMAN[raw])
    try:
        return _js_number_string(raw)
    except ValueError:
        return None


def _looks_like_names(text: str) -> bool:
    """'Frank Herbert', 'Collins, Suzanne', 'Pratchett & Gaiman': 2-4 capitalised words per name, no digits."""
    if not text or any(c.isdigit() for c in text) or len(text) > 80:
        return False
    names = parse_name_string(text)
    if not names:
        return False
    for name in names:
        words = name.split()
        if not 2 <= len(words) <= 4 or words[0].lower() in _ARTICLES:
            return False
        if not all(_NAME_TOKEN.match(w) and w.lower().rstrip(".") not in _NOT_NAME_WORDS for w in words):
            return False
    return True


def _strip_noise(text: str) -> tuple[str, list[str]]:
    """(text, release notes found): a bracket cut off at the end ('[MP3 19'), bracketed notes, a
    trailing run of release tags ('Unabridged 2011 MP3 64kbps-GROUP') and a trailing '- Unabridged'
    go. Notes come back lower-case, one per token."""
    found: list[str] = []
    m = _UNCLOSED_BRACKET.search(text)
    if m and text[: m.start()].strip(" -_.,"):
        cut = m.group(0).strip()
        found.extend([t.lower() for t in _NOISE_PIECE.findall(cut)] or [cut.lower()])
        text = text[: m.start()]

    def _keep(m: re.Match[str]) -> str:
        tokens = [t.lower() for t in _NOISE_PIECE.findall(m.group("noise"))] or [m.group("noise").lower()]
        if all(_YEAR_TOKEN.match(t) for t in tokens):
            return m.group(0)
        found.extend(tokens)
        return ""

    text = _NOISE.sub(_keep, text)
    text, tags = strip_release_tags(text)
    found.extend(t.lower() for t in tags)
    text = _TRAILING_NOISE.sub(_keep, text)
    return _WS.sub(" ", text).strip(" -_.,"), found


def _strip_read_by(text: str) -> tuple[str, list[str]]:
    """(text, narrators) with a 'Read by X' / '(Narrated by X)' note taken out."""
    narrators: list[str] = []

    def _take(m: re.Match[str]) -> str:
        narrators.extend(parse_name_string((m.group("a") or m.group("b") or "").strip()))
        return " " if m.group("a") else ""

    text = _READ_BY.sub(_take, text)
    return _WS.sub(" ", text).strip(" -_.,"), narrators


def _edition_of(noise: list[str]) -> str | None:
    for n in noise:
        if "unabridged" in n or n.startswith("un-") or n == "unabr":
            return "unabridged"
        if "abridged" in n or n == "abr":
            return "abridged"
        if "dramati" in n or "full" in n:
            return "dramatized"
    return None


def _schemes(
    rows: list[Evidence],
    base: str,
    has_author_folder: bool,
    abs_title: str | None = None,
    source: str = "path",
    known: frozenset[str] = frozenset(),
    separated: bool = False,
) -> None:
    """Alternative readings of a title folder (or a file name) that ABS does not make.

    `separated`: the name was written with '_' or '.' for spaces before the caller respaced it.
    """
    if not base or len(base) > _MAX_SCHEME_LEN:
        return
    spaced = respace(base)
    separated = separated or uses_separators(base)
    text, narrators = _strip_read_by(spaced)
    for i, name in enumerate(narrators):
        _add(rows, source, "narrator", name, "scheme.read_by", i)
    text, noise = _strip_noise(text)
    edition = _edition_of(noise)
    if edition:
        _add(rows, source, "edition", edition, "scheme.edition_tag")
    for y in dict.fromkeys(t for t in noise if _YEAR_TOKEN.match(t)):
        _add(rows, source, "year", y, "scheme.release_tags")
    titles: list[tuple[str, str]] = []  # (title, rule)
    if text and separated:
        titles.append((text, "scheme.separators"))
    elif text and narrators:
        titles.append((text, "scheme.read_by"))
    elif text and (noise or spaced != base):
        titles.append((text, "scheme.clean_title"))

    author_rule: str | None = None  # the rule that took the author out of `text`
    by = _title_by_author(text, has_author_folder, known, separated or bool(noise))
    if by is not None:
        names, text = by
        author_rule = "scheme.title_by_author"
        for i, name in enumerate(names):
            _add(rows, source, "author", name, author_rule, i)
        titles.append((text, author_rule))

    m = _TITLE_YEAR.match(text)
    if m and not m.group("rest").strip():
        _add(rows, source, "year", m.group("year"), "scheme.title_year")
        text = m.group("title").strip()
        titles.append((text, "scheme.title_year"))

    m = _PAREN_SERIES.match(text)
    if m and (pos := _position(m.group("pos"))) is not None:
        _add(rows, source, "series", m.group("series").strip(" ,"), "scheme.title_paren_series")
        _add(rows, source, "sequence", pos, "scheme.title_paren_series")
        text = m.group("title").strip()
        titles.append((text, "scheme.title_paren_series"))

    m = _PART.search(text)
    if m and (pos := _position(m.group("pos"))) is not None:
        _add(rows, source, "part", pos, "scheme.part_number")
        rest = (text[: m.start()] + " " + text[m.end() :]).strip(" -_,:")
        if rest:
            text = _WS.sub(" ", rest)
            titles.append((text, "scheme.part_number"))

    # 'Author - Series 03 - Title': a name-shaped first piece of three or more is the author.
    if not has_author_folder and author_rule is None:
        pieces = [p.strip() for p in text.split(" - ")]
        if len(pieces) >= 3 and all(pieces) and _looks_like_names(pieces[0]):
            for i, name in enumerate(parse_name_string(pieces[0])):
                _add(rows, source, "author", name, "scheme.author_dash_title", i)
            text, author_rule = " - ".join(pieces[1:]), "scheme.author_dash_title"

    m = _SERIES_NUM_TITLE.match(text)
    if (
        m
        and not _SEQ_LABEL_ONLY.match(m.group("series").strip())
        and (pos := _position(m.group("word") or m.group("num"))) is not None
    ):
        _add(rows, source, "series", m.group("series").strip(" ,"), "scheme.series_number_title")
        _add(rows, source, "sequence", pos, "scheme.series_number_title")
        text = m.group("title").strip()
        titles.append((text, "scheme.series_number_title"))
    else:
        m = _LEADING_BOOK_NUM.match(text) or _TITLE_BOOK_NUM.match(text)
        if m and (pos := _position(m.group("pos"))) is not None:
            _add(rows, source, "sequence", pos, "scheme.book_number")
            text = m.group("title").strip(" -,")
            titles.append((text, "scheme.book_number"))
    if author_rule is not None:
        titles.append((text, author_rule))

    # 'Author - Title' / 'Title - Author' when no author folder says who wrote it.
    elif not has_author_folder:
        pieces = [p.strip() for p in text.split(" - ")]
        if len(pieces) == 1:
            _glued_author_title(rows, titles, text, source, known, separated)
        elif len(pieces) == 2 and all(pieces):
            left, right = pieces
            left_names = parse_name_string(left) if _looks_like_names(left) else []
            right_names = parse_name_string(right) if _looks_like_names(right) else []
            # Both sides name-shaped ('Beautiful Darkness - Kami Garcia'): a side another source
            # names as the author settles it; otherwise keep both readings, unless the left is a
            # list of people ('Gaiman & Pratchett - Good Omens'), which no title looks like.
            left_known = any(_name_key(n) in known for n in left_names)
            right_known = any(_name_key(n) in known for n in right_names)
            if left_known == right_known and left_names and right_names:
                # Nobody else names the author: 'Marr, Melissa' or 'J.R.R. Tolkien' is a person, a title never is.
                left_known, right_known = bool(_PERSONISH.match(left)), bool(_PERSONISH.match(right))
            if left_known != right_known:
                left_names, right_names = (left_names, []) if left_known else ([], right_names)
            if left_names:
                for i, name in enumerate(left_names):
                    _add(rows, source, "author", name, "scheme.author_dash_title", i)
                titles.append((right, "scheme.author_dash_title"))
            if len(left_names) < 2 and right_names:
                for i, name in enumerate(right_names):
                    _add(rows, source, "author", name, "scheme.title_dash_author", i)
                titles.append((left, "scheme.title_dash_author"))

    seen = {abs_title} if abs_title else set()
    for title, rule in titles:
        if title and title not in seen:
            seen.add(title)
            _add(rows, source, "title", title, rule)


def _title_by_author(
    text: str, has_author_folder: bool, known: frozenset[str], release: bool
) -> tuple[list[str], str] | None:
    """(authors, title) of 'The Elves Of Cintra by Terry Brooks': what follows the last ' by ' is a
    name another source gives, or, in a release name (`release`: separators or release notes) with
    no author folder, name-shaped ('Stand by Me' has no author in it). A plain 'Saved by Grace
    Alone' is left whole: titles say 'by' too."""
    matches = list(_BY.finditer(text))
    if not matches:
        return None
    found = matches[-1]
    left, right = text[: found.start()].strip(" -,"), text[found.end() :].strip(" -,")
    if not left or not right or " - " in right:
        return None
    names = parse_name_string(right)
    if names and all(_name_key(n) in known for n in names):
        return names, left
    if not names or has_author_folder or not release or not _looks_like_names(right):
        return None
    return names, left


def _glued_name(words: list[str], any_case: bool) -> bool:
    """'John Grisham', 'Mary Higgins Clark', 'George R R Martin': a person's name at the start (or
    end) of a name with no dash. The last word is a surname, never an initial; a four-word name is
    a first name and two initials. A bare 'A' is the article, not an initial."""
    if not 2 <= len(words) <= 4 or words[0].lower() in _ARTICLES or len(words[-1].rstrip(".")) < 2:
        return False
    for w in words:
        bare = w.lower().rstrip(".")
        if bare in _NOT_NAME_WORDS or any(c.isdigit() for c in w):
            return False
        if not any_case and not _NAME_TOKEN.match(w):
            return False

    def initial(w: str) -> bool:
        return len(w.rstrip(".")) == 1 and (w.endswith(".") or w.lower() != "a")

    if any(len(w.rstrip(".")) == 1 and not initial(w) for w in words):
        return False
    return len(words) < 4 or all(initial(w) for w in words[1:-1])


def _glued_author_title(
    rows: list[Evidence],
    titles: list[tuple[str, str]],
    text: str,
    source: str,
    known: frozenset[str],
    separated: bool,
) -> None:
    """'John Grisham A Time to Kill' (from 'John_Grisham_A_Time_to_Kill'): no dash says where the
    author ends, so each name-shaped start of 2-4 words is a hypothesis (rule
    `scheme.glued_author_title`), its own ordinal per hypothesis. A start (or an end: rule
    `scheme.glued_title_author`) another source names as the author settles it; without one, only
    names written with separators get hypotheses, each leaving a title of two words or more."""
    words = text.split()
    if len(words) < 3:
        return
    any_case = text.islower() or text.isupper()
    found: list[tuple[list[str], str, str, bool]] = []  # (names, title, rule, known)
    for k in (2, 3, 4):
        if k >= len(words):
            break
        if _glued_name(words[:k], any_case):
            names = parse_name_string(" ".join(words[:k]))
            is_known = bool(names) and all(_name_key(n) in known for n in names)
            found.append((names, " ".join(words[k:]), "scheme.glued_author_title", is_known))
        if _glued_name(words[-k:], any_case):
            names = parse_name_string(" ".join(words[-k:]))
            if names and all(_name_key(n) in known for n in names):
                found.append((names, " ".join(words[:-k]), "scheme.glued_title_author", True))
    settled = [f for f in found if f[3]]
    if settled:
        found = settled
    elif separated:
        found = [f for f in found if f[2] == "scheme.glued_author_title" and len(f[1].split()) >= 2]
    else:
        return
    for i, (names, title, rule, _) in enumerate(found):
        for j, name in enumerate(names):
            _add(rows, source, "author", name, rule, i + j)
        titles.append((title, rule))


def clean_release_name(value: str) -> str:
    """A name without its separators, release notes, cut-off bracket and 'Read by' note:
    'frances-mayes-bella-tuscany-abr-abook' -> 'frances mayes bella tuscany',
    'Natsuo Kirino - Out (Unabridged) [MP3 19' -> 'Natsuo Kirino - Out'. Who wrote it stays."""
    if not isinstance(value, str) or len(value) > _MAX_SCHEME_LEN:
        return value
    text, _ = _strip_noise(_strip_read_by(respace(value))[0])
    return text or value


def title_readings(
    value: str | None, source: str, known_authors: Iterable[str] = (), track: bool = False
) -> list[Evidence]:
    """The schemes' readings of a title another source carries (a tag album, an ABS title), as rows
    of that `source` with `scheme.*` rules, so each source's own best reading can agree with the book.

    Rippers copy the release name into the album tag and ABS copies it into the title when nothing
    better exists ('frances-mayes-bella-tuscany-abr-abook', 'Max_Frisch_Homo_Faber'), so a title
    written like a release name (separators, release tags, bracketed notes, a cut-off bracket, a
    'Read by' note) is read the way a folder is. Any other title is read only when that reading takes
    out an author `known_authors` names ('Natsuo Kirino - Out' tagged by Natsuo Kirino): 'Star Wars
    - Thrawn' as an ABS title is a title, not an author and a title. `track=True` is a track's own
    title (a tag title standing in for the album): a trailing track number goes first.
    """
    rows: list[Evidence] = []
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_SCHEME_LEN:
        return rows
    text = value.strip()
    separated = uses_separators(text)
    spaced = respace(text)
    base = text
    if track:
        if _TRACK_ONLY.match(spaced) or _CHAPTERISH.match(spaced):
            return rows  # 'Part 1', 'Chapter 3': the track's name, not the book's
        cut = _TRAILING_TRACK.sub("", spaced, count=1).strip()
        if cut and cut != spaced and not _CHAPTERISH.match(cut):
            base = spaced = cut
    plain, narrators = _strip_read_by(spaced)
    release = separated or spaced != text or bool(narrators) or bool(_strip_noise(plain)[1])
    known = frozenset(_name_key(n) for n in known_authors)
    if not release and not known:
        return rows  # a plain title and nobody to take out of it
    _schemes(
        rows, base, has_author_folder=False, abs_title=text, source=source, known=known, separated=separated
    )
    if base != text and not any(e.field == "title" for e in rows):
        _add(rows, source, "title", base, "scheme.clean_title")
    if release or any(e.field == "author" and _name_key(e.value) in known for e in rows):
        return rows
    return []


# ---------------------------------------------------------------------------------------------
# File names
# ---------------------------------------------------------------------------------------------

_TRACK_ONLY = re.compile(
    r"^(?:(?:track|trk|part|pt|chapter|chap|ch|disc|disk|cd|side|file|section|kapitel|chapitre)[\s._-]*)?"
    r"\d{1,4}(?:[\s._-]*(?:of|-|_)[\s._-]*\d{1,4})?$",
    re.I,
)
_LEADING_TRACK = re.compile(r"^\s*(?:(?:track|trk|cd|disc|disk)\s*)?\d{1,4}(?:\s*[-._)]\s*|\s+)(?=\D)", re.I)
_TRAILING_TRACK = re.compile(
    r"(?:\s*[-_,]\s*|\s+)(?:(?:track|trk|part|pt|chapter|ch|cd|disc|disk|file)[\s._-]*)?\(?\d{1,4}(?:\s*of\s*\d{1,4})?\)?$",
    re.I,
)
_CHAPTERISH = re.compile(
    r"^(?:chapter|ch\.?|prologue|epilogue|intro(?:duction)?|opening credits|closing credits|credits|preface|"
    r"foreword|afterword|acknowledg(?:e)?ments|part|track|interlude|appendix|end credits|"
    r"chapter\s+" + _NUMBER + r"|(?:chapter|part)\s+" + _NUMBER + r"\b.*)$",
    re.I,
)

_FILE_ASIN = re.compile(r"\s*\[(?P<asin>[A-Z0-9]{10})\]")
_CHAPTER_TAIL = re.compile(r"^\s*-\s*\d{1,4}(?:\s*-.*)?$")


def parse_filename(filename: str, known_authors: Iterable[str] = ()) -> list[Evidence]:
    """Evidence from one audio file name; empty for pure track/part/chapter names ('01 - Prologue.mp3')."""
    rows: list[Evidence] = []
    if not isinstance(filename, str) or not filename.strip():
        return rows
    stem, _ = _split_ext(filename.rsplit("/", 1)[-1])
    if len(stem) > _MAX_SCHEME_LEN:
        return rows
    spaced = respace(stem)
    separated = uses_separators(stem)
    stem = spaced.replace("_", " ").strip()
    if not stem or _TRACK_ONLY.match(stem):
        return rows
    # Libation names files '<title> [<ASIN>]' and chapter files '<title> [<ASIN>] - 01 - <chapter>'.
    m = _FILE_ASIN.search(stem)
    if m:
        _add(rows, "filename", "asin", m.group("asin"), "scheme.asin")
        rest = stem[m.end() :]
        stem = _WS.sub(" ", stem[: m.start()] + ("" if _CHAPTER_TAIL.match(rest) else rest)).strip()
        if not stem:
            return rows
    name = _LEADING_TRACK.sub("", stem, count=1).strip()
    name = _TRAILING_TRACK.sub("", name, count=1).strip() or name
    if not name or _TRACK_ONLY.match(name) or _CHAPTERISH.match(name):
        return rows
    clean, _ = _strip_noise(_strip_read_by(name)[0])
    _add(rows, "filename", "title", clean or name, "filename.stem")
    known = frozenset(_name_key(n) for n in known_authors)
    _schemes(
        rows,
        name,
        has_author_folder=False,
        abs_title=clean or name,
        source="filename",
        known=known,
        separated=separated,
    )
    # The schemes add alternative titles; the filename.stem row already holds the plain reading.
    return rows


def filename_evidence(item: dict) -> list[Evidence]:
    files = _audio_files(item)
    if not files:
        return []
    meta = files[0].get("metadata")
    if not isinstance(meta, dict):
        return []
    return parse_filename(meta.get("filename") or "")


# ---------------------------------------------------------------------------------------------
# Tags: ABS metaTags mapping (BookScanner / AudioFileScanner, 2.36) and mutagen readers
# ---------------------------------------------------------------------------------------------

_GENRE_SPLIT = re.compile(r"//|/|;")
_GROUPING_SERIES = re.compile(r"^(?P<name>.+?)(?:\s+#(?P<seq>[^#\s]+))?$")
_YEAR_IN = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")


_DESCRIPTION_CAP = 2000


def _cap(text: str | None) -> str | None:
    """Descriptions as evidence are for phrases like 'Book 3 of the X series', which come early; a
    whole blurb per item would multiply the evidence table's size for nothing."""
    return text[:_DESCRIPTION_CAP] if isinstance(text, str) else None


def tags_evidence(
    tags: dict,
    rule: str = "tags.abs_metatags",
    known_authors: Iterable[str] | None = None,
    known_narrators: Iterable[str] | None = None,
) -> list[Evidence]:
    """What ABS would take from one audio file's tags (metaTags keys: tagAlbum, tagArtist, ...).

    Extra keys the file readers add (`tagNarrator`) are used too: an explicit narrator tag beats
    the composer, which is only ABS's convention for the narrator.

    Without `known_authors`/`known_narrators` the people are mapped exactly as ABS maps them
    (tagArtist, else tagAlbumArtist -> authors; tagComposer -> narrators). With them (names that
    sources independent of these tags give), roles tools wrote into the wrong tag are put back;
    see `_tag_people`.
    """
    rows: list[Evidence] = []
    if not isinstance(tags, dict):
        return rows

    def get(key: str) -> str | None:
        v = tags.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        return v.strip() if isinstance(v, str) and v.strip() else None

    title = get("tagAlbum") or get("tagTitle")
    _add(rows, "tags", "title", title, rule)
    _add(rows, "tags", "subtitle", get("tagSubtitle"), rule)
    if known_authors is None and known_narrators is None:
        authors = [(n, rule) for n in parse_name_string(get("tagArtist") or get("tagAlbumArtist"))]
        narrators = [(n, rule) for n in parse_name_string(get("tagNarrator") or get("tagComposer"))]
    else:
        authors, narrators = _tag_people(get, rule, known_authors or (), known_narrators or ())
    for i, (name, how) in enumerate(authors):
        _add(rows, "tags", "author", name, how, i)
    for i, (name, how) in enumerate(narrators):
        _add(rows, "tags", "narrator", name, how, i)
    # A release name copied into the album: read like the folder, the tags' own authors settling it.
    people = [n for n, _ in authors] + list(known_authors or ())
    rows += title_readings(title, "tags", people, track=not get("tagAlbum"))

    series, parts = get("tagSeries"), get("tagSeriesPart")
    if series:
        names = [s.strip() for s in series.split(";")]
        seqs = [s.strip() for s in parts.split(";")] if parts else []
        if len(seqs) != len(names):  # ABS pairs them only when the lists have equal length
            names, seqs = [series], [parts] if parts else []
        for i, name in enumerate(names):
            _add(rows, "tags", "series", name, rule, i)
            if i < len(seqs):
                _add(rows, "tags", "sequence", seqs[i], rule, i)
    elif grouping := get("tagGrouping"):
        for i, chunk in enumerate(c.strip() for c in grouping.split(";")):
            m = _GROUPING_SERIES.match(chunk)
            if m:
                _add(rows, "tags", "series", m.group("name"), rule, i)
                _add(rows, "tags", "sequence", m.group("seq"), rule, i)

    if genre := get("tagGenre"):
        for i, g in enumerate(dict.fromkeys(g.strip() for g in _GENRE_SPLIT.split(genre) if g.strip())):
            _add(rows, "tags", "genre", g, rule, i)
    if date := get("tagDate"):
        m = _YEAR_IN.search(date)
        _add(rows, "tags", "year", m.group(1) if m else None, rule)
        if date != (m.group(1) if m else None):
            _add(rows, "tags", "date", date, rule)
    _add(rows, "tags", "publisher", get("tagPublisher"), rule)
    _add(rows, "tags", "isbn", get("tagIsbn"), rule)
    _add(rows, "tags", "asin", get("tagASIN"), rule)
    _add(rows, "tags", "language", get("tagLanguage"), rule)
    _add(rows, "tags", "description", _cap(get("tagDescription") or get("tagComment")), rule)
    return rows


def _tag_people(
    get: Any, rule: str, known_authors: Iterable[str], known_narrators: Iterable[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(authors, narrators) as (name, rule) from the artist/album artist/composer/narrator tags,
    with the roles tools swap put back. Rules name the correction:

    - `<rule>.album_artist_as_author`: the artist is no author another source names, and the
      album artist differs from it and either is one, or the composer repeats the artist (the
      narrator written twice);
    - `<rule>.composer_as_author`: the composer is an author another source names and the artist
      is not (m4b-tool's `--writer`, some rippers);
    - `<rule>.artist_as_narrator`: the artist whose role went to the album artist or composer, or
      an artist another source names as the narrator (and not as an author).
    A composer who repeats the author is the author written twice, not a narrator; placeholder
    names ('Unknown Artist') are nobody. Names match on surname + first initial, so 'King, Stephen'
    is 'Stephen King'.
    """
    ka = {person_key(n) for n in known_authors} - {""}
    kn = {person_key(n) for n in known_narrators} - {""}
    # 'Unknown Artist', 'Various Artists', 'Audiobook': placeholders rippers write, not people.
    artist, album_artist, composer, narrator_tag = (
        [n for n in parse_name_string(get(key)) if not is_container_folder(n)]
        for key in ("tagArtist", "tagAlbumArtist", "tagComposer", "tagNarrator")
    )

    def keys(names: list[str]) -> set[str]:
        return {person_key(n) for n in names} - {""}

    def is_narrator(n: str) -> bool:
        return person_key(n) in kn and person_key(n) not in ka

    slot = artist or album_artist  # ABS's author slot
    moved: list[str] = []
    how = ""
    if not keys(slot) & ka:
        if (
            artist
            and album_artist
            and keys(album_artist) != keys(artist)
            and (keys(album_artist) & ka or (composer and keys(composer) == keys(artist)))
        ):
            moved, how = album_artist, "album_artist_as_author"
        elif composer and keys(composer) != keys(slot) and keys(composer) & ka:
            moved, how = [n for n in composer if not is_narrator(n)], "composer_as_author"
    authors = [(n, f"{rule}.{how}") for n in moved]
    narrators: list[tuple[str, str]] = []
    for n in slot:
        if (moved and person_key(n) not in keys(moved)) or is_narrator(n):
            narrators.append((n, f"{rule}.artist_as_narrator"))
        elif not moved:
            authors.append((n, rule))
    author_keys = keys([n for n, _ in authors])
    for n in narrator_tag or composer:
        if person_key(n) not in author_keys and person_key(n) not in keys([m for m, _ in narrators]):
            narrators.append((n, rule))
    return authors, narrators


# Raw tag name (lower-case) -> metaTags key, per format. ABS's prober lookups (utils/prober.js) plus
# the audiobook conventions of m4b (©nrt, freeform iTunes atoms), ID3 (TXXX, MVNM/MVIN) and Vorbis.
_VORBIS_MAP = {
    "album": "tagAlbum",
    "title": "tagTitle",
    "subtitle": "tagSubtitle",
    "artist": "tagArtist",
    "albumartist": "tagAlbumArtist",
    "album_artist": "tagAlbumArtist",
    "album artist": "tagAlbumArtist",
    "composer": "tagComposer",
    "narrator": "tagNarrator",
    "narratedby": "tagNarrator",
    "reader": "tagNarrator",
    "series": "tagSeries",
    "show": "tagSeries",
    "mvnm": "tagSeries",
    "seriespart": "tagSeriesPart",
    "series-part": "tagSeriesPart",
    "series_part": "tagSeriesPart",
    "mvin": "tagSeriesPart",
    "part": "tagSeriesPart",
    "grouping": "tagGrouping",
    "grp1": "tagGrouping",
    "genre": "tagGenre",
    "date": "tagDate",
    "year": "tagDate",
    "publisher": "tagPublisher",
    "label": "tagPublisher",
    "isbn": "tagIsbn",
    "asin": "tagASIN",
    "audible_asin": "tagASIN",
    "language": "tagLanguage",
    "lang": "tagLanguage",
    "description": "tagDescription",
    "comment": "tagComment",
    "tracknumber": "tagTrack",
    "discnumber": "tagDisc",
}
_MP4_MAP = {
    "©alb": "tagAlbum",
    "©nam": "tagTitle",
    "©art": "tagArtist",
    "aart": "tagAlbumArtist",
    "©wrt": "tagComposer",
    "©nrt": "tagNarrator",
    "©grp": "tagGrouping",
    "©gen": "tagGenre",
    "©day": "tagDate",
    "desc": "tagDescription",
    "ldes": "tagDescription",
    "©cmt": "tagComment",
    "©pub": "tagPublisher",
    "©mvn": "tagSeries",
    "©mvi": "tagSeriesPart",
}
_ID3_MAP = {
    "TALB": "tagAlbum",
    "TIT2": "tagTitle",
    "TIT3": "tagSubtitle",
    "TPE1": "tagArtist",
    "TPE2": "tagAlbumArtist",
    "TCOM": "tagComposer",
    "TCON": "tagGenre",
    "TDRC": "tagDate",
    "TYER": "tagDate",
    "TPUB": "tagPublisher",
    "GRP1": "tagGrouping",
    "TIT1": "tagGrouping",
    "MVNM": "tagSeries",
    "MVIN": "tagSeriesPart",
    "TLAN": "tagLanguage",
    "TRCK": "tagTrack",
    "TPOS": "tagDisc",
}


def _first_text(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        if not value:
            return None
        value = value[0]
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, tuple):  # mp4 trkn/disk pairs
        value = "/".join(str(v) for v in value if v)
    if value is None:
        return None
    text = str(value).strip().replace("\x00", "")
    return text or None


def _put(out: dict, key: str | None, value: Any) -> None:
    text = _first_text(value)
    if key and text and key not in out:
        out[key] = text


def read_file_tags(path: str | Path) -> dict[str, str]:
    """Tags of one audio file as metaTags-style keys (`tagAlbum`, `tagArtist`, ..., plus `tagNarrator`).

    Supports m4b/m4a/mp4 (MP4 atoms), mp3 (ID3), flac/ogg/opus (Vorbis comments). A file without
    tags gives {}. Raises TagReadError (with the path and reason) for missing, unreadable or corrupt files.
    """
    import mutagen
    from mutagen.id3 import ID3FileType
    from mutagen.mp4 import MP4

    path = Path(path)
    if not path.is_file():
        raise TagReadError(path, "file not found (check SHELFMATCH_PATH_MAP points at the library)")
    try:
        audio = mutagen.File(path)
    except FileNotFoundError:
        raise TagReadError(path, "file not found") from None
    except PermissionError:
        raise TagReadError(path, "permission denied") from None
    except (mutagen.MutagenError, OSError, ValueError, EOFError, IndexError, KeyError) as exc:
        raise TagReadError(path, f"corrupt or unsupported audio file ({type(exc).__name__}: {exc})") from None
    if audio is None:
        raise TagReadError(path, "not a recognised audio file (no m4b/mp3/flac/ogg/opus header found)")
    tags = audio.tags
    out: dict[str, str] = {}
    if not tags:
        return out
    if isinstance(audio, MP4):
        for key, value in tags.items():
            lk = key.lower()
            if lk.startswith("----:"):
                _put(out, _VORBIS_MAP.get(lk.rsplit(":", 1)[-1]), value)
            elif lk in ("trkn", "disk"):
                _put(out, "tagTrack" if lk == "trkn" else "tagDisc", value)
            else:
                _put(out, _MP4_MAP.get(lk), value)
    elif isinstance(audio, ID3FileType):
        for frame in tags.values():
            fid = frame.FrameID
            if fid == "TXXX":
                _put(out, _VORBIS_MAP.get(frame.desc.lower()), frame.text)
            elif fid == "COMM" and not frame.desc.startswith("iTun"):  # iTunNORM/iTunSMPB are encoder data
                _put(out, "tagComment", frame.text)
            elif fid in _ID3_MAP:
                _put(out, _ID3_MAP[fid], [str(t) for t in frame.text] if hasattr(frame, "text") else None)
    else:  # Vorbis comments (flac, ogg, opus) and anything else dict-like
        try:
            items = list(tags.items())
        except Exception as exc:  # a foreign tag container mutagen can open but not list
            raise TagReadError(path, f"tags present but unreadable ({type(exc).__name__})") from None
        for key, value in items:
            _put(out, _VORBIS_MAP.get(str(key).lower()), value)
    return out


def _file_format(path: Path) -> str:
    return path.suffix.lower().lstrip(".") or "unknown"


# ---------------------------------------------------------------------------------------------
# Current ABS metadata and the whole item
# ---------------------------------------------------------------------------------------------


def _audio_files(item: dict) -> list[dict]:
    media = item.get("media")
    files = media.get("audioFiles") if isinstance(media, dict) else None
    if not isinstance(files, list):
        return []
    files = [f for f in files if isinstance(f, dict)]

    def order(f: dict) -> tuple[int, int]:
        idx = f.get("index")
        return (0, idx) if isinstance(idx, int) and not isinstance(idx, bool) else (1, 0)

    return sorted((f for f in files if not f.get("exclude")), key=order)


def abs_evidence(metadata: dict) -> list[Evidence]:
    """Rows for the item's current ABS metadata (`media.metadata`)."""
    rows: list[Evidence] = []
    if not isinstance(metadata, dict):
        return rows
    rule = "abs.metadata"
    for key, fld in (
        ("title", "title"),
        ("subtitle", "subtitle"),
        ("publisher", "publisher"),
        ("isbn", "isbn"),
        ("asin", "asin"),
        ("language", "language"),
    ):
        _add(rows, "abs", fld, metadata.get(key), rule)
    plain = metadata.get("descriptionPlain") or metadata.get("description")
    if isinstance(plain, str):
        _add(rows, "abs", "description", _cap(plain), rule)
    year = metadata.get("publishedYear")
    if isinstance(year, (str, int)) and not isinstance(year, bool):
        year = str(year).strip()
        m = _YEAR_IN.search(year)
        _add(rows, "abs", "year", m.group(1) if m else year, rule)
        if m and year != m.group(1):
            _add(rows, "abs", "date", year, rule)
    authors = metadata.get("authors")
    if isinstance(authors, list):
        names = [a.get("name") if isinstance(a, dict) else None for a in authors]
        for i, name in enumerate(n for n in names if isinstance(n, str) and n.strip()):
            _add(rows, "abs", "author", name, rule, i)
    for key, fld in (("narrators", "narrator"), ("genres", "genre")):
        values = metadata.get(key)
        if isinstance(values, list):
            for i, v in enumerate(v for v in values if isinstance(v, str) and v.strip()):
                _add(rows, "abs", fld, v, rule, i)
    series = metadata.get("series")
    if isinstance(series, list):
        i = 0
        for s in series:
            if isinstance(s, dict) and isinstance(s.get("name"), str) and s["name"].strip():
                _add(rows, "abs", "series", s["name"], rule, i)
                _add(rows, "abs", "sequence", s.get("sequence"), rule, i)
                i += 1
    if metadata.get("abridged") is True:
        _add(rows, "abs", "edition", "abridged", rule)
    return rows


def evidence_for_item(
    item: dict, settings: Any = None, problems: list[TagReadError] | None = None
) -> list[Evidence]:
    """All evidence rows for one expanded ABS item (sources abs, path, filename, tags).

    Missing keys or nulls anywhere just give fewer rows. Raises ValueError when `item` is not an
    item at all (not a dict, or no string `relPath`/`path` to read). Tags are read from the file
    only when `settings.local_path()` maps its path to a file that exists; a file that cannot be
    read raises TagReadError — unless `problems` is given, then the error is appended there and
    the other evidence is still returned.
    """
    if not isinstance(item, dict):
        raise ValueError(f"an ABS item must be a dict, got {type(item).__name__}")
    rel_path = item.get("relPath")
    if not isinstance(rel_path, str) or not rel_path.strip():
        path = item.get("path")
        if isinstance(path, str) and path.strip():
            rel_path = path.rstrip("/").rsplit("/", 1)[-1]
        else:
            raise ValueError(f"item {item.get('id')!r} has no relPath or path to parse")

    media = item.get("media")
    metadata = media.get("metadata") if isinstance(media, dict) else None
    abs_rows = abs_evidence(metadata) if isinstance(metadata, dict) else []
    files = _audio_files(item)
    first = files[0] if files else {}
    meta = first.get("metadata") if isinstance(first.get("metadata"), dict) else {}
    tag_sets: list[tuple[dict, str]] = []  # (metaTags-style tags, rule)
    if files:
        tag_sets.append((first.get("metaTags") or {}, "tags.abs_metatags"))
    if files and settings is not None and getattr(settings, "path_map", None):
        local = settings.local_path(meta.get("path"))
        if local is not None and local.is_file():
            try:
                file_tags = read_file_tags(local)
            except TagReadError as exc:
                if problems is None:
                    raise
                problems.append(exc)
            else:
                tag_sets.append((file_tags, f"tags.file.{_file_format(local)}"))
    tag_people = [_tag_names(tags) for tags, _ in tag_sets]

    # Authors other sources name, to settle which side of 'A - B' is the person.
    known = [e.value for e in abs_rows if e.field == "author"]
    known += [
        n
        for people in tag_people
        for n in people["author_slot"] + people["album_artist"] + people["composer"]
    ]
    parsed = parse_folder(rel_path, is_file=item.get("isFile") is True, known_authors=known)
    filename_rows = (
        parse_filename(meta.get("filename") or "", known + parsed.values("author")) if files else []
    )
    abs_rows = _discount_misread(abs_rows, parsed.misread)
    abs_rows = _mark_folder_name_title(abs_rows, rel_path, item.get("isFile") is True)
    # An ABS title that is a release name but not the folder's (ABS took it from the album tag):
    # read like the folder. A title copied from the folder is the path's reading already.
    abs_titles = [e.value for e in abs_rows if e.field == "title" and e.rule == "abs.metadata"]
    everyone = known + parsed.values("author") + [e.value for e in filename_rows if e.field == "author"]
    for value in abs_titles:
        abs_rows += title_readings(value, "abs", everyone)

    # The tags' people are checked against what sources independent of them say. ABS metadata counts
    # only where it did not come from these tags (authors <- artist, narrators <- composer).
    from_tags_a = {_name_key(n) for people in tag_people for n in people["author_slot"]}
    from_tags_n = {_name_key(n) for people in tag_people for n in people["composer"]}
    own = [e for e in (*parsed.readings, *filename_rows)]
    known_a = [e.value for e in own if e.field == "author"]
    known_a += [e.value for e in abs_rows if e.field == "author" and _name_key(e.value) not in from_tags_a]
    known_n = [e.value for e in own if e.field == "narrator"]
    known_n += [e.value for e in abs_rows if e.field == "narrator" and _name_key(e.value) not in from_tags_n]
    tag_rows = [row for tags, rule in tag_sets for row in tags_evidence(tags, rule, known_a, known_n)]
    return [*abs_rows, *parsed.readings, *filename_rows, *tag_rows]


def _mark_folder_name_title(rows: list[Evidence], rel_path: str, is_file: bool) -> list[Evidence]:
    """An ABS title that is the item's folder (or root file) name verbatim is what ABS's scanner fell back
    to when nothing else named the book: the path source already reads that name, so the row is kept
    for people (rule `abs.metadata.folder_name`) but is not a second, independent title."""
    name = rel_path.rstrip("/").rsplit("/", 1)[-1]
    if is_file:
        name = _split_ext(name)[0]
    return [
        e._replace(rule="abs.metadata.folder_name")
        if e.field == "title" and e.source == "abs" and e.value.strip() == name.strip()
        else e
        for e in rows
    ]


def _tag_names(tags: dict) -> dict[str, list[str]]:
    """The people one file's tags name, per slot: ABS's author slot (artist, else album artist),
    the album artist and the composer."""

    def names(key: str) -> list[str]:
        v = tags.get(key) if isinstance(tags, dict) else None
        return parse_name_string(v) if isinstance(v, str) else []

    return {
        "author_slot": names("tagArtist") or names("tagAlbumArtist"),
        "album_artist": names("tagAlbumArtist"),
        "composer": names("tagComposer"),
    }


def _discount_misread(abs_rows: list[Evidence], misread: list[tuple[str, str]]) -> list[Evidence]:
    """ABS metadata without the authors and series that are only container folders ('Audiobooks',
    'Unknown', 'mp3') or a folder ABS put in the wrong slot: they name nothing about the book, and
    as evidence they would contradict every right answer."""
    wrong = {(f, _name_key(n)) for f, v in misread for n in (parse_name_string(v) if f == "author" else [v])}
    out = []
    for e in abs_rows:
        if e.field in ("author", "series") and (
            is_container_folder(e.value) or (e.field, _name_key(e.value)) in wrong
        ):
            continue
        out.append(e)
    return out


@lru_cache(maxsize=65536)
def _name_key(name: str) -> str:
    return "".join(c for c in name.casefold() if c.isalnum())
