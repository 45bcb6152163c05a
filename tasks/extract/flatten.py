"""One expanded ABS item, checked, into the rows of `abs_items`, `abs_audio_files`, `abs_files` and
`item_evidence`; a malformed item raises `MalformedItem` with the reason, naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tasks.extract.validate import (
    MalformedItem,
    check_list,
    check_text,
    file_meta,
    is_int,
    is_num,
    looks_mis_decoded,
    opt_bool,
    opt_float,
    opt_id,
    opt_int,
    text_problem,
    type_name,
)
from tasks.settings import Settings

MAX_TITLE_CHARS = 1000  # a longer title/name is a corrupt tag or a description in the wrong field
MAX_NAME_CHARS = 500

_STRING_META = (
    "title",
    "subtitle",
    "publishedYear",
    "publishedDate",
    "publisher",
    "description",
    "isbn",
    "asin",
    "language",
)
_LIST_META = ("narrators", "genres")


@dataclass
class FlatItem:
    item: dict[str, Any]
    audio_files: list[dict[str, Any]]
    files: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    problems: list[tuple[str, str]] = field(
        default_factory=list
    )  # (kind, message) recorded, item still lands


def flatten_item(
    item: Any,
    run_id: str | None,
    extracted_at: datetime,
    evidence_fn: Callable[[dict[str, Any], list[Any]], Iterable[Any]] | None = None,
    raw: str | None = None,
) -> FlatItem:
    """Check one expanded ABS item and turn it into table rows; raises MalformedItem with the reason.

    `raw` is the item's JSON text as ABS sent it (re-serialised from `item` when not given).
    """
    if not isinstance(item, dict):
        raise MalformedItem(f"the item is {type_name(item)}, expected an object")
    item_id = check_text("id", item.get("id"), 200, nullable=False)
    media = item.get("media")
    if not isinstance(media, dict):
        raise MalformedItem(
            "media is missing" if media is None else f"media is {type_name(media)}, expected an object"
        )
    meta = media.get("metadata")
    if not isinstance(meta, dict):
        raise MalformedItem(
            "media.metadata is missing" if meta is None else f"media.metadata is {type_name(meta)}"
        )

    strings = {}
    for key in _STRING_META:
        value = meta.get(key)
        if key == "publishedYear" and is_int(value):
            value = str(value)  # a year tag read as a number is still a year
        limit = None if key == "description" else MAX_TITLE_CHARS
        strings[key] = check_text(f"media.metadata.{key}", value, limit)

    authors = []
    for i, author in enumerate(check_list("media.metadata.authors", meta.get("authors"))):
        if not isinstance(author, dict):
            raise MalformedItem(f"media.metadata.authors[{i}] is {type_name(author)}, expected {{id, name}}")
        name = check_text(
            f"media.metadata.authors[{i}].name", author.get("name"), MAX_NAME_CHARS, nullable=False
        )
        authors.append(name)
    lists = {}
    for key in _LIST_META:
        values = check_list(f"media.metadata.{key}", meta.get(key))
        lists[key] = [
            check_text(f"media.metadata.{key}[{i}]", v, MAX_NAME_CHARS, nullable=False)
            for i, v in enumerate(values)
        ]
    series = []
    for i, s in enumerate(check_list("media.metadata.series", meta.get("series"))):
        if not isinstance(s, dict):
            raise MalformedItem(
                f"media.metadata.series[{i}] is {type_name(s)}, expected {{id, name, sequence}}"
            )
        name = check_text(f"media.metadata.series[{i}].name", s.get("name"), MAX_NAME_CHARS, nullable=False)
        seq = s.get("sequence")
        if is_num(seq):
            seq = str(seq)
        series.append({"name": name, "sequence": check_text(f"media.metadata.series[{i}].sequence", seq, 50)})
    tags = [
        check_text(f"media.tags[{i}]", t, MAX_NAME_CHARS, nullable=False)
        for i, t in enumerate(check_list("media.tags", media.get("tags")))
    ]

    audio_rows = []
    seen_inos: set[str] = set()
    for i, af in enumerate(check_list("media.audioFiles", media.get("audioFiles"))):
        where = f"media.audioFiles[{i}]"
        fmeta, ino = _file_ino(where, af, seen_inos)
        tags_json = af.get("metaTags")
        if tags_json is not None and not isinstance(tags_json, dict):
            raise MalformedItem(f"{where}.metaTags is {type_name(tags_json)}, expected an object")
        for key, value in (tags_json or {}).items():
            if isinstance(value, str) and text_problem(value):
                raise MalformedItem(f"{where}.metaTags.{key} {text_problem(value)}: {value[:60]!r}")
        audio_rows.append(
            {
                "item_id": item_id,
                "ino": ino,
                "idx": opt_int(f"{where}.index", af.get("index")),
                **_file_columns(where, fmeta),
                "duration": opt_float(f"{where}.duration", af.get("duration")),
                "format": check_text(f"{where}.format", af.get("format"), 200),
                "codec": check_text(f"{where}.codec", af.get("codec"), 100),
                "bit_rate": opt_int(f"{where}.bitRate", af.get("bitRate")),
                "mime_type": check_text(f"{where}.mimeType", af.get("mimeType"), 100),
                "exclude": opt_bool(f"{where}.exclude", af.get("exclude")),
                "meta_tags": json.dumps(tags_json or {}, ensure_ascii=False),
            }
        )

    file_rows = []
    seen_inos = set()
    for i, lf in enumerate(check_list("libraryFiles", item.get("libraryFiles"))):
        where = f"libraryFiles[{i}]"
        fmeta, ino = _file_ino(where, lf, seen_inos)
        file_rows.append(
            {
                "item_id": item_id,
                "ino": ino,
                **_file_columns(where, fmeta),
                "file_type": check_text(f"{where}.fileType", lf.get("fileType"), 50),
                "is_supplementary": opt_bool(f"{where}.isSupplementary", lf.get("isSupplementary")),
            }
        )

    try:
        if raw is None:
            raw = json.dumps(item, ensure_ascii=False)
        raw.encode("utf-8")
    except (UnicodeEncodeError, ValueError) as exc:
        raise MalformedItem(
            f"the item holds text that is not valid Unicode ({exc.__class__.__name__})"
        ) from exc

    num_audio = media.get("numAudioFiles")
    row: dict[str, Any] = {
        "item_id": item_id,
        "library_id": check_text("libraryId", item.get("libraryId"), 200, nullable=False),
        "folder_id": opt_id("folderId", item.get("folderId")),
        "book_id": opt_id("media.id", media.get("id")),
        "ino": opt_id("ino", item.get("ino")),
        "path": check_text("path", item.get("path"), 4000),
        "rel_path": check_text("relPath", item.get("relPath"), 4000),
        "is_file": opt_bool("isFile", item.get("isFile")),
        "title": strings["title"],
        "subtitle": strings["subtitle"],
        "authors": authors,
        "narrators": lists["narrators"],
        "series": series,
        "genres": lists["genres"],
        "tags": tags,
        "published_year": strings["publishedYear"],
        "published_date": strings["publishedDate"],
        "publisher": strings["publisher"],
        "description": strings["description"],
        "isbn": strings["isbn"],
        "asin": strings["asin"],
        "language": strings["language"],
        "explicit": opt_bool("media.metadata.explicit", meta.get("explicit")),
        "abridged": opt_bool("media.metadata.abridged", meta.get("abridged")),
        "duration": opt_float("media.duration", media.get("duration")),
        "size": opt_int("size", item.get("size", media.get("size"))),
        "num_audio_files": opt_int("media.numAudioFiles", num_audio)
        if num_audio is not None
        else len(audio_rows),
        "cover_path": check_text("media.coverPath", media.get("coverPath"), 4000),
        "added_at": opt_int("addedAt", item.get("addedAt")),
        "updated_at": opt_int("updatedAt", item.get("updatedAt")),
        "is_missing": opt_bool("isMissing", item.get("isMissing")),
        "is_invalid": opt_bool("isInvalid", item.get("isInvalid")),
        "removed_at": None,
        "raw": raw,
        "extracted_at": extracted_at,
        "run_id": run_id,
    }

    if not row["rel_path"] and not row["path"]:
        raise MalformedItem("relPath and path are both missing: there is no folder to read")

    flat = FlatItem(row, audio_rows, file_rows, [])
    names = [("title", strings["title"]), ("subtitle", strings["subtitle"]), ("relPath", row["rel_path"])]
    names += [("author", a) for a in authors] + [("narrator", n) for n in lists["narrators"]]
    garbled = [f"{where} {value[:80]!r}" for where, value in names if value and looks_mis_decoded(value)]
    if garbled:  # kept (the item is usable), but one error row says which text to fix
        flat.problems.append(
            (
                "suspicious_text",
                f"text looks mis-decoded (UTF-8 read as Latin-1): {'; '.join(garbled)} — fix the tags or folder names",
            )
        )
    if evidence_fn is not None:
        tag_problems: list[Any] = []
        try:
            rows = list(evidence_fn(item, tag_problems))
        except Exception as exc:  # the evidence parsers must not sink an item that is otherwise fine
            flat.problems.append(
                ("evidence_failed", f"evidence could not be read: {type(exc).__name__}: {exc}")
            )
            rows = []
        for problem in tag_problems:
            flat.problems.append(("unreadable_file", str(problem)))
        flat.evidence = [
            {
                "item_id": item_id,
                "source": ev.source,
                "field": ev.field,
                "value": ev.value,
                "ordinal": ev.ordinal,
                "rule": ev.rule,
                "run_id": run_id,
            }
            for ev in rows
            if isinstance(ev.value, str) and ev.value and not text_problem(ev.value)
        ]
    return flat


def _file_ino(where: str, entry: Any, seen: set[str]) -> tuple[dict[str, Any], str]:
    """A file entry's metadata and its inode, which must be there and unique within the item."""
    fmeta = file_meta(where, entry)
    ino = opt_id(f"{where}.ino", entry.get("ino"))
    if ino is None:
        raise MalformedItem(f"{where}.ino is missing")
    if ino in seen:
        raise MalformedItem(f"{where}.ino {ino} appears twice")
    seen.add(ino)
    return fmeta, ino


def _file_columns(where: str, fmeta: dict[str, Any]) -> dict[str, Any]:
    """The columns audio files and library files share, each checked."""
    return {
        "filename": check_text(f"{where}.metadata.filename", fmeta.get("filename"), 1000),
        "ext": check_text(f"{where}.metadata.ext", fmeta.get("ext"), 50),
        "path": check_text(f"{where}.metadata.path", fmeta.get("path"), 4000),
        "rel_path": check_text(f"{where}.metadata.relPath", fmeta.get("relPath"), 4000),
        "size": opt_int(f"{where}.metadata.size", fmeta.get("size")),
    }


@dataclass
class EvidenceReader:
    """`tasks.evidence.evidence_for_item` with tag-read problems collected, not raised (picklable for workers)."""

    settings: Settings | None = None

    def __call__(self, item: dict[str, Any], problems: list[Any]) -> Iterable[Any]:
        from tasks.evidence import evidence_for_item

        return evidence_for_item(item, self.settings, problems=problems)


def default_evidence(settings: Settings | None) -> Callable[[dict[str, Any], list[Any]], Iterable[Any]]:
    return EvidenceReader(settings)
