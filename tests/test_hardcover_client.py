"""The client stays inside Hardcover's budget, survives throttling and faults, and caches."""

from __future__ import annotations

import asyncio
import time

import pytest

from emulators.hardcover import HardcoverEmulator, Limits
from tasks.hardcover.cache import HcCache
from tasks.hardcover.client import HardcoverClient
from tasks.hardcover.errors import BudgetExhausted, HardcoverAuthError, HardcoverQueryError
from tasks.retry import RetryPolicy
from tasks.warehouse import connect
from tests.plugins.hardcover_fixtures import HC_TOKEN

IDS = {"ids": [100_000 + 7919]}


def client(url: str, **kw) -> HardcoverClient:
    return HardcoverClient(url, HC_TOKEN, **{"timeout": 5.0, "policy": RetryPolicy(backoff=0.05), **kw})


async def started(limits: Limits) -> HardcoverEmulator:
    emu = HardcoverEmulator(token=HC_TOKEN, limits=limits)
    await emu.start()
    return emu


async def test_paced_requests_never_trip_the_burst_or_minute_limits():
    emu = await started(Limits(per_minute=600, burst=5))  # 10/s after a burst of 5
    try:
        async with client(emu.url, timeout=30.0) as hc:
            t = time.monotonic()
            await asyncio.gather(
                *(hc.batch("books_by_ids", [{"ids": [i]}, {"ids": [i + 1]}]) for i in range(12))
            )
            elapsed = time.monotonic() - t
    finally:
        await emu.stop()
    assert len(emu.request_log) == 12 and emu.violations() == []
    assert all(e.status == 200 for e in emu.request_log)
    # 24 root fields with 5 in the bucket at 10/s: at least ~1.9 s, learned from the headers.
    assert elapsed >= 1.7
    assert hc.budget.rate == pytest.approx(10.0) and hc.budget.minute.burst == 5


async def test_a_429_storm_is_waited_out_with_retry_after_and_no_retry_storm(hc_emulator):
    hc_emulator.inject_429_storm(2, retry_after=1)
    async with client(hc_emulator.url) as hc:
        t = time.monotonic()
        results = await asyncio.gather(
            *(hc.query("books_by_ids", {"ids": [100_000 + 7919 * k]}) for k in range(1, 4))
        )
        elapsed = time.monotonic() - t
    assert all(len(r["books"]) == 1 for r in results)
    # One request waits (twice), the others queue: 2 refused + 3 answered, nothing more.
    assert [e.status for e in hc_emulator.request_log] == [429, 429, 200, 200, 200]
    assert elapsed >= 2.0
    assert hc.stats.waits_429 == 2


async def test_a_5xx_burst_is_retried_with_backoff_each_attempt_counted(hc_emulator):
    hc_emulator.inject_5xx(2, status=503)
    async with client(hc_emulator.url) as hc:
        data = await hc.query("books_by_ids", IDS)
    assert len(data["books"]) == 1
    assert [e.status for e in hc_emulator.request_log] == [503, 503, 200]
    assert hc.stats.retries == 2 and hc.budget.sent == 3


async def test_a_5xx_that_does_not_end_gives_up_with_a_clear_error(hc_emulator):
    hc_emulator.inject_5xx(10, status=500)
    async with client(hc_emulator.url, policy=RetryPolicy(attempts=3, backoff=0.05)) as hc:
        with pytest.raises(Exception, match="gave up after 3 attempts"):
            await hc.query("books_by_ids", IDS)
    assert len(hc_emulator.request_log) == 3


async def test_a_slow_server_times_out_then_the_retry_succeeds(hc_emulator):
    # The slow answer is well past the timeout, and the timeout well past a normal answer on a busy machine.
    hc_emulator.inject_slow(1, seconds=4.0)
    async with client(hc_emulator.url, timeout=2.0) as hc:
        data = await hc.query("books_by_ids", IDS)
    assert len(data["books"]) == 1
    assert hc.stats.retries == 1 and hc.stats.http_requests == 2


async def test_a_wrong_token_fails_once_with_a_message_naming_the_setting(hc_emulator):
    async with HardcoverClient(hc_emulator.url, "not-the-token", policy=RetryPolicy(backoff=0.01)) as hc:
        with pytest.raises(HardcoverAuthError, match="SHELFMATCH_HARDCOVER_TOKEN"):
            await hc.query("books_by_ids", IDS)
    assert len(hc_emulator.request_log) == 1
    assert "not-the-token" not in repr(hc)


async def test_the_daily_cap_stops_cleanly_before_sending_into_it(hc_emulator):
    hc_emulator.set_daily_remaining(3)
    async with client(hc_emulator.url) as hc:
        for k in range(3):
            await hc.query("books_by_ids", {"ids": [100_000 + 7919 * (k + 1)]})
        with pytest.raises(BudgetExhausted) as err:
            await hc.query("books_by_ids", {"ids": [100_000 + 7919 * 9]})
    assert len(hc_emulator.request_log) == 3  # the 4th was never sent
    assert "daily request cap" in str(err.value) and "resets at" in str(err.value)


async def test_graphql_errors_and_rejected_searches_fail_that_request(hc_emulator):
    async with client(hc_emulator.url) as hc:
        with pytest.raises(HardcoverQueryError, match="sort_by"):
            await hc.execute('query { search(query: "Dune", sort: "nonsense") { error results } }', {})
        with pytest.raises(HardcoverQueryError, match="_ilike"):
            await hc.execute('query { books(where: {title: {_ilike: "x"}}) { id } }', {})


async def test_a_cached_response_is_not_asked_again_and_readings_are_recorded(hc_emulator, db_path):
    with connect(db_path) as con:
        async with client(hc_emulator.url, cache=HcCache(con, ttl_days=1, run_id="r")) as hc:
            first = await hc.query("books_by_ids", IDS)
            again = await hc.query("books_by_ids", dict(IDS))
        assert first == again
        assert len(hc_emulator.request_log) == 1 and hc.stats.cache_hits["books_by_ids"] == 1
        buckets = con.execute(
            "SELECT bucket, quota, remaining FROM hc_rate_limits ORDER BY bucket"
        ).fetchall()
        stored = con.execute("SELECT root_fields, status FROM hc_requests").fetchall()
    assert buckets == [("Free", 1200, 9), ("daily", 5000, 4999)]
    assert stored == [(1, 200)]


async def test_a_request_over_five_root_fields_is_refused_locally(hc_emulator):
    q = "query { " + " ".join(f"b{i}: books(limit: 1) {{ id }}" for i in range(6)) + " }"
    async with client(hc_emulator.url) as hc:
        with pytest.raises(ValueError, match="refusing to send 6 root fields"):
            await hc.execute(q, {})
    assert hc_emulator.request_log == []


async def test_a_day_already_spent_costs_one_refused_request_then_stops(hc_emulator):
    hc_emulator.set_daily_remaining(0)
    async with client(hc_emulator.url) as hc:
        with pytest.raises(BudgetExhausted, match="daily request cap"):
            await hc.query("books_by_ids", IDS)
        with pytest.raises(BudgetExhausted):
            await hc.query("books_by_ids", {"ids": [1]})
    assert [e.status for e in hc_emulator.request_log] == [429]


async def test_a_cache_with_preloaded_keys_answers_like_one_that_asks_the_table(hc_emulator, db_path):
    """Fresh keys hit, stale and unknown ones miss, and a response stored during the run hits."""
    with connect(db_path) as con:
        async with client(hc_emulator.url, cache=HcCache(con, ttl_days=1, run_id="r")) as hc:
            fresh = await hc.query("books_by_ids", IDS)
            await hc.query("books_by_ids", {"ids": [2]})
        con.execute(
            "UPDATE hc_requests SET fetched_at = fetched_at - INTERVAL 3 DAY WHERE variables::VARCHAR LIKE '%[2]%'"
        )
        [(fresh_key,)] = con.execute(
            "SELECT cache_key FROM hc_requests WHERE fetched_at > now() - INTERVAL 1 DAY"
        ).fetchall()
        [(stale_key,)] = con.execute(
            "SELECT cache_key FROM hc_requests WHERE fetched_at < now() - INTERVAL 1 DAY"
        ).fetchall()
        plain, preloaded = HcCache(con, ttl_days=1), HcCache(con, ttl_days=1, preload_keys=True)
        for key in (fresh_key, stale_key, "no-such-key"):
            assert preloaded.get(key) == plain.get(key)
        assert preloaded.get(fresh_key) == fresh and preloaded.get(stale_key) is None
        async with client(hc_emulator.url, cache=preloaded) as hc:
            third = await hc.query("books_by_ids", {"ids": [3]})
            again = await hc.query("books_by_ids", {"ids": [3]})
        assert third == again and hc.stats.cache_hits["books_by_ids"] == 1
