"""The Hardcover emulator's server: the GraphQL endpoint, its rate limits and injected faults, and the
cover images."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from aiohttp import web
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    parse,
    validate,
)

from emulators.catalogue import Catalogue, cover_bytes, load_catalogue
from emulators.faults import Rule
from emulators.hardcover.resolvers import build_db, make_field_resolver
from emulators.serving import serve_in_thread

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "hardcover" / "schema.graphql"
MAX_ROOT_FIELDS = 5


@cache
def load_schema() -> GraphQLSchema:
    return build_schema(SCHEMA_PATH.read_text())


@dataclass
class Limits:
    """The plan's limits; the defaults are Hardcover's Free plan."""

    per_minute: int = 60  # refill of the burst bucket, per `window` seconds
    burst: int = 10
    window: int = 60
    daily: int = 5000
    daily_window: int = 86400
    plan: str = "Free"


@dataclass
class LogEntry:
    time: float
    status: int
    root_fields: list[str]
    cost: int
    query: str | None
    variables: dict | None
    reason: str | None = (
        None  # why a request was refused: burst, daily, top_level, search_limit, injected_429, ...
    )


def root_fields(doc: DocumentNode) -> list[str]:
    """Top-level field names of the (first) operation, aliases counted separately."""
    names: list[str] = []
    for definition in doc.definitions:
        if isinstance(definition, OperationDefinitionNode):
            names += [
                sel.name.value for sel in definition.selection_set.selections if isinstance(sel, FieldNode)
            ]
            break
    return names


@lru_cache(maxsize=512)
def _parse_and_validate(query: str) -> tuple[DocumentNode | None, str | None, list[dict]]:
    """Parsed document, a syntax error (→ 400), or validation errors (→ 200 with errors); cached per text."""
    try:
        doc = parse(query)
    except GraphQLError as exc:
        return None, exc.message, []
    errors = validate(load_schema(), doc)
    formatted = [
        {"message": e.message, "extensions": {"path": "$.selectionSet", "code": "validation-failed"}}
        for e in errors
    ]
    return doc, None, formatted


class HardcoverEmulator:
    def __init__(
        self,
        catalogue: Catalogue | None = None,
        token: str = "test-token",
        limits: Limits | None = None,
        clock: Any = time.monotonic,
    ):
        self.catalogue = catalogue or load_catalogue()
        self.token = token
        self.limits = limits or Limits()
        self.db = build_db(self.catalogue)
        self.schema = load_schema()  # built now (~1 s), not inside the first request's time budget
        self._resolver = make_field_resolver(self.db)
        self._clock = clock
        self._started = clock()
        self._tokens = float(self.limits.burst)
        self._last = self._started
        self._daily_used = 0
        # Injected faults, one rule each (the fault proxy's rules): none fires until a test sets it.
        self._slow = Rule("latency", times=0)
        self._storm_429 = Rule("status", times=0, status=429)
        self._burst_5xx = Rule("status", times=0)
        self.request_log: list[LogEntry] = []
        self._runner: web.AppRunner | None = None
        self.url: str | None = None
        self.asset_base = ""  # where the cover images are served (set by start())

    # --- fault injection --------------------------------------------------------------------------
    def inject_429_storm(self, n: int, retry_after: int = 1) -> None:
        """The next `n` requests answer 429 with `Retry-After: retry_after` (and still count)."""
        self._storm_429 = Rule("status", times=n, status=429, retry_after=str(retry_after))

    def inject_5xx(self, n: int, status: int = 503, after: int = 0) -> None:
        """The `n` requests after the next `after` ones are answered `status`."""
        self._burst_5xx = Rule("status", times=n, skip=after, status=status)

    def inject_slow(self, n: int, seconds: float) -> None:
        """The next `n` requests take `seconds` before answering (to outlast a client's timeout)."""
        self._slow = Rule("latency", times=n, seconds=seconds)

    def set_daily_remaining(self, n: int) -> None:
        self._daily_used = max(0, self.limits.daily - n)

    # --- accounting -------------------------------------------------------------------------------
    @property
    def rate(self) -> float:
        return self.limits.per_minute / self.limits.window

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(float(self.limits.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now
        return now

    def _daily_reset_in(self, now: float) -> int:
        return max(1, math.ceil(self.limits.daily_window - (now - self._started) % self.limits.daily_window))

    def _headers(self, now: float) -> dict[str, str]:
        lim = self.limits
        tokens = max(0.0, self._tokens)
        full_in = math.ceil((lim.burst - tokens) / self.rate) if tokens < lim.burst else 0
        daily_left = max(0, lim.daily - self._daily_used)
        reset = self._daily_reset_in(now)
        return {
            "RateLimit-Policy": f'"{lim.plan}";q={lim.per_minute};w={lim.window};burst={lim.burst}, '
            f'"daily";q={lim.daily};w={lim.daily_window}',
            "RateLimit": f'"{lim.plan}";r={int(tokens)};t={full_in}, "daily";r={daily_left};t={reset}',
            "X-RateLimit-Limit": str(lim.burst),
            "X-RateLimit-Remaining": str(int(tokens)),
            "X-RateLimit-Daily-Limit": str(lim.daily),
            "X-RateLimit-Daily-Remaining": str(daily_left),
        }

    def violations(self) -> list[LogEntry]:
        """Requests refused for breaking a limit (not injected faults): what a well-paced client never causes."""
        return [e for e in self.request_log if e.reason in ("burst", "daily", "top_level", "search_limit")]

    def billed(self) -> int:
        return sum(e.cost for e in self.request_log if e.status != 401 and e.reason != "bad_request")

    # --- HTTP -------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/v1/graphql", self._handle)
        app.router.add_post("/", self._handle)
        app.router.add_get("/covers/{kind}/{name}", self._cover)
        return app

    async def _cover(self, request: web.Request) -> web.Response:
        """The image CDN: a cover named by a book's or an edition's `image { url }` (no auth, no budget)."""
        kind, name = request.match_info["kind"], request.match_info["name"]
        stem = name.removesuffix(".png")
        data = cover_bytes(kind, int(stem)) if kind in ("books", "editions") and stem.isdigit() else None
        if data is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=data, content_type="image/png")

    async def _handle(self, request: web.Request) -> web.Response:
        if self._slow.fires(request.method, request.path):
            await asyncio.sleep(self._slow.seconds)
        now = self._refill()
        log = LogEntry(time=time.time(), status=200, root_fields=[], cost=0, query=None, variables=None)
        self.request_log.append(log)

        def reply(
            status: int, body: Any, reason: str | None = None, extra: dict | None = None
        ) -> web.Response:
            log.status, log.reason = status, reason
            return web.json_response(body, status=status, headers={**self._headers(now), **(extra or {})})

        auth = request.headers.get("authorization", "")
        if not auth:
            return reply(
                400,
                {"error": "invalid_request", "error_description": "No Authorization header"},
                "bad_request",
            )
        if auth != f"Bearer {self.token}":
            return reply(
                401, {"error": "invalid_token", "error_description": "Unable to verify token"}, "auth"
            )
        try:
            body = await request.json()
            query = body["query"]
            variables = body.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise ValueError("query must be a string and variables an object")
        except (ValueError, KeyError, TypeError) as exc:
            return reply(
                400,
                {"error": "invalid_query", "error_description": f"malformed request body: {exc}"},
                "bad_request",
            )
        log.query, log.variables = query, variables
        doc, syntax_error, validation_errors = _parse_and_validate(query)
        if doc is None:
            return reply(400, {"error": "invalid_query", "error_description": syntax_error}, "bad_request")
        fields = root_fields(doc)
        log.root_fields, log.cost = fields, max(1, len(fields))

        # The budget first: refused requests still count against the day.
        lim = self.limits
        if self._daily_used >= lim.daily:
            reset = self._daily_reset_in(now)
            return reply(
                429,
                {"error": "Too Many Requests", "message": "daily request limit reached"},
                "daily",
                {"Retry-After": str(reset)},
            )
        self._daily_used += log.cost
        if self._storm_429.fires(request.method, request.path):
            return reply(
                429,
                {"error": "Too Many Requests", "message": "throttled"},
                "injected_429",
                {"Retry-After": str(self._storm_429.retry_after)},
            )
        # Over the per-request cap is a 403 whatever the bucket holds, as the real API answers;
        # it still drains the bucket, like every refused request.
        over_cap = len(fields) > MAX_ROOT_FIELDS
        if over_cap or fields.count("search") > 1:
            self._tokens = max(0.0, self._tokens - log.cost)
            if over_cap:
                msg = json.dumps({"errors": ["top_level_limit_exceeded", "top_level_query_limit_exceeded"]})
                return reply(403, {"data": None, "errors": [{"message": msg}]}, "top_level")
            msg = json.dumps({"errors": ["search_query_limit_exceeded"]})
            return reply(403, {"data": None, "errors": [{"message": msg}]}, "search_limit")
        if self._tokens < log.cost:
            wait = max(1, math.ceil((log.cost - self._tokens) / self.rate))
            return reply(
                429,
                {"error": "Too Many Requests", "message": "burst limit exceeded"},
                "burst",
                {"Retry-After": str(wait)},
            )
        self._tokens -= log.cost
        if self._burst_5xx.fires(request.method, request.path):
            status = self._burst_5xx.status
            text = "Service temporarily unavailable" if status == 503 else "An unknown error occurred"
            return reply(status, {"error": text}, "injected_5xx")
        if validation_errors:
            return reply(200, {"errors": validation_errors}, "validation")
        result = execute(
            load_schema(),
            doc,
            variable_values=variables,
            field_resolver=self._resolver,
            context_value={"asset_base": self.asset_base},
        )
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [
                {"message": e.message, "path": e.path, "extensions": e.extensions or {"code": "unexpected"}}
                for e in result.errors
            ]
        return reply(200, payload, "graphql_error" if result.errors else None)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        self.asset_base = f"http://{host}:{sock.getsockname()[1]}"
        self.url = f"{self.asset_base}/v1/graphql"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@contextmanager
def run_hardcover_emulator(
    emulator: HardcoverEmulator | None = None, **kwargs: Any
) -> Iterator[HardcoverEmulator]:
    """Serve an emulator from a background thread with its own event loop (for sync code, flows,
    benchmarks and the demo); yields the emulator, whose `.url` is set."""
    with serve_in_thread(emulator or HardcoverEmulator(**kwargs), "hardcover-emulator") as emu:
        yield emu
