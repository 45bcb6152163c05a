"""The request budget Hardcover announces in its `RateLimit-Policy` / `RateLimit` headers.

The buckets are learned from the headers, not configured, so a raised plan (or an emulator with a
fast refill) is used fully; between responses the client spends its own copy of the counts.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tasks.hardcover.errors import BudgetExhausted


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
        if (
            tokens is not None and self.rate is not None and tokens < cost
        ):  # tokens are known only with a rate
            wait = max(wait, (cost - tokens) / self.rate + self.safety)
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
