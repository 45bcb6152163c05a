"""Tags: ABS's metaTags mapping (BookScanner / AudioFileScanner, 2.36) and the mutagen readers that read the
same tags straight from a local file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tasks.evidence.abs_names import parse_name_string
from tasks.evidence.folders import is_container_folder
from tasks.evidence.release_names import title_readings
from tasks.evidence.rows import Evidence, TagReadError, add_row
from tasks.normalise import name_key as person_key

_GENRE_SPLIT = re.compile(r"//|/|;")
_GROUPING_SERIES = re.compile(r"^(?P<name>.+?)(?:\s+#(?P<seq>[^#\s]+))?$")
YEAR_IN = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")


_DESCRIPTION_CAP = 2000


def cap_text(text: str | None) -> str | None:
    """Descriptions as evidence are for phrases like 'Book 3 of the X series', which come early; a
    whole blurb per item would multiply the evidence table's size for nothing."""
    return text[:_DESCRIPTION_CAP] if isinstance(text, str) else None


def tags_evidence(
    tags: dict[str, Any],
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
    add_row(rows, "tags", "title", title, rule)
    add_row(rows, "tags", "subtitle", get("tagSubtitle"), rule)
    if known_authors is None and known_narrators is None:
        authors = [(n, rule) for n in parse_name_string(get("tagArtist") or get("tagAlbumArtist"))]
        narrators = [(n, rule) for n in parse_name_string(get("tagNarrator") or get("tagComposer"))]
    else:
        authors, narrators = _tag_people(get, rule, known_authors or (), known_narrators or ())
    for i, (name, how) in enumerate(authors):
        add_row(rows, "tags", "author", name, how, i)
    for i, (name, how) in enumerate(narrators):
        add_row(rows, "tags", "narrator", name, how, i)
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
            add_row(rows, "tags", "series", name, rule, i)
            if i < len(seqs):
                add_row(rows, "tags", "sequence", seqs[i], rule, i)
    elif grouping := get("tagGrouping"):
        for i, chunk in enumerate(c.strip() for c in grouping.split(";")):
            m = _GROUPING_SERIES.match(chunk)
            if m:
                add_row(rows, "tags", "series", m.group("name"), rule, i)
                add_row(rows, "tags", "sequence", m.group("seq"), rule, i)

    if genre := get("tagGenre"):
        for i, g in enumerate(dict.fromkeys(g.strip() for g in _GENRE_SPLIT.split(genre) if g.strip())):
            add_row(rows, "tags", "genre", g, rule, i)
    if date := get("tagDate"):
        m = YEAR_IN.search(date)
        add_row(rows, "tags", "year", m.group(1) if m else None, rule)
        if date != (m.group(1) if m else None):
            add_row(rows, "tags", "date", date, rule)
    add_row(rows, "tags", "publisher", get("tagPublisher"), rule)
    add_row(rows, "tags", "disc", get("tagDisc"), rule)
    add_row(rows, "tags", "isbn", get("tagIsbn"), rule)
    add_row(rows, "tags", "asin", get("tagASIN"), rule)
    add_row(rows, "tags", "language", get("tagLanguage"), rule)
    add_row(rows, "tags", "description", cap_text(get("tagDescription") or get("tagComment")), rule)
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
      is not (m4b-tool's `--writer`, some rippers); or, in a file iTunes encoded, any composer
      other than the artist (an author beside the artist, and still a narrator);
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
    if not moved and not narrator_tag and _itunes_writer(get, composer, slot):
        # iTunes keeps a CD's writer in the composer field while its disc database may credit an
        # audiobook's reader as the artist (and the folder iTunes names after the artist): the
        # composer is as likely the author as the artist is, so it is an author too, besides the
        # narrator ABS reads it as.
        authors += [(n, f"{rule}.composer_as_author") for n in composer if person_key(n) not in author_keys]
    return authors, narrators


def _itunes_writer(get: Any, composer: list[str], slot: list[str]) -> bool:
    """A composer other than the artist on a file iTunes encoded (its encoder tag says so)."""
    encoder = get("tagEncoder") or ""
    if not encoder.lower().startswith("itunes") or not composer:
        return False
    slot_keys = {person_key(n) for n in slot}
    return any(person_key(n) not in slot_keys for n in composer)


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
    "©too": "tagEncoder",
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
    "TSSE": "tagEncoder",
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


def _put(out: dict[str, Any], key: str | None, value: Any) -> None:
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


def file_format(path: Path) -> str:
    return path.suffix.lower().lstrip(".") or "unknown"
