"""Handing a run's items to the workers in batches that shrink as the work runs out.

Every task run costs CPU besides the hearing: its state changes and log lines go to the Prefect API,
which records them; the task is shipped to a worker and started there; the flow collects its result.
That work shares the cores the workers hear on. One task run per item pays it for every item; one per
worker would leave a worker idle while the other hears its last long item. Guided self-scheduling
does both: each batch is a share of the items still unassigned, handed out in order, so the first
batches are large and the last are single items the workers finish together on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from tasks.listen.item import ListenJob, ListenResult

T = TypeVar("T")

# Each batch is 1 / (SHARE x slots) of what is left: small enough that the batches running when the
# last ones are handed out are short, large enough that a run of n items takes a few task runs per slot.
SHARE = 2


def batch_sizes(items: int, slots: int, share: int = SHARE) -> list[int]:
    """Sizes of the batches for `items` items heard by `slots` workers at once, largest first."""
    sizes: list[int] = []
    left = items
    while left > 0:
        size = max(1, -(-left // (share * max(1, slots))))
        sizes.append(size)
        left -= size
    return sizes


def in_batches(items: Sequence[T], slots: int) -> list[list[T]]:
    """`items` cut, in order, into the batches of `batch_sizes`."""
    out: list[list[T]] = []
    start = 0
    for size in batch_sizes(len(items), slots):
        out.append(list(items[start : start + size]))
        start += size
    return out


def failed_batch(jobs: Sequence[ListenJob], exc: BaseException) -> list[ListenResult]:
    """Each item of a batch whose task failed as a whole (its worker died, it could not be shipped or
    its result could not come back): an error result per item that says why, in one line."""
    reason = " ".join(f"{type(exc).__name__}: {exc}".split())
    return [
        ListenResult(
            item_id=job.item_id,
            verdict="error",
            error_kind="listen_failed",
            error=f"item {job.item_id}: the task hearing it failed: {reason}",
            error_detail={"items_in_task": len(jobs)},
        )
        for job in jobs
    ]
