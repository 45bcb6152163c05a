"""One retry policy for every request shelfmatch sends: ABS and Hardcover, reads and writes.

An attempt that fails in a way worth trying again raises `Transient`, saying what was seen:
- `throttled` (429): the server did not handle the request and said when to come back; the wait
  is its `Retry-After` (seconds or an HTTP date) or, without one, the backoff below. Throttled
  attempts do not use up `attempts` (nothing was done), but stop after `max_throttled` waits, or at
  once when the server asks for more than `max_wait` seconds: a run should not sleep for an hour.
- `server` (5xx), `dropped` (the connection closed or reset during the request), `refused` (no
  connection could be made), `timeout`: exponential backoff with jitter, capped at `max_backoff`,
  `attempts` in all.
Anything else (4xx, a refused payload, a budget stop) is not retried.

`Transient.maybe_handled` tells a write apart: after `server`, `dropped` or `timeout` the server
may have acted on the request, so a write is sent again only once its caller has read back what
landed (see `AbsClient.batch_update`); after `refused` or `throttled` it cannot have.

After the last attempt `GaveUp` says what was tried, what was seen, how many attempts over how
long. The clients turn it into their own errors, whose messages say what to do.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

log = logging.getLogger(__name__)
T = TypeVar("T")

KINDS = ("throttled", "server", "dropped", "refused", "timeout")


class Transient(Exception):
    """One attempt failed in a way that may pass: `kind` (see KINDS), `seen` says what happened."""

    def __init__(
        self, kind: str, seen: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown transient kind {kind!r}")
        super().__init__(seen)
        self.kind, self.seen, self.status, self.retry_after = kind, seen, status, retry_after

    @property
    def maybe_handled(self) -> bool:
        """Whether the server may have acted on the request (so a write must not be sent blindly)."""
        return self.kind in ("server", "dropped", "timeout")


class GaveUp(Exception):
    """Every attempt failed; `last` is what the final one saw."""

    def __init__(self, what: str, last: Transient, attempts: int, elapsed: float, reason: str) -> None:
        self.what, self.last, self.attempts, self.elapsed, self.reason = what, last, attempts, elapsed, reason
        super().__init__(self.describe())

    def describe(self) -> str:
        tries = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''} over {self.elapsed:.0f}s"
        return f"{self.what}: {self.last.seen}{self.reason} after {tries}"


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds from now: a number of seconds, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # in all, for server errors, dropped/refused connections and timeouts
    backoff: float = 0.5  # first backoff, doubled per failure
    max_backoff: float = 10.0
    max_throttled: int = 20  # 429 waits before giving up
    max_wait: float = 120.0  # the longest Retry-After a run sits out

    def backoff_for(self, failure: int) -> float:
        """Seconds before the next try after the `failure`-th failure: half fixed, half random."""
        ceiling = min(self.max_backoff, self.backoff * 2 ** max(0, failure - 1))
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))

    async def call(
        self,
        attempt: Callable[[Transient | None], Awaitable[T]],
        what: str,
        on_retry: Callable[[Transient, float], None] | None = None,
    ) -> T:
        """`await attempt(previous)` until it returns or raises something else than `Transient`.

        `previous` is the Transient the last attempt raised (None at first), so an attempt can decide
        how to go on (a write reads back what landed). `on_retry(exc, wait)` runs before each wait.
        """
        started = time.monotonic()
        tally = {"failures": 0, "throttled": 0}
        stop_reason: list[str] = []
        previous: list[Transient | None] = [None]

        def stop(state: RetryCallState) -> bool:
            exc = state.outcome.exception() if state.outcome else None
            assert isinstance(exc, Transient)
            if exc.kind == "throttled":
                tally["throttled"] += 1
                if exc.retry_after is not None and exc.retry_after > self.max_wait:
                    stop_reason.append(
                        f" and asked to wait {exc.retry_after:.0f}s (Retry-After), more than the "
                        f"{self.max_wait:.0f}s a run waits; stopped"
                    )
                elif tally["throttled"] > self.max_throttled:
                    stop_reason.append("; still throttled")
            else:
                tally["failures"] += 1
                if tally["failures"] >= self.attempts:
                    stop_reason.append("; gave up")
            return bool(stop_reason)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            assert isinstance(exc, Transient)
            if exc.kind == "throttled" and exc.retry_after is not None:
                return exc.retry_after
            return self.backoff_for(tally["failures"] or tally["throttled"])

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            assert isinstance(exc, Transient)
            delay = state.upcoming_sleep
            log.warning(
                "%s: %s — trying again in %.1fs (attempt %d)", what, exc.seen, delay, state.attempt_number + 1
            )
            if on_retry is not None:
                on_retry(exc, delay)

        async def one() -> T:
            try:
                return await attempt(previous[0])
            except Transient as exc:
                previous[0] = exc
                raise

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Transient),
            stop=stop,
            wait=wait,
            before_sleep=before_sleep,
            sleep=asyncio.sleep,
            reraise=True,
        )
        try:
            return await retrying(one)
        except Transient as exc:
            attempts = tally["failures"] + tally["throttled"]
            raise GaveUp(what, exc, attempts, time.monotonic() - started, stop_reason[0]) from exc


def connection_failure(exc: BaseException, timeout: float) -> Transient:
    """What an aiohttp connection error or timeout means for a retry (never a guess at why)."""
    import aiohttp

    if isinstance(exc, aiohttp.ClientConnectorError):
        why = exc.os_error.strerror if exc.os_error and exc.os_error.strerror else str(exc.os_error or exc)
        return Transient("refused", f"no connection could be made ({why})")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return Transient("refused", f"no connection could be made within {timeout:.0f}s")
    if isinstance(exc, TimeoutError):
        return Transient("timeout", f"no answer within {timeout:.0f}s")
    detail = str(exc) or type(exc).__name__
    return Transient("dropped", f"the connection closed during the request ({type(exc).__name__}: {detail})")
