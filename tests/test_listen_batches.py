"""How a listen run's items are cut into task runs, and what a batch that failed as a whole reports."""

from __future__ import annotations

import pytest

from tasks.listen.batches import batch_sizes, failed_batch, in_batches
from tasks.listen.item import ListenJob


@pytest.mark.parametrize("items", [0, 1, 2, 3, 7, 24, 48, 1000])
@pytest.mark.parametrize("slots", [1, 2, 3, 8])
def test_batches_cover_every_item_once_in_order_largest_first(items, slots):
    sizes = batch_sizes(items, slots)
    assert sum(sizes) == items and all(s >= 1 for s in sizes)
    assert sizes == sorted(sizes, reverse=True)
    batches = in_batches(list(range(items)), slots)
    assert [i for batch in batches for i in batch] == list(range(items))
    # with more items than slots, the run ends on single items, one for each slot at least
    if items >= 4 * slots:
        assert sizes[-slots:] == [1] * slots


def test_two_workers_hear_24_items_in_9_task_runs_not_24():
    assert batch_sizes(24, 2) == [6, 5, 4, 3, 2, 1, 1, 1, 1]
    # few items on many workers: one item per task run, every worker busy at once
    assert batch_sizes(2, 2) == [1, 1]
    assert batch_sizes(24, 0) == batch_sizes(24, 1)


def test_a_batch_that_failed_as_a_whole_fails_each_of_its_items_with_a_one_line_reason():
    jobs = [ListenJob("it-1", []), ListenJob("it-2", [])]
    results = failed_batch(jobs, RuntimeError("worker tcp://127.0.0.1:1 died\nwhile computing"))
    assert [r.item_id for r in results] == ["it-1", "it-2"]
    for r in results:
        assert r.verdict == "error" and r.error_kind == "listen_failed" and r.book_id is None
        assert r.error is not None and "\n" not in r.error
        assert r.error.startswith(f"item {r.item_id}: ") and "RuntimeError: worker" in r.error
