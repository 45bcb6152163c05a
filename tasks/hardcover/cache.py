"""`hc_requests` as a response cache, and the budget readings each response came with."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import duckdb

from tasks.hardcover.budget import BucketState
from tasks.warehouse import load_sql, now

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

    def get(self, key: str) -> dict[str, Any] | None:
        if self._fresh is not None and key not in self._fresh:
            return None
        if (text := self._small.get(key)) is not None:
            return _object(text)
        cutoff = now() - timedelta(days=self.ttl_days)
        row = self.con.execute(load_sql("hc_cache_get"), [key, cutoff]).fetchone()
        if row is None:
            return None
        self._remember(key, row[0])
        return _object(row[0])

    def _remember(self, key: str, text: str) -> None:
        if self._fresh is not None and len(text) <= SMALL_RESPONSE_CHARS:
            self._small[key] = text

    def put(
        self,
        key: str,
        operation: str,
        query: str,
        variables: dict[str, Any],
        status: int,
        data: dict[str, Any],
        root_fields: int,
        readings: list[BucketState],
    ) -> None:
        """The response and the budget readings it came with, in one transaction."""
        text = json.dumps(data)
        row = [key, operation, query, json.dumps(variables), status, text, root_fields, now(), self.run_id]
        self._store([row], readings)
        if self._fresh is not None and status == 200:
            self._fresh.add(key)
            self._remember(key, text)

    def remember(self, answers: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]]) -> None:
        """Answers worked out from responses already paid for — (key, operation, query, variables,
        data) each, billed nothing — in one transaction, so they are all there or none is."""
        stamp = now()
        texts = [json.dumps(a[4]) for a in answers]
        self._store(
            [
                [k, op, q, json.dumps(v), 200, t, 0, stamp, self.run_id]
                for (k, op, q, v, _), t in zip(answers, texts, strict=True)
            ],
            [],
        )
        if self._fresh is not None:
            for (key, *_), text in zip(answers, texts, strict=True):
                self._fresh.add(key)
                self._remember(key, text)

    def _store(self, rows: list[list[Any]], readings: list[BucketState]) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.executemany(load_sql("hc_cache_put"), rows)
            self.record_readings(readings)
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise

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


def _object(text: str) -> dict[str, Any]:
    """A cached answer: the JSON object it was stored as."""
    data: dict[str, Any] = json.loads(text)
    return data
