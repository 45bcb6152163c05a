"""The one retry policy (tasks/retry.py), through the ABS client, against the ABS emulator behind the
fault proxy: what it waits, when it stops, what it says, and how a write is (not) sent again."""

from __future__ import annotations

import logging
import time
from email.utils import formatdate

import pytest

from emulators.abs import fixture_items, run_abs_emulator
from emulators.faults import run_fault_proxy
from tasks.abs import LANDED, AbsClient, AbsThrottled, AbsUnavailable
from tasks.retry import RetryPolicy, retry_after_seconds

HAIL_MARY = "1a2e1eec-0d8d-482c-a299-11a3a72ded0d"
FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.05, max_wait=5)


@pytest.fixture
def proxied():
    with run_abs_emulator(fixture_items(), record_bodies=True) as emu, run_fault_proxy(emu.url) as proxy:
        yield emu, proxy


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    assert retry_after_seconds("7") == 7.0
    assert 25 <= retry_after_seconds(formatdate(time.time() + 30, usegmt=True)) <= 30
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


async def test_a_429_waits_what_retry_after_asks_and_does_not_use_up_attempts(proxied, caplog):
    emu, proxy = proxied
    proxy.add("status", path="/api/libraries", status=429, retry_after="1", times=3)
    caplog.set_level(logging.WARNING, "tasks.retry")
    async with AbsClient(proxy.url, "test-key", policy=FAST) as abs:
        assert await abs.libraries()
    waits = [r.getMessage() for r in caplog.records if "429" in r.getMessage()]
    assert len(waits) == 3 and all("trying again in 1.0s" in w for w in waits)  # 3 waits > 3 attempts


async def test_a_retry_after_longer_than_a_run_waits_stops_at_once_and_says_so(proxied):
    emu, proxy = proxied
    proxy.add("status", path="/api/libraries", status=429, retry_after="3600", times=5)
    async with AbsClient(proxy.url, "test-key", policy=FAST) as abs:
        with pytest.raises(AbsThrottled) as stopped:
            await abs.libraries()
    message = str(stopped.value)
    assert "asked to wait 3600s" in message and "after 1 attempt" in message and "try again later" in message
    assert len(proxy.log) == 1


async def test_server_errors_on_a_read_give_up_saying_what_was_seen_and_how_many_attempts(proxied):
    emu, proxy = proxied
    proxy.add("status", path="/api/libraries", status=503, times=10)
    async with AbsClient(proxy.url, "test-key", policy=FAST) as abs:
        with pytest.raises(AbsUnavailable) as failed:
            await abs.libraries()
    message = str(failed.value)
    assert "answered 503" in message and "gave up after 3 attempts" in message and proxy.url in message
    assert "malformed" not in message  # no cause it did not see


async def test_a_write_cut_after_abs_applied_it_is_not_sent_again_without_a_read_back(proxied):
    emu, proxy = proxied
    proxy.add("reset_after", path="/api/items/batch/update", times=1)
    body = [{"id": HAIL_MARY, "mediaPayload": {"metadata": {"publisher": "Macmillan Audio"}}}]
    async with AbsClient(proxy.url, "test-key", policy=FAST) as abs:
        with pytest.raises(AbsUnavailable, match="may or may not have applied it; it was not sent again"):
            await abs.batch_update(body)
    assert emu.count("POST", "/api/items/batch/update") == 1


async def test_a_write_cut_after_abs_applied_it_is_read_back_and_found_landed(proxied):
    emu, proxy = proxied
    proxy.add("reset_after", path="/api/items/batch/update", times=1)
    body = [{"id": HAIL_MARY, "mediaPayload": {"metadata": {"publisher": "Macmillan Audio"}}}]
    settled = []

    async def settle(updates):
        settled.append(updates)
        item = await abs.get_item(HAIL_MARY)
        landed = item["media"]["metadata"]["publisher"] == "Macmillan Audio"
        return None if landed else updates

    async with AbsClient(proxy.url, "test-key", policy=FAST) as abs:
        assert await abs.batch_update(body, settle=settle) == LANDED
    assert settled == [body] and emu.count("POST", "/api/items/batch/update") == 1


async def test_a_write_refused_before_it_reached_abs_is_sent_again_after_the_read_back(proxied):
    emu, proxy = proxied
    proxy.add("reset_before", path="/api/items/batch/update", times=1)
    body = [{"id": HAIL_MARY, "mediaPayload": {"metadata": {"publisher": "Macmillan Audio"}}}]

    async def settle(updates):
        item = await abs.get_item(HAIL_MARY)
        return None if item["media"]["metadata"]["publisher"] == "Macmillan Audio" else updates

    async with AbsClient(proxy.url, "test-key", policy=FAST) as abs:
        answer = await abs.batch_update(body, settle=settle)
    assert answer["success"] is True
    assert emu.count("POST", "/api/items/batch/update") == 1  # the first never reached ABS
    assert emu.items[HAIL_MARY]["media"]["metadata"]["publisher"] == "Macmillan Audio"
