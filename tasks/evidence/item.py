"""One whole ABS item into evidence rows: its current metadata, path, first file's name and tags, with the
authors and series ABS read from container folders discounted.
"""

from __future__ import annotations

from typing import Any

from tasks.evidence.abs_names import parse_name_string
from tasks.evidence.filenames import parse_filename
from tasks.evidence.folders import is_container_folder, parse_folder
from tasks.evidence.release_names import title_readings
from tasks.evidence.rows import Evidence, TagReadError, add_row, audio_files, fold_key, split_ext
from tasks.evidence.tags import YEAR_IN, cap_text, file_format, read_file_tags, tags_evidence
from tasks.normalise import disc_value, split_disc


def abs_evidence(metadata: dict[str, Any]) -> list[Evidence]:
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
        add_row(rows, "abs", fld, metadata.get(key), rule)
    plain = metadata.get("descriptionPlain") or metadata.get("description")
    if isinstance(plain, str):
        add_row(rows, "abs", "description", cap_text(plain), rule)
    year = metadata.get("publishedYear")
    if isinstance(year, (str, int)) and not isinstance(year, bool):
        year = str(year).strip()
        m = YEAR_IN.search(year)
        add_row(rows, "abs", "year", m.group(1) if m else year, rule)
        if m and year != m.group(1):
            add_row(rows, "abs", "date", year, rule)
    authors = metadata.get("authors")
    if isinstance(authors, list):
        names = [a.get("name") if isinstance(a, dict) else None for a in authors]
        for i, name in enumerate(n for n in names if isinstance(n, str) and n.strip()):
            add_row(rows, "abs", "author", name, rule, i)
    for key, fld in (("narrators", "narrator"), ("genres", "genre")):
        values = metadata.get(key)
        if isinstance(values, list):
            for i, v in enumerate(v for v in values if isinstance(v, str) and v.strip()):
                add_row(rows, "abs", fld, v, rule, i)
    series = metadata.get("series")
    if isinstance(series, list):
        i = 0
        for s in series:
            if isinstance(s, dict) and isinstance(s.get("name"), str) and s["name"].strip():
                add_row(rows, "abs", "series", s["name"], rule, i)
                add_row(rows, "abs", "sequence", s.get("sequence"), rule, i)
                i += 1
    if metadata.get("abridged") is True:
        add_row(rows, "abs", "edition", "abridged", rule)
    return rows


def evidence_for_item(
    item: dict[str, Any], settings: Any = None, problems: list[TagReadError] | None = None
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
    files = audio_files(item)
    first = files[0] if files else {}
    meta = m if isinstance(m := first.get("metadata"), dict) else {}
    tag_sets: list[tuple[dict[str, Any], str]] = []  # (metaTags-style tags, rule)
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
                tag_sets.append((file_tags, f"tags.file.{file_format(local)}"))
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
    from_tags_a = {fold_key(n) for people in tag_people for n in people["author_slot"]}
    from_tags_n = {fold_key(n) for people in tag_people for n in people["composer"]}
    own = [e for e in (*parsed.readings, *filename_rows)]
    known_a = [e.value for e in own if e.field == "author"]
    known_a += [e.value for e in abs_rows if e.field == "author" and fold_key(e.value) not in from_tags_a]
    known_n = [e.value for e in own if e.field == "narrator"]
    known_n += [e.value for e in abs_rows if e.field == "narrator" and fold_key(e.value) not in from_tags_n]
    tag_rows = [row for tags, rule in tag_sets for row in tags_evidence(tags, rule, known_a, known_n)]
    rows = [*abs_rows, *parsed.readings, *filename_rows, *tag_rows]
    return rows + _disc_rows(rows, rel_path)


def _disc_rows(rows: list[Evidence], rel_path: str) -> list[Evidence]:
    """`disc` rows (rule `scheme.disc`, value "3" or "3/12") for each source whose name carries a disc
    marker: an album, title or folder named for one disc of a set ('Title (Disc 3)', 'Disc 3 of 12',
    'Title [3/12]'). The disc number is never the title's; what it says is that the item may be one
    disc of the book, so its length may be a disc's."""
    names = [
        (e.source, e.value) for e in rows if e.field == "title" and not (e.rule or "").startswith("scheme.")
    ]
    names += [("path", folder) for folder in rel_path.replace("\\", "/").strip("/").split("/")[-2:]]
    out: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    for source, name in names:
        disc = split_disc(name)
        if disc is not None and (source, value := disc_value(disc)) not in seen:
            seen.add((source, value))
            add_row(out, source, "disc", value, "scheme.disc")
    return out


def _mark_folder_name_title(rows: list[Evidence], rel_path: str, is_file: bool) -> list[Evidence]:
    """An ABS title that is the item's folder (or root file) name verbatim is what ABS's scanner fell back
    to when nothing else named the book: the path source already reads that name, so the row is kept
    for people (rule `abs.metadata.folder_name`) but is not a second, independent title."""
    name = rel_path.rstrip("/").rsplit("/", 1)[-1]
    if is_file:
        name = split_ext(name)[0]
    return [
        e._replace(rule="abs.metadata.folder_name")
        if e.field == "title" and e.source == "abs" and e.value.strip() == name.strip()
        else e
        for e in rows
    ]


def _tag_names(tags: dict[str, Any]) -> dict[str, list[str]]:
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
    wrong = {(f, fold_key(n)) for f, v in misread for n in (parse_name_string(v) if f == "author" else [v])}
    out = []
    for e in abs_rows:
        if e.field in ("author", "series") and (
            is_container_folder(e.value) or (e.field, fold_key(e.value)) in wrong
        ):
            continue
        out.append(e)
    return out
