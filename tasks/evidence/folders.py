"""An item's folder path read as ABS 2.36's scanner reads it (`getBookDataFromDir`, utils/scandir.js),
then again with the common naming schemes ABS misses, with the container folders left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from anyascii import anyascii

from tasks.evidence.abs_names import parse_name_string
from tasks.evidence.rows import Evidence, add_row, fold_key, js_number_string, split_ext
from tasks.evidence.schemes import NO_ONE, looks_like_names, read_schemes
from tasks.normalise import respace, split_disc
from tasks.normalise.vocabulary import AUDIO_FORMATS, BITRATE, DISC_WORDS, alternation

_ASIN = re.compile(r"(?: |^)\[([A-Z0-9]{10})](?= |$)")
_NARRATORS = re.compile(r"^(?P<title>.*) \{(?P<narrators>.*)\}$")
_SEQUENCE = re.compile(
    r"^(?P<label>vol\.? |volume |book )?(?P<seq>\d{0,3}(?:\.\d{1,2})?)(?P<dot>\.?)(?: (?P<suffix>.*))?$",
    re.I | re.ASCII,  # JS \d is ASCII-only
)
_YEAR = re.compile(r"^ *\(?([0-9]{4})\)? * - *(.+)")
_DISC_FOLDER = re.compile(rf"^(?:{alternation(DISC_WORDS)})\s*\d{{1,3}}$", re.I)


def _abs_sequence(folder: str) -> tuple[str, str | None]:
    parts = folder.split(" - ")
    for i, part in enumerate(parts):
        m = _SEQUENCE.match(part)
        # '101 Dalmatians' is not a sequence, '101. Dalmatians' and 'Book 101 Dalmatians' are.
        if m and not (m.group("suffix") and not (m.group("label") or m.group("dot"))):
            sequence = js_number_string(m.group("seq"))
            if m.group("suffix"):
                parts[i] = m.group("suffix")
            else:
                del parts[i]
            return " - ".join(parts), sequence
    return folder, None


# Folders a library keeps books *in* rather than folders that name them: ABS 2.36 still reads them
# as the author or series ("Audiobooks/John Grisham/A Time to Kill" -> author "Audiobooks"). A
# folder is one when every word in it is one of these, a number, a bitrate or a single letter
# ("_Audiobooks", "New Audiobooks 2023", "MP3", "S" of an A-Z shelf, "To Sort", "New Folder", "tmp_rip").
_CONTAINER_WORDS = frozenset((
    "audiobooks", "audiobook", "audio", "book", "books", "ebooks", "ebook", "library", "libraries",
    "media", "files", "data", *AUDIO_FORMATS, "new", "newest", "latest", "unknown", "unsorted", "sorted",
    "unorganized", "unorganised",
    "misc", "miscellaneous", "other", "others", "various", "download", "downloads", "downloaded",
    "complete", "completed", "incomplete", "finished", "done", "incoming", "torrents", "torrent", "tmp",
    "temp", "import", "imports", "imported", "inbox", "staging", "processed", "seeding", "seed", "nzb",
    "usenet", "queue", "to", "sort", "my", "all", "listen", "listened", "unread", "read", "author",
    "authors", "artist", "artists", "narrator", "narrators", "collection", "folder", "old", "rip", "rips",
    # music managers' library folders: 'iTunes/iTunes Media/Music/<Artist>/<Album>', '~/Music'
    "music", "itunes",
    # genre shelves
    "fantasy", "scifi", "sci", "fi", "science", "fiction", "nonfiction", "non", "horror", "thriller",
    "thrillers", "mystery", "mysteries", "romance", "biography", "biographies", "history", "classics",
    "classic", "kids", "children", "childrens", "young", "adult", "ya", "comedy", "humor", "humour",
    "podcast", "podcasts", "crime", "poetry", "literature", "general",
))  # fmt: skip
_CONTAINER_TOKEN = re.compile(rf"^(?:\d+|{BITRATE}|[a-z])$")
# Under a book's own folder only a format folder is a container ('The Stand/mp3'): '1984', 'Unknown'
# or 'New' there are titles.
_FORMAT_FOLDER_WORDS = frozenset((*AUDIO_FORMATS, "audio", "files"))
_FORMAT_TOKEN = re.compile(rf"^{BITRATE}$")
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
    if " ".join(words) in NO_ONE:  # a music manager's folder for a cast's or an unknown disc's artist
        return True
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
    known = frozenset(fold_key(n) for n in known_authors)
    if not isinstance(rel_path, str):
        raise ValueError(f"relPath must be a string, got {type(rel_path).__name__}")
    parsed = ParsedPath(is_file=is_file)
    rows = parsed.readings
    rel = rel_path.replace("\\", "/").strip("/")
    if not rel:
        return parsed

    if is_file:
        name = rel.rsplit("/", 1)[-1]
        stem, ext = split_ext(name)
        parsed.title = stem
        add_row(rows, "path", "title", stem, "abs.single_file")
        if schemes:
            read_schemes(rows, stem, has_author_folder=False, known=known)
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
                    looks_like_names(new_author) or any(fold_key(n) in known for n in names)
                )
                if series_is_author:
                    drop_series = True
            if reread[2] is not None:
                # '…/The Stand/mp3': every slot is one level off, the series slot holds the title folder.
                drop_series = series is not None
                drop_author = author is not None and author != new_author
            if drop_author and author is not None:  # a container folder is a named folder
                parsed.misread.append(("author", author))
            if drop_series and series is not None:
                parsed.misread.append(("series", series))

    if reread is None or reread[2] is None:
        add_row(rows, "path", "title", title, "abs.title_folder")
        add_row(rows, "path", "subtitle", read.subtitle, "abs.subtitle")
    if not drop_author:
        for i, name in enumerate(parsed.authors):
            add_row(rows, "path", "author", name, "abs.author_folder", i)
    for i, name in enumerate(parsed.narrators):
        add_row(rows, "path", "narrator", name, "abs.narrators", i)
    if not drop_series:
        add_row(rows, "path", "series", series, "abs.series_folder")
    add_row(rows, "path", "sequence", read.sequence, "abs.sequence")
    add_row(rows, "path", "year", read.year, "abs.year")
    add_row(rows, "path", "asin", read.asin, "abs.asin")
    if parsed.disc_folder:
        add_row(rows, "path", "disc", parsed.disc_folder, "abs.disc_folder")
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
                    add_row(rows, "path", "author", name, rule, i)
        elif new_author is None:
            effective_authors = []
        if new_series is not None and new_series != series:
            add_row(rows, "path", "series", new_series, rule)
        if new_folder is not None:  # the title folder itself was a container ('…/The Stand/mp3')
            scheme_title = new_folder.title
            add_row(rows, "path", "title", new_folder.title, rule)
            add_row(rows, "path", "sequence", new_folder.sequence, rule)
            add_row(rows, "path", "year", new_folder.year, rule)
            add_row(rows, "path", "asin", new_folder.asin, rule)
            for i, name in enumerate(parse_name_string(new_folder.narrators)):
                add_row(rows, "path", "narrator", name, rule, i)
    # Author and series folders written with '_' or '.' for spaces ('Brandon.Sanderson').
    slot_values = [(a, "author") for a in ([] if drop_author else [author])] + [
        (x, "series") for x in ([] if drop_series else [series])
    ]
    for value, fld in slot_values:
        spaced = respace(value) if value else value
        if spaced and spaced != value:
            if fld == "author":
                for i, name in enumerate(parse_name_string(spaced)):
                    add_row(rows, "path", "author", name, "scheme.separators", i)
                effective_authors = effective_authors or parse_name_string(spaced)
            else:
                add_row(rows, "path", "series", spaced, "scheme.separators")

    # The schemes read what ABS left of the name, so they only add what ABS missed.
    # An author folder's own name settles 'Title by Author' under it.
    known |= {fold_key(n) for n in effective_authors}
    read_schemes(rows, scheme_title, has_author_folder=bool(effective_authors), abs_title=title, known=known)
    return parsed


def _reread_without_containers(
    above: list[str], folder: str, parse_subtitle: bool
) -> tuple[str | None, str | None, _TitleFolder | None] | None:
    """(author, series, title folder) read ABS's way once container folders are left out, or None
    when there is none to leave out. The title folder is re-read only when it was a container: a
    format folder, or one disc of a set that ABS does not fold into its parent ('Disc 3 of 12',
    'CD 3 - Title' under 'Title')."""
    kept = [p for p in above if not is_container_folder(p)]
    title_is_container = bool(kept) and (
        is_container_folder(folder, title_slot=True) or _is_disc_of(folder, kept[-1])
    )
    if len(kept) == len(above) and not title_is_container:
        return None
    new_folder = None
    if title_is_container:
        real = kept.pop()
        new_folder = _read_title_folder(real, len(kept) > 1, parse_subtitle)
    new_series = kept[-1] if len(kept) > 1 else None
    new_author = kept[-2] if len(kept) > 1 else (kept[-1] if kept else None)
    return new_author, new_series, new_folder


def _is_disc_of(folder: str, parent: str) -> bool:
    """'Disc 3 of 12' or 'CD 3 - Title' under 'Title' (or 'Author - Title'): a folder that names only a
    disc of the book its parent folder names."""
    disc = split_disc(folder)
    if disc is None:
        return False
    rest = fold_key(disc.rest)
    return not rest or fold_key(parent).endswith(rest)


def _abs_asin(folder: str) -> tuple[str, str | None]:
    m = _ASIN.search(folder)
    if not m:
        return folder.strip(), None
    # JS String.replace with a string pattern replaces the first occurrence only.
    return folder.replace(m.group(0), "", 1).strip(), m.group(1)
