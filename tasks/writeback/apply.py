"""Apply a plan to ABS: validate, log the intent, send, read back, log the outcome.

The journal (`writeback_log`) is append-only. For every field an `intent` row is committed
*before* the request; after the request the outcome is a new row (`verified`, `mismatch`,
`missing`, `failed`, `refused`). A run that dies in between leaves open intents, which the next
run settles by reading ABS (`reconcile_open_intents`) before planning anything — so a write is
never unrecorded and never sent twice.

An item is written only from what the last sync read of it: held items (see writeback_approved.sql)
are not sent. A field a person changed in ABS (since shelfmatch last read or wrote it, see
conflicts.py) is a conflict, left alone; an item whose title or authors changed since the last sync
is held whole (`changed_in_abs`): its match may describe another book. `force` writes both, planned
against their live values. ABS's `updatedAt` after shelfmatch's own writes is kept in
`writeback_item_stamps`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from tasks.abs import AbsClient, AbsError, AbsNotFound, AbsUnavailable
from tasks.errors import ShelfmatchError
from tasks.settings import Settings
from tasks.warehouse import fetch_dicts, load_sql, now, record_error
from tasks.writeback.conflicts import COVER, baseline, edited_fields, identity_changed, our_writes
from tasks.writeback.covers import CatalogueImages, cover_holds, write_covers
from tasks.writeback.payload import (
    FIELDS,
    PayloadError,
    from_abs_metadata,
    same,
    to_media_payload,
    validate_batch,
)
from tasks.writeback.plan import (
    Hold,
    ItemPlan,
    approved_items,
    build_plans,
    current_from_warehouse,
    dumps,
    field_policies,
    held_fields,
    hold_of,
    honour_field_choices,
    insert_rows,
    item_labels,
    load_targets,
    loads,
    split_holds,
    store_holds,
    store_plans,
    unchosen_fields,
)

FLOW = "writeback"


class AbsNotAnswering(ShelfmatchError, RuntimeError):
    """ABS stopped answering mid-run; everything sent so far is journaled, the rest waits for a re-run.

    `counts` are what the run did before it stopped (kept in its `runs` row)."""

    def __init__(self, message: str, counts: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.counts = counts or {}


@dataclass
class WriteSummary:
    run_id: str
    approved: int = 0
    planned_items: int = 0
    planned_fields: int = 0
    verified: int = 0
    mismatch: int = 0
    missing: int = 0
    refused: int = 0
    failed: int = 0
    already_equal: int = 0  # fields ABS already holds the book's value of
    conflicts: int = 0  # fields a person changed in ABS: left alone
    covers_set: int = 0
    covers_verified: int = 0
    held_after_rollback: int = 0
    held_items: int = 0
    reconciled: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "counts"}

    def so_far(self) -> dict[str, Any]:
        """The counts of a run that stops before its end (outcomes still in `counts` included)."""
        out = self.as_dict()
        for key in ("verified", "mismatch", "missing", "refused", "failed"):
            out[key] += self.counts.get(key, 0)
        return out


LOG_COLUMNS = [
    "run_id",
    "item_id",
    "field",
    "before",
    "after",
    "status",
    "error",
    "undoes_run_id",
    "logged_at",
]


def log_rows(con: duckdb.DuckDBPyConnection, rows: list[list]) -> None:
    """Append journal rows in one statement (atomic: all of them are committed, or none)."""
    insert_rows(con, "writeback_insert_log", LOG_COLUMNS, rows)


def log_row(
    run_id: str,
    item_id: str,
    fld: str,
    before: Any,
    after: Any,
    status: str,
    error: str | None = None,
    undoes_run_id: str | None = None,
) -> list:
    return [run_id, item_id, fld, dumps(before), dumps(after), status, error, undoes_run_id, now()]


def not_answering(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    flow: str,
    url: str,
    exc: Exception,
    left: str,
    command: str,
    counts: dict[str, Any] | None = None,
) -> AbsNotAnswering:
    """The stop message (and its `errors` row) when ABS stops a run: what was seen, what is left, how to resume."""
    message = (
        f"Stopped: {exc}. {left[:1].upper()}{left[1:]}; everything sent so far is journaled and open intents "
        f"are settled by reading ABS ({url}) on the next run: re-run `{command}` to resume once ABS answers."
    )
    record_error(con, run_id, flow, None, "abs_unavailable", message)
    return AbsNotAnswering(message, counts)


def chunks(seq: list, size: int) -> Iterable[list]:
    for i in range(0, len(seq), max(1, size)):
        yield seq[i : i + size]


async def read_items(client: AbsClient, ids: list[str]) -> dict[str, dict]:
    """id -> expanded item for the ids ABS still has (batch/get; per item when the batch 404s)."""
    if not ids:
        return {}
    try:
        items = await client.get_items(ids)
    except AbsNotFound:
        items = []
        for item_id in ids:
            try:
                items.append(await client.get_item(item_id))
            except AbsNotFound:
                continue
    return {it["id"]: it for it in items if it and it.get("id") in set(ids)}


def current_values(item: dict) -> dict[str, Any]:
    """Canonical values of every writeback field of an expanded item; the cover as its path."""
    media = item.get("media") if isinstance(item.get("media"), dict) else {}
    return {**from_abs_metadata(media.get("metadata") or {}), COVER: media.get("coverPath") or None}


STAMP_COLUMNS = ["item_id", "updated_at", "run_id", "read_at"]


def record_stamps(con: duckdb.DuckDBPyConnection, run_id: str, items: Iterable[dict]) -> None:
    """Keep ABS's updatedAt of items as our own write just left them (read back after the write)."""
    at = now()
    rows = [
        [it["id"], int(it["updatedAt"]), run_id, at]
        for it in items
        if isinstance(it.get("updatedAt"), int | float) and not isinstance(it.get("updatedAt"), bool)
    ]
    insert_rows(con, "writeback_upsert_stamps", STAMP_COLUMNS, rows)


def live_holds(
    rows: list[dict], live: dict[str, dict], force: bool, edited: dict[str, dict[str, str]]
) -> tuple[list[dict], list[Hold]]:
    """(rows still writable, holds) once ABS has been read: an item ABS marks missing is never written;
    one whose title or authors a person changed since the last sync (`edited`, see conflicts.py) only
    with `force`. Other fields a person changed are conflicts of the plan, not holds of the item."""
    ready, holds = [], []
    for r in rows:
        item = live.get(r["item_id"])
        if item is not None and item.get("isMissing") is True:
            holds.append(hold_of(r, "missing_files"))
        elif not force and identity_changed(edited.get(r["item_id"], {})):
            holds.append(hold_of(r, "changed_in_abs"))
        else:
            ready.append(r)
    return ready, holds


def changed_since_sync(rows: list[dict], live: dict[str, dict]) -> set[str]:
    """Items whose live ABS updatedAt is newer than the last sync's (or our own write's)."""
    out = set()
    for r in rows:
        stamp = (live.get(r["item_id"]) or {}).get("updatedAt")
        known = r.get("known_updated_at")
        if (
            isinstance(stamp, int | float)
            and not isinstance(stamp, bool)
            and known is not None
            and stamp > known
        ):
            out.add(r["item_id"])
    return out


COVER_CHANGED = "the item changed in ABS since the last sync and its cover may be a person's: left alone; --force replaces it"


def find_edits(
    con: duckdb.DuckDBPyConnection, rows: list[dict], live: dict[str, dict], current: dict[str, dict]
) -> dict[str, dict[str, str]]:
    """item -> field -> why it is taken for a person's edit (conflicts.py), for the live items of `rows`.

    A cover replaced by hand at the same path is not visible in `coverPath`: an item changed since the
    sync has its existing cover counted as edited too (only `update` would replace it)."""
    ids = [r["item_id"] for r in rows if r["item_id"] in current]
    edited = edited_fields(
        {i: current[i] for i in ids}, baseline(con, current_from_warehouse(con, ids)), our_writes(con, ids)
    )
    for item_id in changed_since_sync(rows, live):
        if current.get(item_id, {}).get(COVER):
            edited.setdefault(item_id, {}).setdefault(COVER, COVER_CHANGED)
    return edited


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


def landed(item: dict | None, payload: dict) -> bool:
    """Whether ABS already holds every value `payload` sets (a write it handled but we did not hear)."""
    if item is None:
        return False
    held = current_values(item)
    sent = payload.get("metadata") or {}
    return all(same(f, held[f], sent[key]) for f, key in FIELDS.items() if key in sent)


async def send(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    run_id: str,
    payloads: dict[str, dict],
    flow: str = FLOW,
) -> tuple[list[str], dict[str, str]]:
    """batch/update the payloads; on a 404 fall back to one PATCH per item. Returns (sent ids, {id: failure status}).

    A retry after an attempt ABS may have handled first reads the items back and sends only the
    updates that did not land, so no update is applied twice.
    """

    async def unlanded(batch: list[dict]) -> list[dict] | None:
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

        async def unlanded_one(body: dict, item_id: str = item_id) -> dict | None:
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


def _author_names(item: dict) -> list[str]:
    return current_values(item)["authors"]


async def fix_author_order(
    client: AbsClient, changes: dict[str, list[tuple[str, Any, Any]]], live: dict[str, dict]
) -> dict[str, dict]:
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
    ) -> list[list]:
        runs = (undoes or {}).get((item_id, fld)) or [None]
        return [log_row(run_id, item_id, fld, before, after, status, error, r) for r in runs]

    payloads: dict[str, dict] = {}
    refused_rows: list[list] = []
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
    outcome: list[list] = []
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


async def apply_writeback(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    settings: Settings,
    run_id: str,
    item_ids: list[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    force: bool = False,
) -> WriteSummary:
    """Write every approved change to ABS, chunk by chunk, planning each chunk against live ABS values.

    Held items are stored in `writeback_holds` and not sent; `force` writes items changed in ABS since
    the last sync (every other hold stands). `on_progress(done, total)` counts the approved items that
    are not held and have a Hardcover book, once per chunk.
    """
    summary = WriteSummary(run_id)
    try:
        summary.reconciled = await reconcile_open_intents(con, client, run_id)
    except AbsUnavailable as exc:
        raise not_answering(
            con,
            run_id,
            FLOW,
            settings.abs_url,
            exc,
            "no items written yet",
            "shelfmatch writeback --apply",
            summary.so_far(),
        ) from exc
    policies = field_policies(settings)
    approved = approved_items(con, settings, item_ids)
    summary.approved = len(approved)
    writable, holds = split_holds(approved)
    summary.held_items += store_holds(con, run_id, holds)
    targets = load_targets(con, writable)
    for r in writable:
        if r["item_id"] not in targets:
            record_error(
                con,
                run_id,
                FLOW,
                r["item_id"],
                "book_not_in_warehouse",
                f"Hardcover book {r['book_id']} approved for {r['item_id']} is not in hc_books; "
                "run fetch_candidates (or `shelfmatch review` → [E]) to fetch it.",
            )
    ready = [r for r in writable if r["item_id"] in targets]
    held = held_fields(con)
    done = 0
    if on_progress is not None:
        on_progress(0, len(ready))
    images = CatalogueImages(con, timeout=settings.hardcover_timeout_seconds)
    async with images:
        for chunk in chunks(ready, settings.writeback_batch_size):
            ids = [r["item_id"] for r in chunk]
            try:
                await _write_chunk(
                    con, client, run_id, chunk, targets, policies, held, force, images, summary
                )
            except AbsUnavailable as exc:
                left = f"{len(ready) - done} approved items left"
                raise not_answering(
                    con,
                    run_id,
                    FLOW,
                    settings.abs_url,
                    exc,
                    left,
                    "shelfmatch writeback --apply",
                    summary.so_far(),
                ) from exc
            done += len(ids)
            if on_progress is not None:
                on_progress(done, len(ready))
    for key in ("verified", "mismatch", "missing", "refused", "failed", "already_equal"):
        setattr(summary, key, getattr(summary, key) + summary.counts.get(key, 0))
    summary.covers_set = summary.counts.get("covers_set", 0)
    summary.covers_verified = summary.counts.get("covers_verified", 0)
    return summary


async def _write_chunk(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    run_id: str,
    chunk: list[dict],
    targets: dict,
    policies: dict,
    held: set[tuple[str, str]],
    force: bool,
    images: CatalogueImages,
    summary: WriteSummary,
) -> None:
    """Plan one chunk against live ABS values and write it: metadata in one batch, then covers."""
    live = await read_items(client, [r["item_id"] for r in chunk])
    current = {i: current_values(it) for i, it in live.items()}
    edited = find_edits(con, chunk, live, current)
    fresh, changed = live_holds(chunk, live, force, edited)
    summary.held_items += store_holds(con, run_id, changed)
    plans = build_plans(fresh, targets, current, policies, held, {} if force else edited)
    honour_field_choices(plans, unchosen_fields(con))
    _log_missing(con, run_id, [r for r in chunk if r["item_id"] not in live], targets, policies, summary)
    store_plans(con, run_id, plans, item_labels(con, [p.item_id for p in plans]))
    _tally(summary, plans)
    changes = {
        p.item_id: [(c.field, c.before, c.after) for c in p.changes if c.field != COVER]
        for p in plans
        if any(c.field != COVER for c in p.changes)
    }
    await write_changes(con, client, run_id, changes, summary.counts)
    read_back = await write_covers(con, client, run_id, plans, live, summary.counts, images)
    record_stamps(con, run_id, read_back)


def _log_missing(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    rows: list[dict],
    targets: dict,
    policies: dict,
    summary: WriteSummary,
) -> None:
    """Approved items ABS no longer has: an errors row each, and their planned fields journaled as missing."""
    if not rows:
        return
    ids = [r["item_id"] for r in rows]
    plans = build_plans(rows, targets, current_from_warehouse(con, ids), policies)
    log_rows(
        con,
        [
            log_row(run_id, p.item_id, c.field, c.before, c.after, "missing", "ABS has no such item (404)")
            for p in plans
            for c in p.changes
        ],
    )
    summary.missing += sum(len(p.changes) for p in plans)
    for item_id in ids:
        record_error(
            con,
            run_id,
            FLOW,
            item_id,
            "abs_item_missing",
            f"ABS has no item {item_id} any more; nothing written. Run extract_abs to refresh the warehouse.",
        )


def _tally(summary: WriteSummary, plans: list[ItemPlan]) -> None:
    summary.planned_items += sum(1 for p in plans if p.changes)
    summary.planned_fields += sum(len(p.changes) for p in plans)
    summary.already_equal += sum(len(p.already) for p in plans)
    summary.conflicts += sum(len(p.conflicts) for p in plans)
    summary.held_after_rollback += sum(len(p.held) for p in plans)
