"""Journal, send and verify a chunk of changes: the intent is committed before the request and the outcome
after the read-back, so a write is never unrecorded and never sent twice; intents a stopped run left
open are settled by reading ABS (`reconcile_open_intents`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import duckdb

from tasks.abs import AbsClient, AbsError, AbsNotFound, AbsUnavailable
from tasks.warehouse import fetch_dicts, load_sql, record_error
from tasks.writeback.conflicts import COVER
from tasks.writeback.covers import cover_holds
from tasks.writeback.journal import log_row, log_rows, record_stamps
from tasks.writeback.live import current_values, landed, read_items
from tasks.writeback.payload import PayloadError, same, to_media_payload, validate_batch
from tasks.writeback.plan import dumps, loads

FLOW = "writeback"


def chunks(seq: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(seq), max(1, size)):
        yield seq[i : i + size]


def chunks_with_progress(
    seq: list[Any], size: int, on_progress: Callable[[int, int], None] | None
) -> Iterator[tuple[list[Any], int]]:
    """`seq` in chunks of `size`, each with how many items are left from it on (what a stop leaves);
    `on_progress(done, total)` before the first chunk and after each chunk the caller finishes."""
    total, done = len(seq), 0
    if on_progress is not None:
        on_progress(0, total)
    for chunk in chunks(seq, size):
        yield chunk, total - done
        done += len(chunk)
        if on_progress is not None:
            on_progress(done, total)


async def reconcile_open_intents(con: duckdb.DuckDBPyConnection, client: AbsClient, run_id: str) -> int:
    """Settle intents a stopped run left behind: ABS holds `after` -> verified (or rolled_back), else not_applied."""
    intents = fetch_dicts(con, load_sql("writeback_open_intents"))
    if not intents:
        return 0
    live = await read_items(client, sorted({i["item_id"] for i in intents}))
    rows = []
    landed: dict[str, bool] = {}
    for i in intents:
        after = loads(i["after"])
        item = live.get(i["item_id"])
        note = f"reconciled by run {run_id} after an interrupted run"
        if item is None:
            status, note = "missing", f"{note}: ABS no longer has the item"
        elif (
            await cover_holds(client, item, after)
            if i["field"] == COVER
            else same(i["field"], current_values(item)[i["field"]], after)
        ):
            status = "rolled_back" if i["undoes_run_id"] else "verified"
        else:
            status = "not_applied"
        landed[i["item_id"]] = landed.get(i["item_id"], True) and status in ("verified", "rolled_back")
        rows.append(
            log_row(
                i["run_id"],
                i["item_id"],
                i["field"],
                loads(i["before"]),
                after,
                status,
                note,
                i["undoes_run_id"],
            )
        )
    log_rows(con, rows)
    # ABS holds every value the stopped run sent to these items: their updatedAt is that run's write.
    record_stamps(con, run_id, [live[i] for i, ok in landed.items() if ok and i in live])
    return len(rows)


async def send(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    run_id: str,
    payloads: dict[str, dict[str, Any]],
    flow: str = FLOW,
) -> tuple[list[str], dict[str, str]]:
    """batch/update the payloads; on a 404 fall back to one PATCH per item. Returns (sent ids, {id: failure status}).

    A retry after an attempt ABS may have handled first reads the items back and sends only the
    updates that did not land, so no update is applied twice.
    """

    async def unlanded(batch: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        live = await read_items(client, [u["id"] for u in batch])
        left = [u for u in batch if not landed(live.get(u["id"]), u["mediaPayload"])]
        return left or None

    batch = [{"id": item_id, "mediaPayload": p} for item_id, p in payloads.items()]
    try:
        await client.batch_update(batch, settle=unlanded)
        return list(payloads), {}
    except AbsNotFound:
        pass  # one unknown id makes ABS refuse the whole batch, so find which item it was
    sent, failed = [], {}
    for item_id, payload in payloads.items():

        async def unlanded_one(body: dict[str, Any], item_id: str = item_id) -> dict[str, Any] | None:
            left = await unlanded([{"id": item_id, "mediaPayload": body}])
            return body if left else None

        try:
            await client.patch_item_media(item_id, payload, settle=unlanded_one)
            sent.append(item_id)
        except AbsNotFound:
            failed[item_id] = "missing"
            record_error(
                con,
                run_id,
                flow,
                item_id,
                "abs_item_missing",
                f"ABS has no item {item_id} any more (404); its changes were not written. "
                "Run extract_abs to refresh the warehouse.",
            )
        except AbsUnavailable:
            raise
        except AbsError as exc:
            failed[item_id] = "failed"
            record_error(
                con, run_id, flow, item_id, "abs_write_failed", f"ABS refused the update of {item_id}: {exc}"
            )
    return sent, failed


def _author_names(item: dict[str, Any]) -> list[str]:
    authors: list[str] = current_values(item)["authors"]
    return authors


async def fix_author_order(
    client: AbsClient, changes: dict[str, list[tuple[str, Any, Any]]], live: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Put authors in the order written where ABS kept another one; returns the items read again.

    ABS keeps the authors an item already had in their old place and appends new names, so writing
    ["A", "B"] over ["B"] leaves ["B", "A"]. Writing the first name alone, then the list, links them
    in the order given (ABS removes and re-adds the others in between).
    """
    wrong = {}
    for item_id, fields in changes.items():
        wanted = next((after for f, _, after in fields if f == "authors"), None)
        item = live.get(item_id)
        if (
            wanted
            and item is not None
            and same("authors", _author_names(item), wanted)
            and [a.casefold() for a in _author_names(item)] != [a.casefold() for a in wanted]
        ):
            wrong[item_id] = wanted
    if not wrong:
        return {}
    for step in ([names[:1] for names in wrong.values()], list(wrong.values())):
        batch = [
            {"id": i, "mediaPayload": to_media_payload({"authors": names})}
            for i, names in zip(wrong, step, strict=True)
        ]
        validate_batch(batch)
        await client.batch_update(batch)
    return await read_items(client, list(wrong))


async def write_changes(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    run_id: str,
    changes: dict[str, list[tuple[str, Any, Any]]],
    summary_counts: dict[str, int],
    allow_clear: bool = False,
    undoes: dict[tuple[str, str], list[str]] | None = None,
    flow: str = FLOW,
) -> None:
    """Journal, send and verify one chunk: changes = {item_id: [(field, before, after), ...]}.

    `undoes` (rollback only) maps (item, field) to the writeback runs whose writes this restores;
    each gets its own journal rows so every undone write is marked.
    """
    ok_status = "rolled_back" if undoes is not None else "verified"

    def rows_for(
        item_id: str, fld: str, before: Any, after: Any, status: str, error: str | None = None
    ) -> list[list[Any]]:
        runs: Sequence[str | None] = (undoes or {}).get((item_id, fld)) or [None]
        return [log_row(run_id, item_id, fld, before, after, status, error, r) for r in runs]

    payloads: dict[str, dict[str, Any]] = {}
    refused_rows: list[list[Any]] = []
    for item_id, fields in changes.items():
        payload = to_media_payload({f: after for f, _, after in fields})
        try:
            validate_batch([{"id": item_id, "mediaPayload": payload}], allow_clear=allow_clear)
        except PayloadError as exc:
            record_error(con, run_id, flow, item_id, "payload_refused", str(exc), {"field": exc.field})
            for f, before, after in fields:
                refused_rows += rows_for(item_id, f, before, after, "refused", str(exc))
            summary_counts["refused"] = summary_counts.get("refused", 0) + len(fields)
            continue
        payloads[item_id] = payload
    log_rows(con, refused_rows)
    if not payloads:
        return

    # The intent is committed before the request: a crash after this point is found and settled.
    log_rows(con, [r for i in payloads for f, b, a in changes[i] for r in rows_for(i, f, b, a, "intent")])
    sent, failed = await send(con, client, run_id, payloads, flow)
    outcome: list[list[Any]] = []
    for item_id, status in failed.items():
        for f, b, a in changes[item_id]:
            outcome += rows_for(
                item_id, f, b, a, status, f"ABS answered {'404' if status == 'missing' else 'an error'}"
            )
        summary_counts[status] = summary_counts.get(status, 0) + len(changes[item_id])
    log_rows(con, outcome)

    live = await read_items(client, sent)
    live.update(await fix_author_order(client, changes, live))
    record_stamps(con, run_id, live.values())
    outcome = []
    for item_id in sent:
        item = live.get(item_id)
        now_values = current_values(item) if item else {}
        for f, b, a in changes[item_id]:
            if item is None:
                status, error = "missing", "the item vanished from ABS before it could be read back"
            elif same(f, now_values[f], a):
                status, error = ok_status, None
            else:
                status, error = "mismatch", f"read back {dumps(now_values[f])}"
            outcome += rows_for(item_id, f, b, a, status, error)
            summary_counts[status] = summary_counts.get(status, 0) + 1
    log_rows(con, outcome)
