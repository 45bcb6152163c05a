"""The book metadata a new scan makes and the expanded item's metadata block (BookScanner,
AudioFileScanner and models/Book.js in ABS 2.36)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from emulators.abs_scanner.folders import basename_without_ext, book_data_from_dir
from emulators.abs_scanner.js import js_trim
from emulators.abs_scanner.names import name_to_last_first, parse_name_string


def _parse_series_string(s: str) -> tuple[str, str | None] | None:
    if not s:
        return None
    m = re.search(r" #([^#\s]+)$", s)
    if m:
        return s.replace(m.group(0), "", 1), m.group(1)
    return s, None


def _parse_genres(tag: str) -> list[str]:
    if not tag:
        return []
    for sep in ("/", "//", ";"):
        if sep in tag:
            return [g for g in (js_trim(x) for x in tag.split(sep)) if g]
    return [tag]


_TAG_MAP = (  # (tag, altTag, key) in AudioFileScanner's order
    ("tagComposer", None, "narrators"),
    ("tagDescription", "tagComment", "description"),
    ("tagPublisher", None, "publisher"),
    ("tagDate", None, "publishedYear"),
    ("tagSubtitle", None, "subtitle"),
    ("tagAlbum", "tagTitle", "title"),
    ("tagArtist", "tagAlbumArtist", "authors"),
    ("tagGenre", None, "genres"),
    ("tagSeries", "tagGrouping", "series"),
    ("tagIsbn", None, "isbn"),
    ("tagLanguage", None, "language"),
    ("tagASIN", None, "asin"),
)


def empty_book_metadata(title: str | None = None) -> dict:
    """Scan-shaped book metadata before any source has been read."""
    return {
        "title": title,
        "subtitle": None,
        "authors": [],
        "narrators": [],
        "series": [],
        "genres": [],
        "publishedYear": None,
        "publisher": None,
        "description": None,
        "isbn": None,
        "asin": None,
        "language": None,
    }


def scan_book_metadata(
    rel_path: str,
    is_file: bool,
    meta_tags: dict | None,
    *,
    parse_subtitle: bool = False,
    reader_txt: str | None = None,
    desc_txt: str | None = None,
) -> dict:
    """The book metadata a new scan makes (default precedence: folder, then the first audio file's
    tags, then desc.txt/reader.txt). `series` is a list of (name, sequence-or-None)."""
    if is_file:
        folder = {"title": basename_without_ext(rel_path)}
    else:
        folder = book_data_from_dir(rel_path, parse_subtitle)
    md = empty_book_metadata(folder["title"])
    # folderStructure (LibraryItemScanData.setBookMetadataFromFilenames)
    for key in ("title", "subtitle", "publishedYear", "asin"):
        if folder.get(key):
            md[key] = folder[key]
    if folder.get("authors"):
        md["authors"] = list(folder["authors"])
    if folder.get("narrators"):
        md["narrators"] = list(folder["narrators"])
    if folder.get("seriesName"):
        md["series"] = [(folder["seriesName"], folder.get("seriesSequence") or None)]

    # audioMetatags
    tags = meta_tags or {}
    for tag, alt, key in _TAG_MAP:
        value = tags.get(tag)
        is_alt = False
        if not value and alt:
            value, is_alt = tags.get(alt), True
        if not (value and isinstance(value, str)):
            continue
        value = js_trim(value)
        if key in ("narrators", "authors"):
            md[key] = parse_name_string(value) or []
        elif key == "genres":
            md["genres"] = _parse_genres(value)
        elif key == "series":
            if is_alt:
                series = [p for p in (_parse_series_string(js_trim(s)) for s in value.split(";")) if p]
                if series:
                    md["series"] = series
            else:
                part = tags.get("tagSeriesPart")
                if ";" in value and part and ";" in part:
                    names = [s for s in (js_trim(x) for x in value.split(";")) if s]
                    seqs = [s for s in (js_trim(x) for x in part.split(";")) if s]
                    if len(names) > 1 and len(names) == len(seqs):
                        md["series"] = [(n, seqs[i] or None) for i, n in enumerate(names)]
                        continue
                md["series"] = [(value, part or None)]
        else:
            md[key] = value

    # txtFiles
    if desc_txt is not None and js_trim(desc_txt):
        md["description"] = js_trim(desc_txt)
    if reader_txt is not None:
        first_line = js_trim(re.split(r"\r?\n", reader_txt)[0])
        if first_line:
            md["narrators"] = parse_name_string(first_line) or []
    return md


# --- expanded JSON ------------------------------------------------------------------------------------------


def title_prefix_at_end(title: str | None, prefixes: tuple[str, ...] = ("the", "a")) -> str | None:
    """utils/index.js getTitlePrefixAtEnd with the default sortingPrefixes: 'The X' -> 'X, The'."""
    if not title:
        return title
    for prefix in prefixes:
        if title.lower().startswith(prefix + " "):
            return f"{title[len(prefix) + 1 :]}, {prefix[:1].upper() + prefix[1:]}"
    return title


@dataclass
class LibraryScanState:
    """The library-wide part of a scan: authors and series already created, in one library.

    `new_id` makes the id of a new author or series (callers pass a seeded generator)."""

    new_id: object
    authors: dict[str, tuple[str, str]] = field(default_factory=dict)  # lower name -> (id, stored name)
    series: dict[str, tuple[str, str]] = field(default_factory=dict)  # lower name -> (id, stored name)

    def expanded_metadata(self, md: dict) -> dict:
        """media.metadata of the new item, as GET /api/items/:id?expanded=1 shows it."""
        new_links, old_links = [], []
        for name in md["authors"]:
            key = name.lower()  # Author.getByNameAndLibrary: case-insensitive
            if key in self.authors:
                old_links.append(self.authors[key])
            else:
                entry = (self.new_id(), name)
                self.authors[key] = entry
                new_links.append(entry)
        authors = [{"id": i, "name": n} for i, n in new_links + old_links]
        series = []
        for name, seq in md["series"]:
            if not name:
                continue
            key = name.lower()  # Series.getByNameAndLibrary matches like authors do
            if key not in self.series:
                self.series[key] = (self.new_id(), name)
            sid, sname = self.series[key]
            series.append({"id": sid, "name": sname, "sequence": seq})
        description = md.get("description")
        return metadata_record(
            md,
            authors,
            series,
            title_ignore_prefix=title_prefix_at_end(md["title"]),
            author_name_lf=", ".join(name_to_last_first(a["name"]) or "" for a in authors),
            explicit=bool(md.get("explicit")),
            description_plain=re.sub(r"<[^>]*>", "", description) if description else None,
        )


def metadata_record(
    md: dict,
    authors: list[dict],
    series: list[dict],
    *,
    title_ignore_prefix: str | None,
    author_name_lf: str,
    explicit: bool,
    description_plain: str | None,
) -> dict:
    """media.metadata in the key order of GET /api/items/:id?expanded=1, from scan-shaped `md`, the linked
    authors and series, and the derived fields the caller computes."""
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
        "description": md.get("description"),
        "isbn": md["isbn"],
        "asin": md["asin"],
        "language": md["language"],
        "explicit": explicit,
        "abridged": bool(md.get("abridged")),
        "titleIgnorePrefix": title_ignore_prefix,
        "authorName": ", ".join(a["name"] for a in authors),
        "authorNameLF": author_name_lf,
        "narratorName": ", ".join(narrators),
        "seriesName": ", ".join(
            f"{s['name']} #{s['sequence']}" if s["sequence"] else s["name"] for s in series
        ),
        "descriptionPlain": description_plain,
    }
