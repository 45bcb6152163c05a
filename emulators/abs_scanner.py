"""What a freshly scanned Audiobookshelf 2.36 book shows, ported from ABS's own server code.

Generated libraries need the `media.metadata` that ABS's scanner makes of an item's folder path and
its first audio file's tags. This module reproduces that from the ABS sources (advplyr/audiobookshelf
at 2.36.0, commit 1b46d68), independently of the product's own path and tag reading, so a mistake in
the product's parser cannot leak into the test data:

- `book_data_from_dir`: server/utils/scandir.js `getBookDataFromDir` (ASIN, narrators, sequence,
  year, optional subtitle from the last folder; series and author from the two folders above it);
- `parse_name_string` / `name_to_last_first`: server/utils/parsers/parseNameString.js, with its
  helper parseFullName.js (a port of RateGravity/parse-full-name, short lists, case fixing);
- `meta_tags_from_probe`: server/utils/prober.js `parseTags` + objects/metadata/AudioMetaTags.js
  (which raw ffprobe format tags become tagAlbum, tagArtist, tagComposer, tagSeries, ...);
- `scan_book_metadata`: scanner/BookScanner.js `getBookMetadataFromScanData` with the default
  metadataPrecedence (folderStructure, then audioMetatags from the first audio file as in
  AudioFileScanner.setBookMetadataFromAudioMetaTags, then txtFiles; no nfo/opf/metadata.json);
- `LibraryScanState.expanded_metadata`: the expanded item's metadata block (models/Book.js
  oldMetadataToJSONExpanded), with the library-wide effects of a scan: an author or series already
  in the library keeps its stored name and id, and a book's links to authors that already existed are
  listed after its new ones (BookScanner.scanNewBookLibraryItem gives new links an explicit, earlier
  createdAt) — which is why the real server lists "Dan Wells, Brandon Sanderson" for the tag
  "Sanderson, Brandon & Wells, Dan" once Brandon Sanderson is known.

JavaScript quirks are kept on purpose (they are what the server does): `Number(seq).toString()`
for sequences, first-occurrence `String.replace`, a single-name string parsed as one full name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "LibraryScanState",
    "book_data_from_dir",
    "meta_tags_from_probe",
    "name_to_last_first",
    "parse_full_name",
    "parse_name_string",
    "scan_book_metadata",
    "title_prefix_at_end",
]

# --- parseFullName.js (short lists: the only ones parseNameString uses) ------------------------------

_CONJUNCTIONS = ("&", "and", "et", "e", "of", "the", "und", "y")
_SUFFIXES = ("esq", "esquire", "jr", "jnr", "sr", "snr", "2", "ii", "iii", "iv", "md", "phd", "j.d.", "ll.m.",
             "m.d.", "d.o.", "d.c.", "p.c.", "ph.d.")  # fmt: skip
_PREFIXES = ("ab", "bar", "bin", "da", "dal", "de", "de la", "del", "della", "der", "di", "du", "ibn", "l'",
             "la", "le", "san", "st", "st.", "ste", "ter", "van", "van de", "van der", "van den", "vel", "ver",
             "vere", "von")  # fmt: skip
_TITLES = ("dr", "miss", "mr", "mrs", "ms", "prof", "sir", "frau", "herr", "hr", "monsieur", "captain", "doctor",
           "judge", "officer", "professor", "ind", "misc", "mx")  # fmt: skip
_FORCE_CASE = ("e", "y", "av", "af", "da", "dal", "de", "del", "der", "di", "la", "le", "van", "der", "den", "vel",
               "von", "II", "III", "IV", "J.D.", "LL.M.", "M.D.", "D.O.", "D.C.", "Ph.D.")  # fmt: skip
_FORCE_CASE_LOWER = [w.lower() for w in _FORCE_CASE]
_NICK_RE = re.compile(r"\s(?:[‘’']([^‘’']+)[‘’']|[“”\"]([^“”\"]+)[“”\"]|\[([^\]]+)\]|\(([^\)]+)\)),?\s")
_PART_LABELS = ("title", "first", "middle", "last", "nick", "suffix")


def _js_index(seq: list, value) -> int:
    try:
        return seq.index(value)
    except ValueError:
        return -1


def _fix_case(parsed: dict[str, str]) -> dict[str, str]:
    # The JS loops over every part with the word index `j` also used to pick a part label; the suffix
    # branch therefore only ever fires for a sixth word. Kept as the server has it.
    for label in _PART_LABELS:
        if not parsed[label]:
            continue
        words = str(parsed[label]).split(" ")
        for j, w in enumerate(words):
            k = _js_index(_FORCE_CASE_LOWER, w.lower())
            if k > -1:
                words[j] = _FORCE_CASE[k]
            elif len(w) == 1:
                words[j] = w.upper()
            elif (
                len(w) > 2 and w[:1] == w[:1].upper() and w[1:2] == w[1:2].lower() and w[2:] == w[2:].upper()
            ):
                words[j] = w[:3] + w[3:].lower()
            elif (
                j < len(_PART_LABELS)
                and _PART_LABELS[j] == "suffix"
                and w[-1:] != "."
                and _js_index(list(_SUFFIXES), w.lower()) == 0
            ):
                if w == w.lower():
                    words[j] = w.upper()
            else:
                words[j] = w[:1].upper() + w[1:].lower()
        parsed[label] = " ".join(words)
    return parsed


def _js_trim(s: str) -> str:
    return s.strip(" \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                   "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")  # fmt: skip


def _take_words(
    parts: list[str], commas: list[str | None], vocabulary: tuple[str, ...], lowest: int
) -> str | None:
    """Remove the words of `vocabulary` (a trailing '.' optional) from `parts`, from the last down to
    index `lowest`, keeping `commas` aligned; the removed words joined by ", ", or None."""
    found: list[str] = []
    for i in range(len(parts) - 1, lowest - 1, -1):
        check = parts[i][:-1].lower() if parts[i][-1:] == "." else parts[i].lower()
        if check in vocabulary or (check + ".") in vocabulary:
            found = [parts.pop(i), *found]
            if commas[i] == ",":
                del commas[i + 1]
            else:
                del commas[i]
    return ", ".join(found) if found else None


def parse_full_name(name_to_parse: str | None) -> dict[str, str]:
    """parseFullName(name) with its defaults: {title, first, middle, last, nick, suffix}."""
    parsed = {"title": "", "first": "", "middle": "", "last": "", "nick": "", "suffix": ""}
    if not name_to_parse or not isinstance(name_to_parse, str):
        return parsed  # fixCase is -1 here: no case fixing on empty parts
    name = _js_trim(name_to_parse)
    fix_case = name == name.upper() or name == name.lower()

    def done() -> dict[str, str]:
        return _fix_case(parsed) if fix_case else parsed

    found = [m.group(0) for m in _NICK_RE.finditer(" " + name + " ")]
    if len(found) == 1:
        nick = found[0][2:][:-2]
        parsed["nick"] = nick[:-1] if nick[-1:] == "," else nick
        name = _js_trim((" " + name + " ").replace(found[0], " ", 1))
    elif len(found) > 1:
        nicks = []
        for part in found:
            name = _js_trim((" " + name + " ").replace(part, " ", 1))
            nick = part[2:][:-2]
            nicks.append(nick[:-1] if nick[-1:] == "," else nick)
        parsed["nick"] = ", ".join(nicks)
    if not _js_trim(name):
        return done()

    parts: list[str] = []
    commas: list[str | None] = [None]
    for part in name.split(" "):
        comma = None
        if part[-1:] == ",":
            comma, part = ",", part[:-1]
        parts.append(part)
        commas.append(comma)

    suffix = _take_words(parts, commas, _SUFFIXES, lowest=1)  # the first word is never a suffix
    if suffix is not None:
        parsed["suffix"] = suffix
    if not parts:
        return done()

    title = _take_words(parts, commas, _TITLES, lowest=0)
    if title is not None:
        parsed["title"] = title
    if not parts:
        return done()

    if len(parts) > 1:
        for i in range(len(parts) - 2, -1, -1):
            if parts[i].lower() in _PREFIXES:
                parts[i] = parts[i] + " " + parts[i + 1]
                del parts[i + 1]
                del commas[i + 1]

    if len(parts) > 2:
        i = len(parts) - 3
        while i >= 0:
            if parts[i + 1].lower() in _CONJUNCTIONS:
                parts[i] = parts[i] + " " + parts[i + 1] + " " + parts[i + 2]
                del parts[i + 1 : i + 3]
                del commas[i + 1 : i + 3]
                i -= 1
            i -= 1

    found_parts: list[str] = []  # trailing comma-separated parts: suffixes after all ("Smith, John, Jr")
    commas.pop()
    first_comma = _js_index(commas, ",")
    remaining = sum(1 for c in commas if c is not None)
    if first_comma > 1 or remaining > 1:
        for i in range(len(parts) - 1, 1, -1):
            if commas[i] == ",":
                found_parts = [parts.pop(i), *found_parts]
                del commas[i]
                remaining -= 1
            else:
                break
    if found_parts:
        if parsed["suffix"]:
            found_parts = [parsed["suffix"], *found_parts]
        parsed["suffix"] = ", ".join(found_parts)

    if remaining > 0:
        at = _js_index(commas, ",")  # >= 0 here: some comma remains
        if at:  # a comma before the first part leaves the last name empty, as in the JS
            parsed["last"] = " ".join(parts[:at])
            del parts[:at]
            del commas[:at]
    else:
        parsed["last"] = parts.pop()
    if not parts:
        return done()
    parsed["first"] = parts.pop(0)
    if not parts:
        return done()
    parsed["middle"] = " ".join(parts)
    return done()


# --- parseNameString.js --------------------------------------------------------------------------------

_CJK_RE = re.compile(r"[\u4e00-\u9fff\u3040-\u30ff\u31f0-\u31ff]")


def _parse_name(name: str) -> tuple[str, str]:
    parts = parse_full_name(name)
    first = parts["first"]
    if first and parts["middle"]:
        first += " " + parts["middle"]
    return first, parts["last"]


def _is_last_name_chunk(name: str) -> bool:
    if " " not in name:
        return True
    return not parse_full_name(name)["first"]


def name_to_last_first(first_last: str | None) -> str | None:
    """parseNameString.nameToLastFirst: 'Brandon Sanderson' -> 'Sanderson, Brandon'."""
    if not first_last:
        return None
    first, last = _parse_name(first_last)
    if not last:
        return first
    if not first:
        return last
    return f"{last}, {first}"


def parse_name_string(name_string: str | None) -> list[str] | None:
    """parseNameString.parse(s).names: None for an empty string, else the names as 'First Last'."""
    if not name_string:
        return None
    is_comma_separated = "," in name_string
    split: list[str] = []
    if "&" in name_string:
        for chunk in name_string.split("&"):
            split += chunk.split(",")
    elif " and " in name_string:
        for chunk in name_string.split(" and "):
            split += chunk.split(",")
    elif ";" in name_string:
        for chunk in name_string.split(";"):
            split += chunk.split(",")
    else:
        split = name_string.split(",")
    split = [_js_trim(s) for s in split]
    if _CJK_RE.search(split[0]):
        return split

    names: list[tuple[str, str]] = []
    if len(split) == 1:
        names.append(_parse_name(name_string))
    else:
        first_is_last = _is_last_name_chunk(split[0]) if is_comma_separated else False
        if len(split) % 2 and first_is_last:
            split = split[:-1]
        if first_is_last:
            for k in range(0, len(split), 2):
                names.append((split[k + 1], split[k]))
        else:
            names.extend(_parse_name(s) for s in split)
    out: list[str] = []
    for first, last in names:
        if not (first or last):
            continue
        full = f"{first} {last}" if first else last
        if full not in out:
            out.append(full)
    return out


# --- scandir.js getBookDataFromDir -----------------------------------------------------------------------

_ASIN_RE = re.compile(r"(?: |^)\[([A-Z0-9]{10})](?= |$)")
_NARRATOR_RE = re.compile(r"^(?P<title>.*) \{(?P<narrators>.*)\}$")
_SEQUENCE_RE = re.compile(
    r"^(?P<label>vol\.? |volume |book )?(?P<seq>\d{0,3}(?:\.\d{1,2})?)(?P<dot>\.?)(?: (?P<suffix>.*))?$",
    re.IGNORECASE,
)
_YEAR_RE = re.compile(r"^ *\(?([0-9]{4})\)? * - *(.+)")


def _js_number_string(s: str) -> str:
    """Number(s).toString() for the digit strings the sequence pattern admits ('' is 0)."""
    value = float(s) if s else 0.0
    return str(int(value)) if value.is_integer() else repr(value)


def _get_sequence(folder: str) -> tuple[str, str | None]:
    parts = folder.split(" - ")
    number = None
    for i, part in enumerate(parts):
        m = _SEQUENCE_RE.match(part)
        if m and not (m.group("suffix") and not (m.group("label") or m.group("dot"))):
            number = _js_number_string(m.group("seq"))
            if m.group("suffix"):
                parts[i] = m.group("suffix")
            else:
                del parts[i]
            break
    return " - ".join(parts), number


def book_data_from_dir(rel_path: str, parse_subtitle: bool = False) -> dict:
    """getBookDataFromDir: title, subtitle, asin, authors, narrators, seriesName, seriesSequence,
    publishedYear from an item folder's path relative to the library folder."""
    split = rel_path.split("/")
    folder = split.pop()
    series = split.pop() if len(split) > 1 else None
    author = split.pop() if split else None

    asin = None
    m = _ASIN_RE.search(folder)
    if m:
        asin = m.group(1)
        folder = folder.replace(m.group(0), "", 1)
    folder = _js_trim(folder)
    narrators = None
    m = _NARRATOR_RE.match(folder)
    if m:
        folder, narrators = m.group("title"), m.group("narrators")
    sequence = None
    if series:
        folder, sequence = _get_sequence(folder)
    year = None
    m = _YEAR_RE.match(folder)
    if m:
        year, folder = m.group(1), m.group(2)
    subtitle = None
    if parse_subtitle:
        pieces = folder.split(" - ")
        folder, subtitle = pieces[0], " - ".join(pieces[1:])
    return {
        "title": folder,
        "subtitle": subtitle,
        "asin": asin,
        "authors": parse_name_string(author) or [],
        "narrators": parse_name_string(narrators) or [],
        "seriesName": series,
        "seriesSequence": sequence,
        "publishedYear": year,
    }


def _basename_without_ext(rel_path: str) -> str:
    """Path.basename(p, Path.extname(p)) in Node."""
    base = rel_path.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[:dot] if dot > 0 else base


# --- prober.js parseTags + AudioMetaTags ------------------------------------------------------------------

# (metaTags key, raw ffprobe format tag names tried in order, case-insensitively)
_PROBE_TAGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tagEncoder", ("encoder", "tsse", "tss")),
    ("tagEncodedBy", ("encoded_by", "tenc", "ten")),
    ("tagTitle", ("title", "tit2", "tt2")),
    ("tagTitleSort", ("title-sort", "tsot")),
    ("tagSubtitle", ("subtitle", "tit3", "tt3")),
    ("tagTrack", ("track", "trck", "trk")),
    ("tagDisc", ("discnumber", "disc", "disk", "tpos", "tpa")),
    ("tagAlbum", ("album", "talb", "tal")),
    ("tagAlbumSort", ("album-sort", "tsoa")),
    ("tagArtist", ("artist", "tpe1", "tp1")),
    ("tagArtistSort", ("artist-sort", "tsop")),
    ("tagAlbumArtist", ("albumartist", "album_artist", "tpe2")),
    ("tagDate", ("date", "tyer", "tye")),
    ("tagComposer", ("composer", "tcom", "tcm")),
    ("tagPublisher", ("publisher", "tpub", "tpb")),
    ("tagComment", ("comment", "comm", "com")),
    ("tagDescription", ("description", "desc")),
    ("tagGenre", ("genre", "tcon", "tco")),
    ("tagSeries", ("series", "show", "mvnm")),
    ("tagSeriesPart", ("series-part", "episode_id", "mvin", "part")),
    ("tagGrouping", ("grouping", "grp1")),
    ("tagIsbn", ("isbn",)),
    ("tagLanguage", ("language", "lang")),
    ("tagASIN", ("asin", "audible_asin")),
    ("tagItunesId", ("itunes-id",)),
    ("tagPodcastType", ("podcast-type",)),
    ("tagEpisodeType", ("episode-type",)),
    ("tagOriginalYear", ("originalyear",)),
    ("tagReleaseCountry", ("MusicBrainz Album Release Country", "releasecountry")),
    ("tagReleaseStatus", ("MusicBrainz Album Status", "releasestatus", "musicbrainz_albumstatus")),
    ("tagReleaseType", ("MusicBrainz Album Type", "releasetype", "musicbrainz_albumtype")),
    ("tagISRC", ("tsrc", "isrc")),
    ("tagMusicBrainzTrackId", ("MusicBrainz Release Track Id", "musicbrainz_releasetrackid")),
    ("tagMusicBrainzAlbumId", ("MusicBrainz Album Id", "musicbrainz_albumid")),
    ("tagMusicBrainzAlbumArtistId", ("MusicBrainz Album Artist Id", "musicbrainz_albumartistid")),
    ("tagMusicBrainzArtistId", ("MusicBrainz Artist Id", "musicbrainz_artistid")),
    ("tagOverdriveMediaMarker", ("OverDrive MediaMarkers",)),
)
# AudioMetaTags.toJSON's key order (the order the fixtures show).
_META_TAG_ORDER = ("tagAlbum", "tagAlbumSort", "tagArtist", "tagArtistSort", "tagGenre", "tagTitle", "tagTitleSort",
                   "tagSeries", "tagSeriesPart", "tagGrouping", "tagTrack", "tagDisc", "tagSubtitle",
                   "tagAlbumArtist", "tagDate", "tagComposer", "tagPublisher", "tagComment", "tagDescription",
                   "tagEncoder", "tagEncodedBy", "tagIsbn", "tagLanguage", "tagASIN", "tagItunesId",
                   "tagPodcastType", "tagEpisodeType", "tagOverdriveMediaMarker", "tagOriginalYear",
                   "tagReleaseCountry", "tagReleaseType", "tagReleaseStatus", "tagISRC", "tagMusicBrainzTrackId",
                   "tagMusicBrainzAlbumId", "tagMusicBrainzAlbumArtistId", "tagMusicBrainzArtistId")  # fmt: skip


_NAME_INDEX: dict[str, list[tuple[str, int]]] = {}
for _meta_key, _names in _PROBE_TAGS:
    for _rank, _name in enumerate(_names):
        _NAME_INDEX.setdefault(_name.lower(), []).append((_meta_key, _rank))


def meta_tags_from_probe(format_tags: dict[str, str]) -> dict[str, str]:
    """The `metaTags` ABS stores for a file whose ffprobe format tags are `format_tags`
    (keys as ffprobe reports them, e.g. 'album_artist', 'composer', 'SERIES', 'TIT1').

    For each metaTags key the prober tries its raw names in order and takes the first whose value
    is non-blank; a raw name matches the first key equal to it ignoring case (Object.keys().find)."""
    best: dict[str, tuple[int, str]] = {}
    seen: set[str] = set()
    for key, value in format_tags.items():
        low = key.lower()
        if low in seen:
            continue
        seen.add(low)
        candidates = _NAME_INDEX.get(low)
        if not candidates or not value:
            continue
        value = _js_trim(value)
        if not value:
            continue
        for meta_key, rank in candidates:
            current = best.get(meta_key)
            if current is None or rank < current[0]:
                best[meta_key] = (rank, value)
    return {k: best[k][1] for k in _META_TAG_ORDER if k in best}


# --- BookScanner / AudioFileScanner: metadata precedence ----------------------------------------------------


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
            return [g for g in (_js_trim(x) for x in tag.split(sep)) if g]
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
        folder = {"title": _basename_without_ext(rel_path)}
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
        value = _js_trim(value)
        if key in ("narrators", "authors"):
            md[key] = parse_name_string(value) or []
        elif key == "genres":
            md["genres"] = _parse_genres(value)
        elif key == "series":
            if is_alt:
                series = [p for p in (_parse_series_string(_js_trim(s)) for s in value.split(";")) if p]
                if series:
                    md["series"] = series
            else:
                part = tags.get("tagSeriesPart")
                if ";" in value and part and ";" in part:
                    names = [s for s in (_js_trim(x) for x in value.split(";")) if s]
                    seqs = [s for s in (_js_trim(x) for x in part.split(";")) if s]
                    if len(names) > 1 and len(names) == len(seqs):
                        md["series"] = [(n, seqs[i] or None) for i, n in enumerate(names)]
                        continue
                md["series"] = [(value, part or None)]
        else:
            md[key] = value

    # txtFiles
    if desc_txt is not None and _js_trim(desc_txt):
        md["description"] = _js_trim(desc_txt)
    if reader_txt is not None:
        first_line = _js_trim(re.split(r"\r?\n", reader_txt)[0])
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
