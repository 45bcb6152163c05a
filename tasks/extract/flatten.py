"""Extract: the ABS catalogue → DuckDB (`abs_items`, `abs_audio_files`, `abs_files`, `item_evidence`).

The plain functions behind the `extract_abs` flow:

- `plan_fetch()` compares ABS's id list (id + updatedAt) with `abs_items.updated_at`: only new and
  changed items, and items written to since they were read, are fetched in full (`full_refresh`
  fetches all); items gone from ABS get `removed_at`.
- `flatten_item()` checks one expanded item defensively and turns it into rows. A malformed item
  (no `media`, nulls inside lists, wrong types, overlong text, undecodable names) raises `MalformedItem`
  with the reason; the caller records one `errors` row (with the raw item) and goes on.
- `load_batch()` replaces the rows of a batch of items atomically (delete + Arrow bulk insert in one
  transaction); if the bulk insert fails it retries item by item so one bad row cannot sink a batch.
- `extract()` runs it all against an `AbsClient` and returns the summary dict.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import math
import os
import re
import resource
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from tasks import warehouse
from tasks.abs import AbsClient
from tasks.settings import Settings

log = logging.getLogger(__name__)

FLOW = "extract_abs"
# Sources written by extract; other sources (e.g. 'transcript' from listen) are left alone on re-extract.
EXTRACT_SOURCES = ("abs", "path", "filename", "tags")
MAX_TITLE_CHARS = 1000  # a longer title/name is a corrupt tag or a description in the wrong field
MAX_NAME_CHARS = 500
MAX_RAW_IN_ERROR = 200_000
LOAD_ITEMS = 2000  # items per load transaction: one commit (fsync) for many HTTP batches
PARALLEL_FROM = 1000  # items to fetch before worker processes pay for their start-up

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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BAD_TEXT = re.compile(r"[\ud800-\udfff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MOJIBAKE = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u02c6-\u02dc\u20ac\u2122]")

SERIES_TYPE = pa.list_(pa.struct([("name", pa.string()), ("sequence", pa.string())]))
ITEM_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("library_id", pa.string()),
        ("folder_id", pa.string()),
        ("book_id", pa.string()),
        ("ino", pa.string()),
        ("path", pa.string()),
        ("rel_path", pa.string()),
        ("is_file", pa.bool_()),
        ("title", pa.string()),
        ("subtitle", pa.string()),
        ("authors", pa.list_(pa.string())),
        ("narrators", pa.list_(pa.string())),
        ("series", SERIES_TYPE),
        ("genres", pa.list_(pa.string())),
        ("tags", pa.list_(pa.string())),
        ("published_year", pa.string()),
        ("published_date", pa.string()),
        ("publisher", pa.string()),
        ("description", pa.string()),
        ("isbn", pa.string()),
        ("asin", pa.string()),
        ("language", pa.string()),
        ("explicit", pa.bool_()),
        ("abridged", pa.bool_()),
        ("duration", pa.float64()),
        ("size", pa.int64()),
        ("num_audio_files", pa.int32()),
        ("cover_path", pa.string()),
        ("added_at", pa.int64()),
        ("updated_at", pa.int64()),
        ("is_missing", pa.bool_()),
        ("is_invalid", pa.bool_()),
        ("removed_at", pa.timestamp("us")),
        ("raw", pa.string()),
        ("extracted_at", pa.timestamp("us")),
        ("run_id", pa.string()),
    ]
)
AUDIO_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("ino", pa.string()),
        ("idx", pa.int32()),
        ("filename", pa.string()),
        ("ext", pa.string()),
        ("path", pa.string()),
        ("rel_path", pa.string()),
        ("size", pa.int64()),
        ("duration", pa.float64()),
        ("format", pa.string()),
        ("codec", pa.string()),
        ("bit_rate", pa.int64()),
        ("mime_type", pa.string()),
        ("exclude", pa.bool_()),
        ("meta_tags", pa.string()),
    ]
)
FILE_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("ino", pa.string()),
        ("filename", pa.string()),
        ("ext", pa.string()),
        ("path", pa.string()),
        ("rel_path", pa.string()),
        ("size", pa.int64()),
        ("file_type", pa.string()),
        ("is_supplementary", pa.bool_()),
    ]
)
EVIDENCE_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),
        ("source", pa.string()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("ordinal", pa.int32()),
        ("rule", pa.string()),
        ("run_id", pa.string()),
    ]
)


class MalformedItem(ValueError):
    """An item ABS sent that cannot be stored as it is; `str()` is the reason, naming the field."""


@dataclass
class FlatItem:
    item: dict
    audio_files: list[dict]
    files: list[dict]
    evidence: list[dict]
    problems: list[tuple[str, str]] = field(
        default_factory=list
    )  # (kind, message) recorded, item still lands


@dataclass
class FetchPlan:
    listed: dict[str, int | None]  # id → updatedAt from ABS's list
    new: list[str]
    changed: list[str]
    unchanged: int
    removed: list[str]

    @property
    def to_fetch(self) -> list[str]:
        return self.new + self.changed


# --- checking and flattening one item -------------------------------------------------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and not (isinstance(v, float) and not math.isfinite(v))


def text_problem(value: str) -> str | None:
    """Why a piece of text looks undecodable (None when it is fine)."""
    if not _BAD_TEXT.search(value):  # one scan for the common, clean case
        return None
    if _SURROGATE.search(value):
        return "holds bytes that are not valid UTF-8 (surrogate escapes from an undecodable file name or tag)"
    if "\ufffd" in value:
        return "holds U+FFFD replacement characters (it was decoded with the wrong encoding)"
    if _CONTROL.search(value):
        return "holds control characters"
    return None


def looks_mis_decoded(value: str) -> bool:
    """UTF-8 read as Latin-1/CP1252 ('FranÃ§ois'): the text round-trips to different, valid UTF-8."""
    if not _MOJIBAKE.search(value):
        return False
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = value.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != value:
            return True
    return False


def _check_text(where: str, value: Any, limit: int | None, nullable: bool = True) -> str | None:
    if value is None:
        if nullable:
            return None
        raise MalformedItem(f"{where} is missing")
    if not isinstance(value, str):
        raise MalformedItem(f"{where} is {_type_name(value)}, expected text")
    problem = text_problem(value)
    if problem:
        raise MalformedItem(f"{where} {problem}: {value[:60]!r}")
    if limit is not None and len(value) > limit:
        raise MalformedItem(
            f"{where} is {len(value):,} characters long (limit {limit:,}): a corrupt tag or the wrong field"
        )
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        dict: "an object",
        list: "a list",
        bool: "a boolean",
        str: "text",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _check_list(where: str, value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedItem(f"{where} is {_type_name(value)}, expected a list")
    for i, element in enumerate(value):
        if element is None:
            raise MalformedItem(f"{where}[{i}] is null")
    return value


def _opt_bool(where: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise MalformedItem(f"{where} is {_type_name(value)}, expected true/false")


def _opt_int(where: str, value: Any) -> int | None:
    if value is None:
        return None
    if _is_int(value):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise MalformedItem(f"{where} is {_type_name(value)} {str(value)[:30]!r}, expected a whole number")


def _opt_float(where: str, value: Any) -> float | None:
    if value is None:
        return None
    if _is_num(value):
        return float(value)
    raise MalformedItem(f"{where} is {_type_name(value)} {str(value)[:30]!r}, expected a number")


def _opt_id(where: str, value: Any) -> str | None:
    if value is None:
        return None
    if _is_int(value):
        return str(value)
    return _check_text(where, value, 200)


def _file_meta(where: str, entry: Any) -> dict:
    if not isinstance(entry, dict):
        raise MalformedItem(f"{where} is {_type_name(entry)}, expected an object")
    meta = entry.get("metadata")
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise MalformedItem(f"{where}.metadata is {_type_name(meta)}, expected an object")
    return meta


def flatten_item(
    item: Any,
    run_id: str | None,
    extracted_at: datetime,
    evidence_fn: Callable[[dict, list], Iterable[Any]] | None = None,
    raw: str | None = None,
) -> FlatItem:
    """Check one expanded ABS item and turn it into table rows; raises MalformedItem with the reason.

    `raw` is the item's JSON text as ABS sent it (re-serialised from `item` when not given).
    """
    if not isinstance(item, dict):
        raise MalformedItem(f"the item is {_type_name(item)}, expected an object")
    item_id = _check_text("id", item.get("id"), 200, nullable=False)
    media = item.get("media")
    if not isinstance(media, dict):
        raise MalformedItem(
            "media is missing" if media is None else f"media is {_type_name(media)}, expected an object"
        )
    meta = media.get("metadata")
    if not isinstance(meta, dict):
        raise MalformedItem(
            "media.metadata is missing" if meta is None else f"media.metadata is {_type_name(meta)}"
        )

    strings = {}
    for key in _STRING_META:
        value = meta.get(key)
        if key == "publishedYear" and _is_int(value):
            value = str(value)  # a year tag read as a number is still a year
        limit = None if key == "description" else MAX_TITLE_CHARS
        strings[key] = _check_text(f"media.metadata.{key}", value, limit)

    authors = []
    for i, author in enumerate(_check_list("media.metadata.authors", meta.get("authors"))):
        if not isinstance(author, dict):
            raise MalformedItem(f"media.metadata.authors[{i}] is {_type_name(author)}, expected {{id, name}}")
        name = _check_text(
            f"media.metadata.authors[{i}].name", author.get("name"), MAX_NAME_CHARS, nullable=False
        )
        authors.append(name)
    lists = {}
    for key in _LIST_META:
        values = _check_list(f"media.metadata.{key}", meta.get(key))
        lists[key] = [
            _check_text(f"media.metadata.{key}[{i}]", v, MAX_NAME_CHARS, nullable=False)
            for i, v in enumerate(values)
        ]
    series = []
    for i, s in enumerate(_check_list("media.metadata.series", meta.get("series"))):
        if not isinstance(s, dict):
            raise MalformedItem(
                f"media.metadata.series[{i}] is {_type_name(s)}, expected {{id, name, sequence}}"
            )
        name = _check_text(f"media.metadata.series[{i}].name", s.get("name"), MAX_NAME_CHARS, nullable=False)
        seq = s.get("sequence")
        if _is_num(seq):
            seq = str(seq)
        series.append(
            {"name": name, "sequence": _check_text(f"media.metadata.series[{i}].sequence", seq, 50)}
        )
    tags = [
        _check_text(f"media.tags[{i}]", t, MAX_NAME_CHARS, nullable=False)
        for i, t in enumerate(_check_list("media.tags", media.get("tags")))
    ]

    audio_rows = []
    seen_inos: set[str] = set()
    for i, af in enumerate(_check_list("media.audioFiles", media.get("audioFiles"))):
        where = f"media.audioFiles[{i}]"
        fmeta = _file_meta(where, af)
        ino = _opt_id(f"{where}.ino", af.get("ino"))
        if ino is None:
            raise MalformedItem(f"{where}.ino is missing")
        if ino in seen_inos:
            raise MalformedItem(f"{where}.ino {ino} appears twice")
        seen_inos.add(ino)
        tags_json = af.get("metaTags")
        if tags_json is not None and not isinstance(tags_json, dict):
            raise MalformedItem(f"{where}.metaTags is {_type_name(tags_json)}, expected an object")
        for key, value in (tags_json or {}).items():
            if isinstance(value, str) and text_problem(value):
                raise MalformedItem(f"{where}.metaTags.{key} {text_problem(value)}: {value[:60]!r}")
        audio_rows.append(
            {
                "item_id": item_id,
                "ino": ino,
                "idx": _opt_int(f"{where}.index", af.get("index")),
                "filename": _check_text(f"{where}.metadata.filename", fmeta.get("filename"), 1000),
                "ext": _check_text(f"{where}.metadata.ext", fmeta.get("ext"), 50),
                "path": _check_text(f"{where}.metadata.path", fmeta.get("path"), 4000),
                "rel_path": _check_text(f"{where}.metadata.relPath", fmeta.get("relPath"), 4000),
                "size": _opt_int(f"{where}.metadata.size", fmeta.get("size")),
                "duration": _opt_float(f"{where}.duration", af.get("duration")),
                "format": _check_text(f"{where}.format", af.get("format"), 200),
                "codec": _check_text(f"{where}.codec", af.get("codec"), 100),
                "bit_rate": _opt_int(f"{where}.bitRate", af.get("bitRate")),
                "mime_type": _check_text(f"{where}.mimeType", af.get("mimeType"), 100),
                "exclude": _opt_bool(f"{where}.exclude", af.get("exclude")),
                "meta_tags": json.dumps(tags_json or {}, ensure_ascii=False),
            }
        )

    file_rows = []
    seen_inos = set()
    for i, lf in enumerate(_check_list("libraryFiles", item.get("libraryFiles"))):
        where = f"libraryFiles[{i}]"
        fmeta = _file_meta(where, lf)
        ino = _opt_id(f"{where}.ino", lf.get("ino"))
        if ino is None:
            raise MalformedItem(f"{where}.ino is missing")
        if ino in seen_inos:
            raise MalformedItem(f"{where}.ino {ino} appears twice")
        seen_inos.add(ino)
        file_rows.append(
            {
                "item_id": item_id,
                "ino": ino,
                "filename": _check_text(f"{where}.metadata.filename", fmeta.get("filename"), 1000),
                "ext": _check_text(f"{where}.metadata.ext", fmeta.get("ext"), 50),
                "path": _check_text(f"{where}.metadata.path", fmeta.get("path"), 4000),
                "rel_path": _check_text(f"{where}.metadata.relPath", fmeta.get("relPath"), 4000),
                "size": _opt_int(f"{where}.metadata.size", fmeta.get("size")),
                "file_type": _check_text(f"{where}.fileType", lf.get("fileType"), 50),
                "is_supplementary": _opt_bool(f"{where}.isSupplementary", lf.get("isSupplementary")),
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
    row = {
        "item_id": item_id,
        "library_id": _check_text("libraryId", item.get("libraryId"), 200, nullable=False),
        "folder_id": _opt_id("folderId", item.get("folderId")),
        "book_id": _opt_id("media.id", media.get("id")),
        "ino": _opt_id("ino", item.get("ino")),
        "path": _check_text("path", item.get("path"), 4000),
        "rel_path": _check_text("relPath", item.get("relPath"), 4000),
        "is_file": _opt_bool("isFile", item.get("isFile")),
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
        "explicit": _opt_bool("media.metadata.explicit", meta.get("explicit")),
        "abridged": _opt_bool("media.metadata.abridged", meta.get("abridged")),
        "duration": _opt_float("media.duration", media.get("duration")),
        "size": _opt_int("size", item.get("size", media.get("size"))),
        "num_audio_files": _opt_int("media.numAudioFiles", num_audio)
        if num_audio is not None
        else len(audio_rows),
        "cover_path": _check_text("media.coverPath", media.get("coverPath"), 4000),
        "added_at": _opt_int("addedAt", item.get("addedAt")),
        "updated_at": _opt_int("updatedAt", item.get("updatedAt")),
        "is_missing": _opt_bool("isMissing", item.get("isMissing")),
        "is_invalid": _opt_bool("isInvalid", item.get("isInvalid")),
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
        tag_problems: list = []
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


@dataclass
class EvidenceReader:
    """`tasks.evidence.evidence_for_item` with tag-read problems collected, not raised (picklable for workers)."""

    settings: Settings | None = None

    def __call__(self, item: dict, problems: list) -> Iterable[Any]:
        from tasks.evidence import evidence_for_item

        return evidence_for_item(item, self.settings, problems=problems)


def default_evidence(settings: Settings | None) -> Callable[[dict, list], Iterable[Any]]:
    return EvidenceReader(settings)


# --- planning -----------------------------------------------------------------------------------------------


def plan_fetch(
    con: duckdb.DuckDBPyConnection, library_id: str, listing: list[dict], full_refresh: bool
) -> FetchPlan:
    """Which listed ids to fetch in full (new / changed / restored) and which known ids vanished."""
    known = {
        item_id: (updated_at, removed_at, written_since)
        for item_id, updated_at, removed_at, written_since in con.execute(
            warehouse.load_sql("extract_known_items"), [library_id]
        ).fetchall()
    }
    listed: dict[str, int | None] = {}
    for entry in listing:
        listed.setdefault(entry["id"], entry.get("updatedAt") if _is_int(entry.get("updatedAt")) else None)
    new, changed, unchanged = [], [], 0
    for item_id, updated_at in listed.items():
        before = known.get(item_id)
        if before is None:
            new.append(item_id)
        elif (
            full_refresh
            or updated_at is None
            or before[0] != updated_at
            or before[1] is not None
            or before[2]
        ):
            changed.append(item_id)
        else:
            unchanged += 1
    removed = [i for i, (_, removed_at, _) in known.items() if i not in listed and removed_at is None]
    return FetchPlan(listed, new, changed, unchanged, removed)


# --- loading ---------------------------------------------------------------------------------------------------


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


@dataclass
class PreparedBatch:
    """One fetched batch, checked and flattened into Arrow tables (built in a worker process or inline)."""

    tables: dict[str, pa.Table]
    item_ids: list[str]  # items that passed the checks, in the tables
    problems: list[tuple[str, str, str]]  # (item_id, kind, message) for items that still land
    malformed: list[tuple[str | None, str, dict]]  # (item_id, message, detail) for items that do not
    missing: list[str]  # asked for, silently not returned by ABS
    fetched: int
    cpu_seconds: float = 0.0  # spent preparing it (in a worker process, when there are workers)
    peak_rss_mb: float = 0.0  # of the process that prepared it


def prepare_batch(
    body: bytes,
    asked: list[str],
    run_id: str | None,
    evidence_fn: Callable[[dict, list], Iterable[Any]] | None,
) -> PreparedBatch:
    """Parse a `batch/get` answer, check and flatten every item, and build the batch's Arrow tables."""
    # A batch makes ~100k short-lived objects that reference counting frees; the cyclic GC scanning
    # them meanwhile costs ~20% of the time, so it is paused for the batch.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _prepare_batch(body, asked, run_id, evidence_fn)
    finally:
        if paused:
            gc.enable()


def _prepare_batch(
    body: bytes,
    asked: list[str],
    run_id: str | None,
    evidence_fn: Callable[[dict, list], Iterable[Any]] | None,
) -> PreparedBatch:
    cpu = time.process_time()
    pairs = split_batch(body)
    if pairs is None:  # not the usual envelope: parse it whole, re-serialise each item for `raw`
        items, missing = AbsClient.parse_items(body, asked)
        pairs = [(item, None) for item in items]
    else:
        got = {item.get("id") for item, _ in pairs}
        missing = [i for i in asked if i not in got]
    stamp = warehouse.now()
    flats: list[FlatItem] = []
    malformed: list[tuple[str | None, str, dict]] = []
    for item, raw in pairs:
        item_id = item.get("id") if isinstance(item.get("id"), str) else None
        try:
            flats.append(flatten_item(item, run_id, stamp, evidence_fn, raw))
        except MalformedItem as exc:
            malformed.append(
                (item_id, f"item {item_id}: {exc} — skipped; fix it in ABS", _error_detail(item))
            )
    return PreparedBatch(
        tables={
            "extract_items": _table([f.item for f in flats], ITEM_SCHEMA),
            "extract_audio_files": _table([r for f in flats for r in f.audio_files], AUDIO_SCHEMA),
            "extract_files": _table([r for f in flats for r in f.files], FILE_SCHEMA),
            "extract_evidence": _table([r for f in flats for r in f.evidence], EVIDENCE_SCHEMA),
        },
        item_ids=[f.item["item_id"] for f in flats],
        problems=[(f.item["item_id"], kind, msg) for f in flats for kind, msg in f.problems],
        malformed=malformed,
        missing=missing,
        fetched=len(pairs),
        cpu_seconds=time.process_time() - cpu,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )


_DECODER = json.JSONDecoder()
_ENVELOPE = re.compile(r'\s*\{\s*"libraryItems"\s*:\s*\[\s*')
_WS_RE = re.compile(r"\s*")


def split_batch(body: bytes) -> list[tuple[dict, str]] | None:
    """(item, its JSON text) for each item of a `{"libraryItems": [...]}` answer, parsed once.

    Keeping each item's own text saves re-serialising it for `abs_items.raw`. None when the answer
    does not start like that (the caller then parses it whole).
    """
    text = body.decode("utf-8", "surrogatepass")
    head = _ENVELOPE.match(text)
    if head is None:
        return None
    out: list[tuple[dict, str]] = []
    i = head.end()
    if text.startswith("]", i):
        return out
    while True:
        obj, end = _DECODER.raw_decode(text, i)
        if isinstance(obj, dict):
            out.append((obj, text[i:end]))
        j = _WS_RE.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith(",", j):
            i = _WS_RE.match(text, j + 1).end()  # type: ignore[union-attr]
        elif text.startswith("]", j):
            return out
        else:
            raise ValueError(f"unexpected {text[j : j + 20]!r} after item {len(out)} of a batch/get answer")


def load_batch(
    con: duckdb.DuckDBPyConnection, batch: PreparedBatch, replace_ids: Iterable[str]
) -> list[tuple[str, str]]:
    """Replace the batch's rows in one transaction; returns (item_id, reason) for items that could not be loaded.

    `replace_ids` are the ids that may already have rows (changed items): their old rows are deleted
    first. Only the extract sources of `item_evidence` are replaced (transcripts stay). If the bulk
    insert fails, items are loaded one by one so one bad row cannot sink the batch.
    """
    if not batch.item_ids:
        return []
    replace = list(replace_ids)
    try:
        _load(con, batch.tables, replace)
        return []
    except duckdb.Error as exc:
        log.warning("bulk load of %d items failed (%s); loading them one by one", len(batch.item_ids), exc)
    failed = []
    replace_set = set(replace)
    for item_id in batch.item_ids:
        one = {name: t.filter(pc.equal(t["item_id"], item_id)) for name, t in batch.tables.items()}
        try:
            _load(con, one, [item_id] if item_id in replace_set else [])
        except duckdb.Error as exc:
            failed.append((item_id, f"{type(exc).__name__}: {exc}"))
    return failed


def _load(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table], replace: list[str]) -> None:
    tables = {**tables, "extract_replace": pa.table({"item_id": pa.array(replace, pa.string())})}
    for name, table in tables.items():
        con.register(name, table)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            if replace:
                con.execute(warehouse.load_sql("extract_delete_items"))
                con.execute(warehouse.load_sql("extract_delete_evidence"), [list(EXTRACT_SOURCES)])
            con.execute(warehouse.load_sql("extract_insert_items"))
            con.execute(warehouse.load_sql("extract_insert_audio_files"))
            con.execute(warehouse.load_sql("extract_insert_files"))
            con.execute(warehouse.load_sql("extract_insert_evidence"))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for name in tables:
            con.unregister(name)


def _error_detail(item: Any) -> dict:
    try:
        raw = json.dumps(item, ensure_ascii=True, default=str)  # ASCII escapes: even undecodable text is kept
    except ValueError:
        raw = repr(item)
    return {"raw": raw if len(raw) <= MAX_RAW_IN_ERROR else raw[:MAX_RAW_IN_ERROR] + "…(truncated)"}


# --- the whole extract -------------------------------------------------------------------------------------------


@dataclass
class Summary:
    libraries: list[str] = field(default_factory=list)
    items_seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    fetched: int = 0
    missing: int = 0
    extracted: int = 0
    errors: Counter = field(default_factory=Counter)
    requests: int = 0
    timings: Counter = field(default_factory=Counter)  # seconds of wall time by phase (where a run spends it)
    preparing_peak_rss_mb: float = 0.0

    def as_dict(self) -> dict:
        return {
            "libraries": self.libraries,
            "items_seen": self.items_seen,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "fetched": self.fetched,
            "missing": self.missing,
            "extracted": self.extracted,
            "errors": dict(self.errors),
            "error_count": sum(self.errors.values()),
            "abs_requests": self.requests,
            "seconds": {k: round(v, 2) for k, v in self.timings.items()},
            "preparing_peak_rss_mb": round(self.preparing_peak_rss_mb, 1),
        }


async def extract(
    client: AbsClient,
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    library_ids: list[str] | None = None,
    full_refresh: bool = False,
    evidence_fn: Callable[[dict, list], Iterable[Any]] | None = None,
    concurrency: int = 2,
    workers: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Extract the given (default: every book) library from ABS into the warehouse; returns the summary.

    `workers` > 1 parses and flattens batches in that many worker processes (the CPU-heavy part) while
    this process fetches and loads, once there are at least PARALLEL_FROM items to fetch.
    `on_progress(done, total)` counts items to fetch in full: called once the listing sets the total
    (per library) and, in this process, as each batch comes back fetched and flattened.
    """
    summary = Summary()
    total = done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if on_progress is not None:
            on_progress(done, total)

    if not library_ids:
        library_ids = [
            lib["id"] for lib in await client.libraries() if lib.get("mediaType", "book") == "book"
        ]
    pool: ProcessPoolExecutor | None = None
    # A big first extract writes hundreds of MB: checkpoint once at the end, not every 16 MB of WAL.
    (threshold,) = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
    con.execute("SET checkpoint_threshold = '1GB'")
    try:
        for library_id in library_ids:
            summary.libraries.append(library_id)
            t = time.perf_counter()
            listing = await client.library_item_ids(library_id)
            plan = plan_fetch(con, library_id, listing, full_refresh)
            del listing
            summary.timings["listing"] += time.perf_counter() - t
            summary.items_seen += len(plan.listed)
            summary.new += len(plan.new)
            summary.changed += len(plan.changed)
            summary.unchanged += plan.unchanged
            total += len(plan.to_fetch)
            advance(0)
            log.info(
                "library %s: %d items listed — %d new, %d changed, %d unchanged, %d removed",
                library_id,
                len(plan.listed),
                len(plan.new),
                len(plan.changed),
                plan.unchanged,
                len(plan.removed),
            )
            if pool is None and workers > 1 and len(plan.to_fetch) >= PARALLEL_FROM:
                # forkserver: workers start clean (no inherited threads or locks from Prefect / aiohttp)
                pool = ProcessPoolExecutor(workers, mp_context=get_context("forkserver"))
            await _fetch_and_store(
                client, con, run_id, plan, evidence_fn, summary, concurrency, pool, workers, advance
            )
            if plan.removed:
                con.execute(warehouse.load_sql("extract_mark_removed"), [warehouse.now(), plan.removed])
                summary.removed += len(plan.removed)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        con.execute(
            f"SET checkpoint_threshold = '{threshold}'"
        )  # a setting, not a value: cannot be a parameter
    summary.requests = client.requests
    return summary.as_dict()


async def _fetch_and_store(
    client: AbsClient,
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    plan: FetchPlan,
    evidence_fn: Callable[[dict, list], Iterable[Any]] | None,
    summary: Summary,
    concurrency: int,
    pool: ProcessPoolExecutor | None,
    workers: int,
    advance: Callable[[int], None] = lambda n: None,
) -> None:
    loop = asyncio.get_running_loop()
    changed = set(plan.changed)
    pending: deque[tuple[asyncio.Future, int]] = deque()  # (prepared batch, items asked)
    clock = time.perf_counter
    t = clock()

    ready: list[PreparedBatch] = []

    def flush() -> None:
        nonlocal t
        if ready:
            _store(con, run_id, merge_batches(ready), changed, summary)
            ready.clear()
            summary.timings["loading"] += clock() - t
            t = clock()

    async def take_oldest() -> None:
        # One transaction (and one fsync) per LOAD_ITEMS items, not per HTTP batch.
        nonlocal t
        fut, asked = pending.popleft()
        ready.append(await fut)
        summary.timings["waiting_for_workers"] += clock() - t
        advance(asked)  # here, in this process, as batches come back from the workers in order
        t = clock()
        if sum(b.fetched for b in ready) >= LOAD_ITEMS:
            flush()

    async for chunk, body in client.iter_raw_batches(plan.to_fetch, concurrency=concurrency):
        summary.timings["waiting_for_abs"] += clock() - t
        t = clock()
        if pool is None:
            fut = loop.create_future()
            fut.set_result(prepare_batch(body, chunk, run_id, evidence_fn))
            summary.timings["flattening"] += clock() - t
            t = clock()
        else:
            fut = loop.run_in_executor(pool, prepare_batch, body, chunk, run_id, evidence_fn)
        pending.append((fut, len(chunk)))
        # Keep the workers fed while this process loads: up to two batches queued per worker.
        while pending and (pool is None or len(pending) > 2 * workers):
            await take_oldest()
    while pending:
        await take_oldest()
    flush()


def merge_batches(batches: list[PreparedBatch]) -> PreparedBatch:
    """Several prepared batches as one (to load them in one transaction)."""
    if len(batches) == 1:
        return batches[0]
    return PreparedBatch(
        tables={name: pa.concat_tables([b.tables[name] for b in batches]) for name in batches[0].tables},
        item_ids=[i for b in batches for i in b.item_ids],
        problems=[p for b in batches for p in b.problems],
        malformed=[m for b in batches for m in b.malformed],
        missing=[m for b in batches for m in b.missing],
        fetched=sum(b.fetched for b in batches),
        cpu_seconds=sum(b.cpu_seconds for b in batches),
        peak_rss_mb=max(b.peak_rss_mb for b in batches),
    )


def _store(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    batch: PreparedBatch,
    changed: set[str],
    summary: Summary,
) -> None:
    summary.fetched += batch.fetched
    summary.timings["preparing_cpu"] += batch.cpu_seconds
    summary.preparing_peak_rss_mb = max(summary.preparing_peak_rss_mb, batch.peak_rss_mb)
    summary.missing += len(batch.missing)  # deleted between listing and fetching: marked removed next run
    for item_id, message, detail in batch.malformed:
        summary.errors["malformed_item"] += 1
        warehouse.record_error(con, run_id, FLOW, item_id, "malformed_item", message, detail)
    failed = dict(load_batch(con, batch, [i for i in batch.item_ids if i in changed]))
    for item_id, reason in failed.items():
        summary.errors["load_failed"] += 1
        warehouse.record_error(
            con, run_id, FLOW, item_id, "load_failed", f"item {item_id} could not be stored: {reason}"
        )
    summary.extracted += len(batch.item_ids) - len(failed)
    for item_id, kind, message in batch.problems:
        if item_id not in failed:
            summary.errors[kind] += 1
            warehouse.record_error(con, run_id, FLOW, item_id, kind, f"item {item_id}: {message}")


def run_extract(
    settings: Settings,
    db_path: Path | str,
    run_id: str | None,
    library_ids: list[str] | None = None,
    full_refresh: bool = False,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Sync entry point: open the warehouse and an ABS client from settings, extract, return the summary."""

    async def main() -> dict:
        async with AbsClient.from_settings(settings) as client:
            with warehouse.connect(db_path) as con:
                return await extract(
                    client,
                    con,
                    run_id,
                    library_ids or settings.abs_library_ids or None,
                    full_refresh,
                    evidence_fn=default_evidence(settings),
                    workers=workers if workers is not None else min(2, os.cpu_count() or 1),
                    on_progress=on_progress,
                )

    return asyncio.run(main())


def summary_markdown(summary: dict) -> str:
    """The run summary as a small markdown report (the flow's artifact)."""
    lines = [
        "# ABS extract",
        "",
        "| items seen | new | changed | unchanged | removed | extracted | errors |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary['items_seen']} | {summary['new']} | {summary['changed']} | {summary['unchanged']} | "
        f"{summary['removed']} | {summary['extracted']} | {summary['error_count']} |",
    ]
    if summary["errors"]:
        lines += ["", "Errors by kind (details: `SELECT * FROM errors WHERE flow = 'extract_abs'`):", ""]
        lines += [f"- `{kind}`: {n}" for kind, n in sorted(summary["errors"].items())]
    return "\n".join(lines) + "\n"
