"""Fault drills: shelfmatch's real flows and command line against the emulators behind a fault proxy.

A write drill builds a fresh world — the ABS emulator serving the recorded library, the fault proxy
(emulators/faults.py) in front of it, a warehouse extracted through the proxy, an auto-tier match
for every item — then injects its fault, runs `writeback --apply` as a person would (again after a
stop), and rolls everything back under a fault of its own. From the emulator's request log and the
warehouse it measures:
- double_writes: updates ABS applied to an item more than once in one writeback (retries included);
- lost_writes: planned field values ABS does not hold once the writeback (and its re-run) is done;
- stale_writes: updates sent to an item that changed in ABS since the sync (it must be held);
- rollback_exact: every item's metadata is, byte for byte, what it was before the writeback.
`hardcover_drill()` runs the Hardcover client through the proxy (429 with Retry-After, 503, a
reset). Bad input through the real CLI and `shelfmatch sql` bypasses are in emulators/bad_input.py.

tests/test_fault_drills.py runs each drill as a test; bench/faults.py runs them all for one figure.
Both need a Prefect API (the tests' harness; bench starts one) for the flows.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from emulators.abs import TRUE_TITLES, fixture_items, run_abs_emulator
from emulators.catalogue import load_catalogue
from emulators.faults import FaultProxy, run_fault_proxy
from emulators.hc_tables import load_hc_tables

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "test-key"
_BATCH_UPDATE = "/api/items/batch/update"
WRITE_PATHS = (_BATCH_UPDATE,)


@dataclass
class World:
    emu: Any
    proxy: FaultProxy
    db: Path
    original: dict[str, str]  # item id -> its metadata as ABS served it after the extract
    plan: dict[tuple[str, str], Any]  # (item, field) -> the value a dry run planned
    books: dict[str, int]  # item id -> the approved Hardcover book
    stale: set[str] = field(default_factory=set)  # changed in ABS since the sync: must be held, not written
    refused: set[str] = field(default_factory=set)  # payloads refused before sending: never written


@dataclass
class DrillResult:
    name: str
    passed: bool
    double_writes: int = 0
    lost_writes: int = 0
    stale_writes: int = 0
    rollback_exact: bool = True
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@contextmanager
def settings_env(values: dict[str, str]) -> Iterator[None]:
    """Set SHELFMATCH_* variables for the drill and put back what was there."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def metadata(emu: Any) -> dict[str, str]:
    return {i: json.dumps(it["media"]["metadata"], sort_keys=True) for i, it in emu.items.items()}


def applied_writes(emu: Any, since: int = 0) -> Counter:
    """item id -> updates ABS applied (answered 200) from request `since` on, from the request bodies."""
    out: Counter = Counter()
    for r in emu.request_log[since:]:
        if r.get("status") != 200:
            continue
        if r["method"] == "PATCH" and r["path"].endswith("/media"):
            out[r["path"].split("/")[-2]] += 1
        elif r["path"].startswith(WRITE_PATHS):
            out.update(u["id"] for u in json.loads(r["body"]))
    return out


def _seed_matches(db: Path, emu: Any) -> dict[str, int]:
    """An auto-tier match for every item: its real book when known, otherwise a catalogue book."""
    from tasks.warehouse import connect, now

    catalogue = [b for b in load_catalogue().books if b.default_audio_edition is not None and b.authors]
    by_title = {b.title: b for b in catalogue}
    spare = iter(catalogue[300:])
    chosen = {}
    for item_id, item in sorted(emu.items.items()):
        title = item["media"]["metadata"].get("title")
        chosen[item_id] = by_title.get(TRUE_TITLES.get(title, "")) or next(spare)
    with connect(db) as con:
        load_hc_tables(con, list({b.book_id: b for b in chosen.values()}.values()))
        for item_id, book in chosen.items():
            con.execute(
                "INSERT INTO matches (item_id, run_id, book_id, edition_id, confidence, tier, explanation, "
                "evidence_hash, scored_at) VALUES (?, 'drill-score', ?, ?, 0.99, 'auto', '[]', 'h', ?)",
                [item_id, book.book_id, book.default_audio_edition.edition_id, now()],
            )
    return {i: b.book_id for i, b in chosen.items()}


@contextmanager
def world(tmp: Path, **env: str) -> Iterator[World]:
    """A fresh ABS emulator behind a fault proxy, a warehouse extracted through it, every item matched."""
    from flows.extract import extract_abs
    from flows.writeback import writeback
    from tasks.warehouse import connect

    tmp.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        emu = stack.enter_context(run_abs_emulator(fixture_items(), api_key=API_KEY, record_bodies=True))
        proxy = stack.enter_context(run_fault_proxy(emu.url))
        db = tmp / "warehouse.duckdb"
        values = {
            "SHELFMATCH_ABS_URL": proxy.url,
            "SHELFMATCH_ABS_API_KEY": API_KEY,
            "SHELFMATCH_DUCKDB_PATH": str(db),
            "SHELFMATCH_WRITEBACK_BATCH_SIZE": "3",
            "SHELFMATCH_ABS_TIMEOUT_SECONDS": "10",
            "SHELFMATCH_RETRY_BACKOFF_SECONDS": "0.2",
            "SHELFMATCH_RETRY_MAX_BACKOFF_SECONDS": "1.0",
            **env,
        }
        stack.enter_context(settings_env(values))
        extract_abs(db_path=str(db))
        books = _seed_matches(db, emu)
        dry = asyncio.run(writeback(db_path=str(db)))
        with connect(db) as con:
            rows = con.execute(
                "SELECT item_id, field, after FROM writeback_plans WHERE run_id = ?", [dry["run_id"]]
            ).fetchall()
        plan = {(i, f): json.loads(a) for i, f, a in rows}
        yield World(emu, proxy, db, metadata(emu), plan, books)


def apply(w: World, attempts: int = 2) -> list[str]:
    """`writeback --apply`, run again (up to `attempts` runs) when it stops; returns each run's outcome."""
    from flows.writeback import writeback
    from tasks.writeback.apply import AbsNotAnswering

    outcomes = []
    for _ in range(attempts):
        try:
            asyncio.run(writeback(apply=True, db_path=str(w.db)))
        except AbsNotAnswering as exc:
            outcomes.append(f"stopped: {exc}")
            w.proxy.clear()
            w.proxy.call(w.proxy.up())
            continue
        outcomes.append("completed")
        break
    return outcomes


def measure(w: World, since: int, result: DrillResult) -> None:
    """double, lost and stale writes of the writeback phase (requests from `since` on)."""
    from tasks.writeback.apply import current_values
    from tasks.writeback.payload import same

    applied = applied_writes(w.emu, since)
    result.double_writes = sum(n - 1 for n in applied.values() if n > 1)
    result.stale_writes = sum(applied[i] for i in w.stale)
    if any(applied[i] for i in w.refused):
        result.notes.append("check failed: a refused payload was sent")
    lost = 0
    for (item_id, fld), after in w.plan.items():
        if item_id in w.stale | w.refused:
            continue
        if not same(fld, current_values(w.emu.items[item_id])[fld], after):
            lost += 1
    result.lost_writes = lost


def roll_back(w: World, result: DrillResult, fault: Callable[[FaultProxy], None] | None = None) -> None:
    """Undo every write to every item (a fault of its own on the way, run again after a stop); exact?"""
    from flows.rollback import rollback
    from tasks.writeback.apply import AbsNotAnswering

    if fault is not None:
        fault(w.proxy)
    items = sorted(w.emu.items)
    for _ in range(2):
        try:
            asyncio.run(rollback(item_ids=items, db_path=str(w.db)))
            break
        except AbsNotAnswering as exc:
            result.notes.append(f"rollback stopped: {exc}")
            w.proxy.clear()
    w.proxy.clear()
    # The touched item's own change is not ours to undo: compare it with what it was after the touch.
    result.rollback_exact = metadata(w.emu) == w.original


def journal_statuses(w: World) -> dict[tuple[str, str], list[str]]:
    from tasks.warehouse import connect

    with connect(w.db) as con:
        rows = con.execute(
            "SELECT item_id, field, status FROM writeback_log WHERE undoes_run_id IS NULL ORDER BY seq"
        ).fetchall()
    out: dict[tuple[str, str], list[str]] = {}
    for i, f, s in rows:
        out.setdefault((i, f), []).append(s)
    return out


# --- the write drills ---------------------------------------------------------------------------------


def _drill(
    name: str,
    tmp: Path,
    fault: Callable[[World], None],
    check: Callable[[World, list[str], DrillResult], None] | None = None,
    rollback_fault: Callable[[FaultProxy], None] | None = None,
    **env: str,
) -> DrillResult:
    result = DrillResult(name, passed=False)
    with world(tmp / name, **env) as w:
        fault(w)
        since = len(w.emu.request_log)
        outcomes = apply(w)
        result.notes += outcomes
        w.proxy.clear()
        measure(w, since, result)
        statuses = journal_statuses(w)
        unsettled = [
            k for k, s in statuses.items() if s[-1] != "verified" and k[0] not in w.stale | w.refused
        ]
        if unsettled:
            result.notes.append(f"fields not verified: {unsettled[:5]}")
        if check is not None:
            check(w, outcomes, result)
        roll_back(
            w,
            result,
            rollback_fault or (lambda p: p.add("reset_after", method="POST", path=_BATCH_UPDATE, times=1)),
        )
        result.passed = (
            not unsettled
            and result.double_writes == 0
            and result.lost_writes == 0
            and result.stale_writes == 0
            and result.rollback_exact
            and not any(n.startswith("check failed") for n in result.notes)
        )
    return result


def expect(result: DrillResult, ok: bool, what: str) -> None:
    if not ok:
        result.notes.append(f"check failed: {what}")


def _on_batch_update(fault: str, **options: Any) -> Callable[[World], None]:
    """A drill's fault: the proxy's `fault` rule on ABS's batch update."""

    def add(w: World) -> None:
        w.proxy.add(fault, method="POST", path=_BATCH_UPDATE, **options)

    return add


def _one_run_completes(w: World, outcomes: list[str], r: DrillResult) -> None:
    expect(r, outcomes == ["completed"], "one run completes")


def throttled_write(tmp: Path) -> DrillResult:
    """429 with Retry-After on the first two batch updates: waited out, then written once."""

    def check(w: World, outcomes: list[str], r: DrillResult) -> None:
        _one_run_completes(w, outcomes, r)
        throttled = [e for e in w.proxy.log if e.get("status") == 429]
        expect(r, len(throttled) == 2, "both 429s were seen and retried")

    fault = _on_batch_update("status", status=429, retry_after="1", times=2)
    return _drill("throttled_write", tmp, fault, check)


def server_errors_on_write(tmp: Path) -> DrillResult:
    """A 503 burst on batch updates: each retry first reads back what landed, then sends the rest."""
    fault = _on_batch_update("status", status=503, times=3)
    return _drill("server_errors_on_write", tmp, fault, _one_run_completes)


def reset_after_write(tmp: Path) -> DrillResult:
    """The connection is cut after ABS applied a batch update: the read-back finds it landed, no resend."""

    def check(w: World, outcomes: list[str], r: DrillResult) -> None:
        _one_run_completes(w, outcomes, r)
        cut = [e for e in w.proxy.log if e["fault"] == "reset_after"]
        expect(r, len(cut) == 1 and cut[0]["forwarded"], "the cut write reached ABS")

    return _drill("reset_after_write", tmp, _on_batch_update("reset_after", times=1), check)


def reset_before_write(tmp: Path) -> DrillResult:
    """The connection is cut before the batch update reaches ABS: read back, not landed, sent again."""
    fault = _on_batch_update("reset_before", times=1)
    return _drill("reset_before_write", tmp, fault, _one_run_completes)


def slow_write_times_out(tmp: Path) -> DrillResult:
    """A batch update slower than the client's timeout: timed out, read back, sent again if not landed."""
    fault = _on_batch_update("latency", seconds=3.0, times=1)
    return _drill(
        "slow_write_times_out", tmp, fault, _one_run_completes, SHELFMATCH_ABS_TIMEOUT_SECONDS="1.5"
    )


def abs_down_briefly(tmp: Path) -> DrillResult:
    """ABS refuses connections for a second as the run starts: backoff outlasts it, one run completes."""

    def fault(w: World) -> None:
        w.proxy.call(w.proxy.down(1.0))

    return _drill("abs_down_briefly", tmp, fault, _one_run_completes)


def abs_dies_mid_run(tmp: Path) -> DrillResult:
    """Every batch update after the first is cut: the run stops with one message, keeps its counts, an
    errors row and a failed runs row; the next run settles the open intents and finishes."""

    fault = _on_batch_update("reset_before", skip=1, times=1000)

    def check(w: World, outcomes: list[str], r: DrillResult) -> None:
        from tasks.warehouse import connect

        expect(
            r,
            len(outcomes) == 2 and outcomes[0].startswith("stopped: ") and outcomes[1] == "completed",
            "stop, then resume",
        )
        expect(r, "\n" not in outcomes[0] and "attempts" in outcomes[0], "one line that counts the attempts")
        with connect(w.db) as con:
            runs = con.execute(
                "SELECT status, counts FROM runs WHERE flow = 'writeback' AND parameters->>'apply' = 'true' "
                "ORDER BY started_at"
            ).fetchall()
            kinds = [k for (k,) in con.execute("SELECT kind FROM errors WHERE flow = 'writeback'").fetchall()]
        expect(r, [s for s, _ in runs] == ["failed", "completed"], "runs rows: failed then completed")
        expect(
            r,
            json.loads(runs[0][1]).get("verified", 0) > 0,
            "the failed run keeps the count of what it wrote",
        )
        expect(r, kinds == ["abs_unavailable"], "one errors row")

    return _drill("abs_dies_mid_run", tmp, fault, check)


def changed_in_abs(tmp: Path) -> DrillResult:
    """An item renamed in ABS after the sync (it may be another book now) is held, not written, even while
    the writes are being retried."""

    def fault(w: World) -> None:
        item_id = next(i for i in sorted(w.books) if any(k[0] == i for k in w.plan))  # one with changes
        w.emu.touch(item_id, title="Renamed by hand")
        w.stale.add(item_id)
        w.original = metadata(w.emu)  # the edit is the person's, not ours: rollback must keep it
        _on_batch_update("status", status=503, times=1)(w)

    def check(w: World, outcomes: list[str], r: DrillResult) -> None:
        from tasks.warehouse import connect

        with connect(w.db) as con:
            holds = [h for (h,) in con.execute("SELECT hold FROM writeback_holds").fetchall()]
        expect(r, "changed_in_abs" in holds, "the edited item is held")

    return _drill("changed_in_abs", tmp, fault, check)


def crashing_payload_refused(tmp: Path) -> DrillResult:
    """A book whose series name holds U+0000 (ABS 2.36 crashes on it): refused, named, ABS stays up."""

    def fault(w: World) -> None:
        from tasks.warehouse import connect

        item_id, book_id = next((i, b) for i, b in sorted(w.books.items()) if (i, "series") in w.plan)
        with connect(w.db) as con:
            con.execute(
                "UPDATE hc_series SET series_name = series_name || chr(0) || ' Saga' WHERE book_id = ?",
                [book_id],
            )
        w.refused.add(item_id)

    def check(w: World, outcomes: list[str], r: DrillResult) -> None:
        from tasks.warehouse import connect

        (item_id,) = w.refused
        with connect(w.db) as con:
            errors = con.execute(
                "SELECT item_id, kind, message FROM errors WHERE kind = 'payload_refused'"
            ).fetchall()
        expect(r, not w.emu.crashed, "ABS did not crash")
        expect(
            r,
            bool(errors) and errors[0][0] == item_id and "series" in errors[0][2],
            "refused, item and field named",
        )

    return _drill("crashing_payload_refused", tmp, fault, check)


WRITE_DRILLS: dict[str, Callable[[Path], DrillResult]] = {
    "throttled_write": throttled_write,
    "server_errors_on_write": server_errors_on_write,
    "reset_after_write": reset_after_write,
    "reset_before_write": reset_before_write,
    "slow_write_times_out": slow_write_times_out,
    "abs_down_briefly": abs_down_briefly,
    "abs_dies_mid_run": abs_dies_mid_run,
    "changed_in_abs": changed_in_abs,
    "crashing_payload_refused": crashing_payload_refused,
}


# --- Hardcover ------------------------------------------------------------------------------------------


def hardcover_drill(tmp: Path) -> DrillResult:
    """The Hardcover client through the proxy: two 429s with Retry-After, a 503, a reset — every query answered,
    each refused attempt counted, the wait as long as Hardcover asked."""
    from emulators.hardcover import HardcoverEmulator, Limits, run_hardcover_emulator
    from tasks.hardcover.client import HardcoverClient
    from tasks.retry import RetryPolicy

    result = DrillResult("hardcover_faults", passed=False)
    with (
        run_hardcover_emulator(
            HardcoverEmulator(token="test-token", limits=Limits(per_minute=1200, burst=10))
        ) as hc,
        run_fault_proxy(_origin(hc.url)) as proxy,
    ):
        proxy.add("status", method="POST", status=429, retry_after="1", times=2)
        proxy.add("status", method="POST", status=503, times=1)
        proxy.add("reset_before", method="POST", times=1)
        ids = [100_000 + 7919] * 3

        async def run() -> tuple[list, Any]:
            url = proxy.url + urlsplit(hc.url).path
            async with HardcoverClient(
                url, "test-token", timeout=10, policy=RetryPolicy(backoff=0.1)
            ) as client:
                answers = [await client.query("books_by_ids", {"ids": [i]}) for i in ids]
                return answers, client.stats

        answers, stats = asyncio.run(run())
    answered = [len(a.get("books") or []) for a in answers]
    result.notes.append(f"answers {answered}, retries {stats.retries}, 429 waits {stats.waits_429}")
    result.passed = answered == [1, 1, 1] and stats.waits_429 == 2 and stats.retries == 2
    return result


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
