"""listen: hear the items that have no positive match, store what they say, search and re-score.

Per item (a Prefect task on the flow's task runner: threads by default, a Dask cluster when
SHELFMATCH_DASK_ADDRESS is set): transcribe the intro in 30 s steps, then the outro, until title and
author (and series) are heard. The flow's main process alone writes DuckDB.
"""

from __future__ import annotations

import queue
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.score import score
from tasks.artifacts import progress, summary_markdown
from tasks.hardcover.errors import BudgetExhausted
from tasks.listen.item import (
    ListenJob,
    ListenResult,
    confirmation_job,
    hinted_credits,
    listen_to_item,
    merge_confirmation,
    needs_confirmation,
)
from tasks.listen.search import SearchFailed, follow_up, search_available
from tasks.listen.store import load_jobs, store_result
from tasks.settings import Settings, get_settings
from tasks.warehouse import connect, run_record

if TYPE_CHECKING:
    from prefect import Task
    from prefect.client.schemas.objects import RunInput


def task_runner(settings: Settings | None = None) -> TaskRunner[Any]:
    """Dask when an address is configured (ASR is the CPU-heavy step), else local threads."""
    settings = settings or get_settings()
    if settings.dask_address:
        from prefect_dask.task_runners import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    return ThreadPoolTaskRunner(max_workers=settings.listen_workers)


class SettingsTaskRunner(TaskRunner[Any]):
    """The task runner the settings name, chosen as each flow run starts.

    Importing the flow reads no settings: the environment the run starts in (a worker's, the CLI's,
    a test's) decides between Dask and threads.
    """

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Prefect's TaskRunner.__init__ has no annotations
        self._runner: TaskRunner[Any] | None = None

    def duplicate(self) -> SettingsTaskRunner:
        return type(self)()

    def __enter__(self) -> SettingsTaskRunner:
        super().__enter__()
        self._runner = task_runner().__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self._runner is not None:
                self._runner.__exit__(*exc)
        finally:
            self._runner = None
            super().__exit__(*exc)

    def submit(
        self,
        task: Task[Any, Any],
        parameters: dict[str, Any],
        wait_for: Iterable[PrefectFuture[Any]] | None = None,
        dependencies: dict[str, set[RunInput]] | None = None,
    ) -> PrefectFuture[Any]:
        assert self._runner is not None, "the task runner is used inside a flow run"
        future: PrefectFuture[Any] = self._runner.submit(task, parameters, wait_for, dependencies)
        return future


@task(name="listen-to-item", cache_policy=NO_CACHE, task_run_name="listen-{job.item_id}")
def listen_item(job: ListenJob) -> ListenResult:
    return listen_to_item(job, get_settings())


@dataclass
class _Lookups:
    """The run's Hardcover lookups of spoken books: what is spent, what is left, whether to go on."""

    run_cap: int
    per_item: int
    enabled: bool
    spent: int = 0

    def item_cap(self, left: int | None = None) -> int:
        """Requests one item may still send: its own allowance (or what is `left` of it), within the run's."""
        return min(self.per_item if left is None else left, self.run_cap - self.spent)

    def failed(self, exc: SearchFailed) -> str:
        # the daily budget is spent: the rest of the run listens without searching
        self.enabled = self.enabled and not isinstance(exc.__cause__, BudgetExhausted)
        return str(exc)


@dataclass
class _Confirming:
    """An item heard once, waiting for its hinted re-hearing."""

    result: ListenResult
    candidates: list[Any]
    cap_left: int


@flow(name="listen", task_runner=SettingsTaskRunner())
def listen(
    item_ids: list[str] | None = None, max_items: int | None = None, db_path: str | None = None
) -> dict[str, Any]:
    settings = get_settings(duckdb_path=db_path)
    db = settings.duckdb_path
    with run_record(db, "listen", {"item_ids": item_ids, "max_items": max_items}) as run:
        jobs = load_jobs(db, item_ids, max_items)
        lookups = _Lookups(
            run_cap=min(
                settings.listen_search_requests_per_run,
                settings.hardcover_max_requests_per_run
                if settings.hardcover_max_requests_per_run is not None
                else settings.listen_search_requests_per_run,
            ),
            per_item=settings.listen_search_requests_per_item,
            enabled=bool(jobs) and search_available(settings),
        )
        verdicts: Counter[str] = Counter()
        heard = []
        by_id = {job.item_id: job for job in jobs}
        # Each finished task lands here, whichever it is: a re-hearing is waited for like any other
        # task, so the loop goes on storing other items (and submitting their re-hearings) meanwhile.
        finished: queue.SimpleQueue[PrefectFuture[ListenResult]] = queue.SimpleQueue()
        confirming: dict[PrefectFuture[ListenResult], _Confirming] = {}

        def submit(job: ListenJob) -> PrefectFuture[ListenResult]:
            future: PrefectFuture[ListenResult] = listen_item.submit(job)
            future.add_done_callback(finished.put)
            return future

        def store(result: ListenResult, candidates: list[Any] | None, search_error: str | None) -> None:
            store_result(db, run.run_id, result, candidates is not None, search_error)
            verdicts[result.verdict] += 1
            heard.append(result.item_id)
            if result.verdict == "error":
                # An item whose audio could not be read was not listened to: people need to see it.
                get_run_logger().warning("listen: %s could not be heard: %s", result.item_id, result.error)
            bar.advance()

        # One connection held open for the loop keeps DuckDB's database open in this process: each
        # item's short connections then reuse it instead of reopening the file and checkpointing it
        # on close, work that competes with the workers for the same cores.
        with connect(db), progress(len(jobs), "items listened to") as bar:
            for job in jobs:
                submit(job)
            outstanding = len(jobs)
            while outstanding:
                future = finished.get()
                outstanding -= 1
                waiting = confirming.pop(future, None)
                if waiting is not None:
                    store(*_confirmed(db, run.run_id, waiting, future.result(), lookups, settings))
                    continue
                result, candidates, search_error = future.result(), None, None
                cap = lookups.item_cap()
                try:
                    candidates, outcome = follow_up(
                        db, run.run_id, result, lookups.enabled and cap > 0, cap, settings
                    )
                    lookups.spent, cap = lookups.spent + outcome.requests, cap - outcome.requests
                except SearchFailed as exc:
                    search_error = lookups.failed(exc)
                if candidates and search_error is None and needs_confirmation(result, candidates):
                    # hear the credits again, hinted with the names just found
                    again = submit(confirmation_job(by_id[result.item_id], candidates, result))
                    confirming[again] = _Confirming(result, candidates, cap)
                    outstanding += 1
                    continue
                store(result, candidates, search_error)
        rescored = rescore(heard, db)
        run.counts.update(items=len(jobs), rescored=rescored, search_requests=lookups.spent, **verdicts)
    summary = {"run_id": run.run_id, **run.counts}
    create_markdown_artifact(
        markdown=summary_markdown("listen", summary),
        key="listen-summary",
        description="What the listen flow heard",
    )
    return summary


def _confirmed(
    db: Path | str,
    run_id: str,
    waiting: _Confirming,
    confirmation: ListenResult,
    lookups: _Lookups,
    settings: Settings,
) -> tuple[ListenResult, list[Any], str | None]:
    """Fold the re-hearing into the item's result. The re-hearing may spell the book better than the
    first: what is left of the item's cap looks that spelling up too (identical lookups are answered
    from the cache)."""
    result, candidates = waiting.result, waiting.candidates
    merge_confirmation(result, confirmation, candidates)
    cap = lookups.item_cap(waiting.cap_left)
    if result.verdict != "identified" and lookups.enabled and cap > 0:
        try:
            more, again = follow_up(db, run_id, result, True, cap, settings, credits=hinted_credits(result))
        except SearchFailed as exc:
            return result, candidates, lookups.failed(exc)
        lookups.spent += again.requests
        candidates = more or candidates
    return result, candidates, None


def rescore(item_ids: list[str], db: Path | str) -> bool:
    """Re-score the items just heard with the scoring flow (its own run)."""
    if not item_ids:
        return False
    score(item_ids=item_ids, db_path=str(db))
    return True
