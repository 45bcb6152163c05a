"""Async code run from sync code: inside a running loop too, with the caller's context, nothing left behind."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from tasks.aio import LoopThread, run_async

RUN = contextvars.ContextVar("RUN", default=None)


async def where() -> tuple[str | None, str]:
    await asyncio.sleep(0)
    return RUN.get(), threading.current_thread().name


def test_without_a_running_loop_the_coroutine_runs_on_this_thread():
    assert run_async(where()) == (None, threading.current_thread().name)


def test_inside_a_running_loop_it_runs_on_another_thread_and_sees_the_callers_context():
    async def caller():
        RUN.set("run-7")
        return run_async(where()), threading.current_thread().name

    (seen, thread), caller_thread = asyncio.run(caller())
    assert seen == "run-7"
    assert thread != caller_thread


def test_an_exception_reaches_the_caller():
    async def fails():
        raise LookupError("no such book")

    async def caller():
        return run_async(fails())

    with pytest.raises(LookupError, match="no such book"):
        asyncio.run(caller())


def test_closing_a_loop_thread_cancels_what_is_left_and_closes_the_loop():
    runner = LoopThread("test-loop")
    cancelled = threading.Event()

    async def forever():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def start():
        asyncio.get_running_loop().create_task(forever())
        await asyncio.sleep(0)

    runner.run(start(), timeout=5)
    runner.close()
    assert cancelled.is_set()
    assert runner.loop.is_closed()
