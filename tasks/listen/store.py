"""The listen flow's warehouse I/O: read the work (items, audio files, candidates), write what was heard.

Only the flow's main process calls these (DuckDB allows one writing process per file); the workers
that transcribe get plain `ListenJob`s and hand back `ListenResult`s.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import duckdb

from tasks.listen.audio import AudioFileRef
from tasks.listen.hearing import evidence_rows
from tasks.listen.item import ListenJob, ListenResult
from tasks.listen.verdict import Expected
from tasks.warehouse import connect, fetch_dicts, load_sql, now, record_error


def items_to_listen(
    con: duckdb.DuckDBPyConnection, item_ids: list[str] | None, max_items: int | None
) -> list[str]:
    rows = con.execute(load_sql("listen_items"), {"item_ids": item_ids, "max_items": max_items}).fetchall()
    return [r[0] for r in rows]


def candidates_for(con: duckdb.DuckDBPyConnection, item_ids: list[str]) -> dict[str, list[Expected]]:
    out: dict[str, list[Expected]] = defaultdict(list)
    if not item_ids:
        return out
    for row in fetch_dicts(con, load_sql("listen_candidates"), {"item_ids": item_ids}):
        out[row["item_id"]].append(
            Expected(
                book_id=int(row["book_id"]),
                title=row["title"] or "",
                authors=tuple(row["authors"] or ()),
                narrators=tuple(row["narrators"] or ()),
                series=row["series_name"],
                position=row["position"],
            )
        )
    return out


def load_jobs(db_path: Path | str, item_ids: list[str] | None, max_items: int | None) -> list[ListenJob]:
    """One job per item to hear, with its audio files in play order and its current candidates.

    The listen flow's run record migrated the warehouse as the run started: no schema work here."""
    with connect(db_path, migrate_schema=False) as con:
        ids = items_to_listen(con, item_ids, max_items)
        if not ids:
            return []
        files: dict[str, list[AudioFileRef]] = defaultdict(list)
        for row in fetch_dicts(con, load_sql("listen_audio_files"), {"item_ids": ids}):
            files[row["item_id"]].append(
                AudioFileRef(
                    item_id=row["item_id"],
                    ino=str(row["ino"]),
                    index=int(row["idx"] or 0),
                    path=row["path"],
                    duration=row["duration"],
                    size=row["size"],
                )
            )
        candidates = candidates_for(con, ids)
    return [ListenJob(item_id=i, files=files[i], candidates=candidates.get(i, [])) for i in ids]


def store_result(
    db_path: Path | str,
    run_id: str,
    result: ListenResult,
    searched: bool = False,
    search_error: str | None = None,
) -> None:
    """Write one item's transcripts, transcript evidence, verdict (and errors) in one transaction.

    The warehouse is the listen flow's, migrated as its run started: no schema work per item."""
    with connect(db_path, migrate_schema=False) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            _write(con, run_id, result, searched)
            if search_error:
                record_error(con, run_id, "listen", result.item_id, "transcript_search_failed", search_error)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def _write(con: duckdb.DuckDBPyConnection, run_id: str, result: ListenResult, searched: bool) -> None:
    stamp = now()
    for w in result.windows:
        con.execute(
            load_sql("listen_insert_transcript"),
            {
                "item_id": result.item_id,
                "file_ino": w.file_ino,
                "window_kind": w.window_kind,
                "window_start": w.window_start,
                "seconds": w.seconds,
                "model": result.model,
                "text": w.text,
                "extracted": json.dumps(w.extracted),
                "cpu_seconds": w.cpu_seconds,
                "source": result.source,
                "run_id": run_id,
                "created_at": stamp,
                "hinted": w.hinted,
            },
        )
    if result.error_kind is None:
        con.execute(load_sql("listen_delete_transcript_evidence"), {"item_id": result.item_id})
        for field, value, ordinal, rule in evidence_rows(result):
            con.execute(
                load_sql("listen_insert_evidence"),
                {
                    "item_id": result.item_id,
                    "field": field,
                    "value": value,
                    "ordinal": ordinal,
                    "rule": rule,
                    "run_id": run_id,
                },
            )
    else:
        record_error(
            con,
            run_id,
            "listen",
            result.item_id,
            result.error_kind,
            result.error or result.error_kind,
            result.error_detail,
        )
    scores = [s.to_dict() for s in result.judgement.scores] if result.judgement else []
    con.execute(
        load_sql("listen_insert_result"),
        {
            "item_id": result.item_id,
            "run_id": run_id,
            "verdict": result.verdict,
            "book_id": result.book_id,
            "complete": result.complete,
            "windows": len(result.windows),
            "audio_seconds": result.audio_seconds,
            "cpu_seconds": result.cpu_seconds,
            "bytes_read": result.bytes_read,
            "source": result.source,
            "credits": json.dumps(result.credits.to_dict()),
            "scores": json.dumps(scores),
            "searched": searched,
            "listened_at": stamp,
        },
    )
