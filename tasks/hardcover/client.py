"""Hardcover GraphQL client: a request budget learned from the server, a DuckDB cache, clear errors.

Hardcover bills every top-level field as one request (Free plan: burst 10, 60/min, 5,000/day), so
the client
- counts root fields before sending and refuses more than 5, or more than one `search`;
- paces by the burst/minute bucket it *learns* from `RateLimit-Policy`/`RateLimit` headers, so a
  raised plan (or an emulator with a fast refill) is used fully without code changes;
- keeps one request in flight: a 429 makes that one request wait out `Retry-After` while the
  others queue behind it (no retry storm, since refused requests still count);
- stops with `BudgetExhausted` when the daily bucket is empty, instead of hammering a closed door;
- retries by the one retry policy (tasks/retry.py): 429 waits out `Retry-After`, 5xx, dropped
  connections and timeouts back off with jitter; every attempt is paced and counted;
- answers from `hc_requests` when the same query + variables was fetched within the TTL.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tasks.hardcover.budget import BucketState, Budget
from tasks.hardcover.cache import HcCache
from tasks.hardcover.errors import (
    HardcoverAuthError,
    HardcoverError,
    HardcoverForbidden,
    HardcoverQueryError,
    HardcoverUnavailable,
)
from tasks.hardcover.queries import (
    MAX_ROOT_FIELDS,
    batch_variables,
    batched_query,
    cache_key,
    load_query,
)
from tasks.hardcover.root_fields import root_field_names
from tasks.http_session import SessionClient
from tasks.retry import GaveUp, RetryPolicy, Transient, connection_failure, retry_after_seconds
from tasks.settings import Settings

USER_AGENT = "shelfmatch/0.1.0 (+https://github.com/shelfmatch)"


@dataclass
class ClientStats:
    http_requests: int = 0
    root_fields: Counter[str] = field(default_factory=Counter)  # operation -> root fields sent (billed)
    cache_hits: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    waits_429: int = 0

    @property
    def billed(self) -> int:
        return sum(self.root_fields.values())


class HardcoverClient(SessionClient):
    """Async Hardcover client. Use as `async with HardcoverClient.from_settings(s, cache=...) as hc:`.

    How it retries (attempts, backoff, 429 waits) is the one `RetryPolicy` it is given."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        max_requests: int | None = None,
        cache: HcCache | None = None,
        policy: RetryPolicy | None = None,
    ):
        if not token:
            raise HardcoverAuthError(
                "No Hardcover token: set SHELFMATCH_HARDCOVER_TOKEN (from hardcover.app/account/api) or the "
                "Prefect Secret block 'shelfmatch-hardcover-token'."
            )
        self.url, self._token = url, token
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.budget = Budget(max_requests=max_requests)
        self.cache = cache
        self.stats = ClientStats()
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings, cache: HcCache | None = None, max_requests: int | None = None, **kwargs: Any
    ) -> HardcoverClient:
        cap = max_requests if max_requests is not None else settings.hardcover_max_requests_per_run
        kwargs.setdefault("policy", settings.retry_policy(settings.hardcover_retries))
        return cls(
            settings.hardcover_url,
            settings.hardcover_key(),
            timeout=settings.hardcover_timeout_seconds,
            max_requests=cap,
            cache=cache,
            **kwargs,
        )

    def __repr__(self) -> str:  # never the token
        return f"HardcoverClient(url={self.url!r}, sent={self.budget.sent})"

    def _new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            headers={
                "authorization": f"Bearer {self._token}",
                "content-type": "application/json",
                "user-agent": USER_AGENT,
            },
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        )

    async def query(
        self, name: str, variables: dict[str, Any], operation: str | None = None
    ) -> dict[str, Any]:
        """Run `tasks/queries/<name>.graphql`."""
        return await self.execute(load_query(name), variables, operation or name)

    async def batch(
        self, name: str, per_field: list[dict[str, Any]], operation: str | None = None
    ) -> list[Any]:
        """Up to 5 copies of a one-root-field query in one request; returns each copy's result."""
        data = await self.execute(
            batched_query(name, len(per_field)), batch_variables(per_field), operation or name
        )
        return [data[f"q{i}"] for i in range(len(per_field))]

    async def execute(
        self, query: str, variables: dict[str, Any], operation: str = "query"
    ) -> dict[str, Any]:
        key = cache_key(query, variables)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            self.stats.cache_hits[operation] += 1
            return hit
        fields = root_field_names(query)
        if len(fields) > MAX_ROOT_FIELDS or fields.count("search") > 1:
            raise ValueError(
                f"refusing to send {len(fields)} root fields ({fields.count('search')} searches): "
                f"Hardcover allows {MAX_ROOT_FIELDS} and one search per request"
            )
        cost = max(1, len(fields))
        async with self._lock:  # one request in flight: a 429 wait holds the queue, not a storm
            if self.cache is not None and (hit := self.cache.get(key)) is not None:
                self.stats.cache_hits[operation] += 1  # a queued twin got it meanwhile
                return hit
            data = await self._send(query, variables, operation, cost)
            if self.cache is not None:  # written as it arrives: a stopped run loses nothing it paid for
                self.cache.put(key, operation, query, variables, 200, data, cost, self._last_readings)
        return data

    async def _send(self, query: str, variables: dict[str, Any], operation: str, cost: int) -> dict[str, Any]:
        assert self._session is not None, "use `async with HardcoverClient(...)`"
        self._last_readings: list[BucketState] = []
        try:
            return await self.policy.call(
                lambda _previous: self._attempt(query, variables, operation, cost),
                f"Hardcover {operation}",
                on_retry=self._count_retry,
            )
        except GaveUp as exc:
            advice = (
                "Hardcover is limiting requests: run again later (cached answers are not asked again)"
                if exc.last.kind == "throttled"
                else f"is {self.url} reachable? run again later (cached answers are not asked again)"
            )
            raise HardcoverUnavailable(f"{exc.describe()} — {advice}") from exc

    def _count_retry(self, exc: Transient, wait: float) -> None:
        if exc.kind == "throttled":
            self.stats.waits_429 += 1
        else:
            self.stats.retries += 1

    async def _attempt(
        self, query: str, variables: dict[str, Any], operation: str, cost: int
    ) -> dict[str, Any]:
        assert self._session is not None
        await self.budget.acquire(cost)
        self.stats.http_requests += 1
        self.stats.root_fields[operation] += cost
        try:
            async with self._session.post(self.url, json={"query": query, "variables": variables}) as resp:
                status, headers = resp.status, resp.headers
                text = await resp.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise connection_failure(exc, self.timeout) from exc
        self._last_readings = self.budget.observe(headers)
        if status != 200 and self.cache is not None:
            self.cache.record_readings(self._last_readings)
        body = _json(text)
        if status == 200:
            if body.get("errors"):
                msgs = "; ".join(str(e.get("message")) for e in body["errors"])[:500]
                raise HardcoverQueryError(f"{operation}: Hardcover answered with errors: {msgs}")
            data = body.get("data") or {}
            for alias, value in data.items():
                if isinstance(value, dict) and "results" in value and value.get("error"):
                    raise HardcoverQueryError(f"{operation}: search {alias} was rejected: {value['error']}")
            return data
        if status == 401:
            raise HardcoverAuthError(
                "Hardcover refused the token (401 invalid_token): check SHELFMATCH_HARDCOVER_TOKEN — copy it "
                "again from hardcover.app/account/api (tokens expire; a pasted 'Bearer ' prefix is fine)."
            )
        if status == 429:
            if self.budget.daily.remaining is not None and self.budget.daily.remaining <= 0:
                raise self.budget.exhausted("daily")
            retry_after = retry_after_seconds(headers.get("Retry-After"))
            if retry_after is not None:  # the queue behind this request waits it out too
                self.budget.blocked_until = time.monotonic() + retry_after
            raise Transient("throttled", "Hardcover answered 429", status=429, retry_after=retry_after)
        if status == 403:
            raise HardcoverForbidden(f"{operation}: Hardcover refused the request (403): {text[:300]}")
        if status == 400:
            raise HardcoverQueryError(
                f"{operation}: Hardcover could not read the request (400): {text[:300]}"
            )
        if status >= 500 or status == 408:
            raise Transient("server", f"Hardcover answered {status} {text[:200]!r}", status=status)
        raise HardcoverError(f"{operation}: unexpected HTTP {status} from Hardcover: {text[:300]}")


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
