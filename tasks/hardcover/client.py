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
import dataclasses
import hashlib
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
import duckdb
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse

from tasks.errors import ShelfmatchError
from tasks.retry import GaveUp, RetryPolicy, Transient, connection_failure, retry_after_seconds
from tasks.settings import Settings
from tasks.warehouse import load_sql, now

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
USER_AGENT = "shelfmatch/0.1.0 (+https://github.com/shelfmatch)"
MAX_ROOT_FIELDS = 5


# --- errors -------------------------------------------------------------------------------------


class HardcoverError(ShelfmatchError):
    """A Hardcover request failed; the message says what and what to do."""


class HardcoverAuthError(HardcoverError):
    pass


class HardcoverForbidden(HardcoverError):
    pass


class HardcoverQueryError(HardcoverError):
    """GraphQL `errors`, a rejected search (`search.error`), or a 400: a failure of that request."""


class HardcoverUnavailable(HardcoverError):
    pass


class BudgetExhausted(HardcoverError):
    """The daily bucket (or this run's cap) is spent: stop now, resume later from the cache."""

    def __init__(
        self, reason: str, remaining: int, reset_at: datetime | None, items_remaining: int | None = None
    ):
        self.reason, self.remaining, self.reset_at, self.items_remaining = (
            reason,
            remaining,
            reset_at,
            items_remaining,
        )
        super().__init__(self.describe())

    def describe(self) -> str:
        items = f"{self.items_remaining} items remain; " if self.items_remaining is not None else ""
        if self.reason == "run":
            return (
                f"Stopped at this run's request cap (max_requests / SHELFMATCH_HARDCOVER_MAX_REQUESTS_PER_RUN); "
                f"{items}run fetch_candidates again to continue (cached responses are not asked again)."
            )
        when = f"resets at {self.reset_at:%Y-%m-%d %H:%M} UTC" if self.reset_at else "resets within a day"
        return (
            f"Stopped at Hardcover's daily request cap ({self.remaining} left); {items}{when}. "
            "Run fetch_candidates again after that: cached responses are reused, nothing is asked twice."
        )

    def with_items(self, items_remaining: int) -> BudgetExhausted:
        return BudgetExhausted(self.reason, self.remaining, self.reset_at, items_remaining)


# --- queries ------------------------------------------------------------------------------------


@cache
def _fragments() -> dict[str, str]:
    text = (QUERIES_DIR / "fragments.graphql").read_text()
    parts = re.split(r"(?m)^(?=fragment )", text)
    return {m.group(1): p.strip() for p in parts if (m := re.match(r"fragment (\w+)", p))}


def with_fragments(text: str) -> str:
    """Append the fragments `text` uses (transitively), and only those (unused ones fail validation)."""
    frags = _fragments()
    used: list[str] = []
    pending = re.findall(r"\.\.\.(\w+)", text)
    while pending:
        name = pending.pop()
        if name in frags and name not in used:
            used.append(name)
            pending += re.findall(r"\.\.\.(\w+)", frags[name])
    return "\n\n".join([text.strip(), *(frags[n] for n in sorted(used))])


@cache
def operation_text(name: str) -> str:
    """The operation in `tasks/queries/<name>.graphql` (without fragments, comments stripped)."""
    lines = (QUERIES_DIR / f"{name}.graphql").read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#")).strip()


@cache
def load_query(name: str) -> str:
    return with_fragments(operation_text(name))


@cache
def batched_query(name: str, n: int) -> str:
    """`n` aliased copies (`q0`..`q{n-1}`) of a one-root-field operation, variables suffixed `_i`.

    Packs up to 5 lookups into one HTTP request; each copy still costs one request.
    """
    if not 1 <= n <= MAX_ROOT_FIELDS:
        raise ValueError(f"a request may hold 1..{MAX_ROOT_FIELDS} root fields, not {n}")
    text = operation_text(name)
    m = re.match(r"query\s+(\w+)\s*\((.*?)\)\s*\{(.*)\}\s*$", text, re.S)
    if not m:
        raise ValueError(
            f"tasks/queries/{name}.graphql is not a single `query Name(...) {{ field }}` operation"
        )
    op, vardefs, body = m.groups()
    defs, fields = [], []
    for i in range(n):
        defs.append(re.sub(r"\$(\w+)", rf"$\1_{i}", vardefs))
        fields.append(f"q{i}: " + re.sub(r"\$(\w+)", rf"$\1_{i}", body.strip()))
    return with_fragments(f"query {op}x{n}({', '.join(defs)}) {{\n" + "\n".join(fields) + "\n}")


def batch_variables(per_field: list[dict]) -> dict:
    return {f"{k}_{i}": v for i, vars_ in enumerate(per_field) for k, v in vars_.items()}


@cache
def root_field_names(query: str) -> tuple[str, ...]:
    try:
        doc = parse(query)
    except GraphQLError as exc:
        raise HardcoverQueryError(f"query does not parse: {exc.message}") from exc
    for d in doc.definitions:
        if isinstance(d, OperationDefinitionNode):
            return tuple(s.name.value for s in d.selection_set.selections if isinstance(s, FieldNode))
    return ()


def cache_key(query: str, variables: dict | None) -> str:
    normalised = " ".join(query.split())
    canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{normalised}\n{canonical}".encode()).hexdigest()


# --- rate-limit headers and the budget ----------------------------------------------------------


def _parse_items(header: str) -> dict[str, dict[str, str]]:
    """`"Free";q=60;w=60;burst=10, "daily";q=5000;w=86400` -> {"Free": {"q": "60", ...}, ...}."""
    out: dict[str, dict[str, str]] = {}
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";") if p.strip()]
        if not parts:
            continue
        name = parts[0].strip('"')
        out[name] = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
    return out


@dataclass
class BucketState:
    name: str
    quota: int | None = None
    window: int | None = None
    burst: int | None = None
    remaining: float | None = None
    reset_seconds: int | None = None
    observed: float = 0.0  # monotonic time of the reading


@dataclass
class Budget:
    """What Hardcover said about our buckets, and what we sent since."""

    max_requests: int | None = None
    safety: float = 0.03  # seconds of slack per wait: our clock vs the server's
    minute: BucketState = field(default_factory=lambda: BucketState("minute"))
    daily: BucketState = field(default_factory=lambda: BucketState("daily"))
    blocked_until: float = 0.0
    sent: int = 0  # root fields sent this run (what Hardcover bills)

    @property
    def rate(self) -> float | None:
        if self.minute.quota and self.minute.window:
            return self.minute.quota / self.minute.window
        return None

    def observe(self, headers: Any) -> list[BucketState]:
        policy = _parse_items(headers.get("RateLimit-Policy", ""))
        state = _parse_items(headers.get("RateLimit", ""))
        t = time.monotonic()
        seen = []
        for name, vals in state.items():
            bucket = self.daily if name.lower() == "daily" else self.minute
            bucket.name = name
            pol = policy.get(name, {})
            if "q" in pol:
                bucket.quota = int(pol["q"])
            if "w" in pol:
                bucket.window = int(pol["w"])
            if "burst" in pol:
                bucket.burst = int(pol["burst"])
            if "r" in vals:
                bucket.remaining = float(vals["r"])
            if "t" in vals:
                bucket.reset_seconds = int(vals["t"])
            bucket.observed = t
            seen.append(bucket)
        return seen

    def daily_reset_at(self) -> datetime | None:
        if self.daily.reset_seconds is None:
            return None
        elapsed = time.monotonic() - self.daily.observed
        return datetime.now(UTC).replace(tzinfo=None) + timedelta(
            seconds=max(0.0, self.daily.reset_seconds - elapsed)
        )

    def exhausted(self, reason: str) -> BudgetExhausted:
        return BudgetExhausted(reason, int(self.daily.remaining or 0), self.daily_reset_at())

    def minute_tokens(self) -> float | None:
        b = self.minute
        if b.remaining is None or self.rate is None:
            return None
        cap = float(b.burst or b.quota or 1)
        return min(cap, b.remaining + (time.monotonic() - b.observed) * self.rate)

    def wait_for(self, cost: int) -> float:
        """Seconds to wait before `cost` root fields may be sent (0 = now)."""
        wait = max(0.0, self.blocked_until - time.monotonic())
        tokens = self.minute_tokens()
        if tokens is not None and tokens < cost:
            wait = max(wait, (cost - tokens) / self.rate + self.safety)  # type: ignore[operator]
        return wait

    async def acquire(self, cost: int) -> None:
        if self.max_requests is not None and self.sent + cost > self.max_requests:
            raise self.exhausted("run")
        if self.daily.remaining is not None and self.daily.remaining < cost:
            raise self.exhausted("daily")
        while (wait := self.wait_for(cost)) > 0:
            await asyncio.sleep(wait)
        self.sent += cost
        # Spend locally until the response's headers correct us.
        for bucket in (self.minute, self.daily):
            if bucket.remaining is not None:
                if bucket is self.minute:
                    bucket.remaining, bucket.observed = (self.minute_tokens() or 0.0) - cost, time.monotonic()
                else:
                    bucket.remaining -= cost


# --- cache ----------------------------------------------------------------------------------------


SMALL_RESPONSE_CHARS = 4096  # a search's ids, a lookup that found little


class HcCache:
    """`hc_requests` as a cache: successful responses by (normalised query, canonical variables)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        ttl_days: float = 30.0,
        run_id: str | None = None,
        preload_keys: bool = False,
    ):
        self.con, self.ttl_days, self.run_id = con, ttl_days, run_id
        # A run that asks thousands of questions (candidates) reads the fresh keys once, so a miss
        # costs a set lookup instead of a query; a single lookup (the provider) does not pay for it.
        self._fresh: set[str] | None = None
        # Such a run also asks the same small question again (one search for several items): the
        # small answers it has seen stay in memory as text, a few MB at most.
        self._small: dict[str, str] = {}
        if preload_keys:
            cutoff = now() - timedelta(days=ttl_days)
            self._fresh = {r[0] for r in con.execute(load_sql("hc_cache_keys"), [cutoff]).fetchall()}

    def get(self, key: str) -> dict | None:
        if self._fresh is not None and key not in self._fresh:
            return None
        if (text := self._small.get(key)) is not None:
            return json.loads(text)
        cutoff = now() - timedelta(days=self.ttl_days)
        row = self.con.execute(load_sql("hc_cache_get"), [key, cutoff]).fetchone()
        if row is None:
            return None
        self._remember(key, row[0])
        return json.loads(row[0])

    def _remember(self, key: str, text: str) -> None:
        if self._fresh is not None and len(text) <= SMALL_RESPONSE_CHARS:
            self._small[key] = text

    def put(
        self,
        key: str,
        operation: str,
        query: str,
        variables: dict,
        status: int,
        data: dict,
        root_fields: int,
        readings: list[BucketState],
    ) -> None:
        """The response and the budget readings it came with, in one transaction."""
        text = json.dumps(data)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                load_sql("hc_cache_put"),
                [
                    key,
                    operation,
                    query,
                    json.dumps(variables),
                    status,
                    text,
                    root_fields,
                    now(),
                    self.run_id,
                ],
            )
            self.record_readings(readings)
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        if self._fresh is not None and status == 200:
            self._fresh.add(key)
            self._remember(key, text)

    def record_readings(self, readings: list[BucketState]) -> None:
        for b in readings:
            self.con.execute(
                load_sql("hc_rate_limit_insert"),
                [
                    now(),
                    self.run_id,
                    b.name,
                    b.quota,
                    b.window,
                    int(b.remaining) if b.remaining is not None else None,
                    b.reset_seconds,
                ],
            )


# --- client ---------------------------------------------------------------------------------------


@dataclass
class ClientStats:
    http_requests: int = 0
    root_fields: Counter = field(default_factory=Counter)  # operation -> root fields sent (billed)
    cache_hits: Counter = field(default_factory=Counter)
    retries: int = 0
    waits_429: int = 0

    @property
    def billed(self) -> int:
        return sum(self.root_fields.values())


class HardcoverClient:
    """Async Hardcover client. Use as `async with HardcoverClient.from_settings(s, cache=...) as hc:`."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retries: int | None = None,
        backoff_base: float | None = None,
        backoff_cap: float | None = None,
        max_requests: int | None = None,
        cache: HcCache | None = None,
        max_429_waits: int | None = None,
        policy: RetryPolicy | None = None,
    ):
        if not token:
            raise HardcoverAuthError(
                "No Hardcover token: set SHELFMATCH_HARDCOVER_TOKEN (from hardcover.app/account/api) or the "
                "Prefect Secret block 'shelfmatch-hardcover-token'."
            )
        self.url, self._token = url, token
        self.timeout = timeout
        overrides = {
            "attempts": None if retries is None else retries + 1,
            "backoff": backoff_base,
            "max_backoff": backoff_cap,
            "max_throttled": max_429_waits,
        }
        self.policy = dataclasses.replace(
            policy or RetryPolicy(), **{k: v for k, v in overrides.items() if v is not None}
        )
        self.budget = Budget(max_requests=max_requests)
        self.cache = cache
        self.stats = ClientStats()
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

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

    async def __aenter__(self) -> HardcoverClient:
        self._session = aiohttp.ClientSession(
            headers={
                "authorization": f"Bearer {self._token}",
                "content-type": "application/json",
                "user-agent": USER_AGENT,
            },
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def query(self, name: str, variables: dict, operation: str | None = None) -> dict:
        """Run `tasks/queries/<name>.graphql`."""
        return await self.execute(load_query(name), variables, operation or name)

    async def batch(self, name: str, per_field: list[dict], operation: str | None = None) -> list[Any]:
        """Up to 5 copies of a one-root-field query in one request; returns each copy's result."""
        data = await self.execute(
            batched_query(name, len(per_field)), batch_variables(per_field), operation or name
        )
        return [data[f"q{i}"] for i in range(len(per_field))]

    async def execute(self, query: str, variables: dict, operation: str = "query") -> dict:
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

    async def _send(self, query: str, variables: dict, operation: str, cost: int) -> dict:
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

    async def _attempt(self, query: str, variables: dict, operation: str, cost: int) -> dict:
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


def _json(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
