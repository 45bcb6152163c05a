"""One `batch/get` answer, parsed once and flattened into Arrow tables (in a worker process or inline)."""

from __future__ import annotations

import gc
import json
import re
import resource
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tasks import warehouse
from tasks.abs import AbsClient
from tasks.extract.flatten import FlatItem, flatten_item
from tasks.extract.schema import AUDIO_SCHEMA, EVIDENCE_SCHEMA, FILE_SCHEMA, ITEM_SCHEMA, table
from tasks.extract.validate import MalformedItem

MAX_RAW_IN_ERROR = 200_000


@dataclass
class PreparedBatch:
    """One fetched batch, checked and flattened into Arrow tables (built in a worker process or inline)."""

    tables: dict[str, pa.Table]
    item_ids: list[str]  # items that passed the checks, in the tables
    problems: list[tuple[str, str, str]]  # (item_id, kind, message) for items that still land
    malformed: list[
        tuple[str | None, str, dict[str, Any]]
    ]  # (item_id, message, detail) for items that do not
    missing: list[str]  # asked for, silently not returned by ABS
    fetched: int
    cpu_seconds: float = 0.0  # spent preparing it (in a worker process, when there are workers)
    peak_rss_mb: float = 0.0  # of the process that prepared it


@contextmanager
def _gc_paused() -> Iterator[None]:
    # A batch makes ~100k short-lived objects that reference counting frees; the cyclic GC scanning
    # them meanwhile costs ~20% of the time, so it is paused for the batch.
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def prepare_batch(
    body: bytes,
    asked: list[str],
    run_id: str | None,
    evidence_fn: Callable[[dict[str, Any], list[Any]], Iterable[Any]] | None,
) -> PreparedBatch:
    """Parse a `batch/get` answer, check and flatten every item, and build the batch's Arrow tables."""
    with _gc_paused():
        cpu = time.process_time()
        pairs: Sequence[tuple[dict[str, Any], str | None]] | None = split_batch(body)
        if pairs is None:  # not the usual envelope: parse it whole, re-serialise each item for `raw`
            items, missing = AbsClient.parse_items(body, asked)
            pairs = [(item, None) for item in items]
        else:
            got = {item.get("id") for item, _ in pairs}
            missing = [i for i in asked if i not in got]
        stamp = warehouse.now()
        flats: list[FlatItem] = []
        malformed: list[tuple[str | None, str, dict[str, Any]]] = []
        for item, raw in pairs:
            item_id = item.get("id") if isinstance(item.get("id"), str) else None
            try:
                flats.append(flatten_item(item, run_id, stamp, evidence_fn, raw))
            except MalformedItem as exc:
                malformed.append(
                    (item_id, f"item {item_id}: {exc} — skipped; fix it in ABS", error_detail(item))
                )
        return PreparedBatch(
            tables={
                "extract_items": table([f.item for f in flats], ITEM_SCHEMA),
                "extract_audio_files": table([r for f in flats for r in f.audio_files], AUDIO_SCHEMA),
                "extract_files": table([r for f in flats for r in f.files], FILE_SCHEMA),
                "extract_evidence": table([r for f in flats for r in f.evidence], EVIDENCE_SCHEMA),
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


def _skip_space(text: str, pos: int) -> int:
    """The position of the first non-whitespace character at or after `pos`."""
    match = _WS_RE.match(text, pos)
    return match.end() if match else pos  # `\s*` always matches


def split_batch(body: bytes) -> list[tuple[dict[str, Any], str]] | None:
    """(item, its JSON text) for each item of a `{"libraryItems": [...]}` answer, parsed once.

    Keeping each item's own text saves re-serialising it for `abs_items.raw`. None when the answer
    does not start like that (the caller then parses it whole).
    """
    text = body.decode("utf-8", "surrogatepass")
    head = _ENVELOPE.match(text)
    if head is None:
        return None
    out: list[tuple[dict[str, Any], str]] = []
    i = head.end()
    if text.startswith("]", i):
        return out
    while True:
        obj, end = _DECODER.raw_decode(text, i)
        if isinstance(obj, dict):
            out.append((obj, text[i:end]))
        j = _skip_space(text, end)
        if text.startswith(",", j):
            i = _skip_space(text, j + 1)
        elif text.startswith("]", j):
            return out
        else:
            raise ValueError(f"unexpected {text[j : j + 20]!r} after item {len(out)} of a batch/get answer")


def error_detail(item: Any) -> dict[str, Any]:
    try:
        raw = json.dumps(item, ensure_ascii=True, default=str)  # ASCII escapes: even undecodable text is kept
    except ValueError:
        raw = repr(item)
    return {"raw": raw if len(raw) <= MAX_RAW_IN_ERROR else raw[:MAX_RAW_IN_ERROR] + "…(truncated)"}


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
