"""listen: hear the items that have no positive match, store what they say, search and re-score.

Per item, in batches that shrink as the work runs out (one Prefect task each, on the flow's task
runner: threads by default, a Dask cluster when SHELFMATCH_DASK_ADDRESS is set; tasks/listen/batches.py
says why): transcribe the intro in 30 s steps, then the outro, until title and author (and series) are
heard. The flow's main process alone writes DuckDB.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.score import score
from tasks.artifacts import progress, summary_markdown
from tasks.listen.batches import failed_batch, in_batches
from tasks.listen.bulk import Lookup, follow_up_all, wants_lookup
from tasks.listen.item import (
    ListenJob,
    ListenResult,
    confirmation_job,
    hinted_credits,
    listen_to_item,
    merge_confirmation,
    needs_confirmation,
)
from tasks.listen.search import search_available
from tasks.listen.store import load_jobs, store_result
from tasks.listen.verdict import IDENTIFIED
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

    def slots(self, settings: Settings) -> int:
        """How many items can be heard at once: the Dask cluster's worker threads, else the threads'."""
        client = getattr(self._runner, "client", None)  # a DaskTaskRunner's, connected as it started
        if client is not None:
            return max(1, int(sum(client.nthreads().values())))
        return max(1, settings.listen_workers)


def _batch_run_name() -> str:
    from prefect.runtime import task_run

    jobs: list[ListenJob] = task_run.parameters["jobs"]
    more = f"-and-{len(jobs) - 1}-more" if len(jobs) > 1 else ""
    return f"listen-{jobs[0].item_id if jobs else 'nothing'}{more}"


@task(name="listen-to-items", cache_policy=NO_CACHE, task_run_name=_batch_run_name)
def listen_items(jobs: list[ListenJob]) -> list[ListenResult]:
    """Hear a batch of items one after the other: each item's result, its failure included."""
    settings = get_settings()
    return [listen_to_item(job, settings) for job in jobs]


def hear(jobs: list[ListenJob], settings: Settings) -> Iterator[list[ListenResult]]:
    """The results of `jobs` heard on the flow's task runner, a batch at a time as each finishes; a
    batch whose task failed as a whole yields an error result for each of its items."""
    context = FlowRunContext.get()
    runner = context.task_runner if context is not None else None
    slots = runner.slots(settings) if isinstance(runner, SettingsTaskRunner) else settings.listen_workers
    submitted = {listen_items.submit(batch): batch for batch in in_batches(jobs, slots)}
    for future in as_completed(list(submitted)):
        try:
            results: list[ListenResult] = future.result()
        except Exception as exc:  # the worker died or the batch could not travel: its items failed
            results = failed_batch(submitted[future], exc)
        yield results


@flow(name="listen", task_runner=SettingsTaskRunner())
def listen(
    item_ids: list[str] | None = None, max_items: int | None = None, db_path: str | None = None
) -> dict[str, Any]:
    settings = get_settings(duckdb_path=db_path)
    db = settings.duckdb_path
    with run_record(db, "listen", {"item_ids": item_ids, "max_items": max_items}) as run:
        jobs = load_jobs(db, item_ids, max_items)
        can_search = bool(jobs) and search_available(settings)
        run_cap = min(
            settings.listen_search_requests_per_run,
            settings.hardcover_max_requests_per_run
            if settings.hardcover_max_requests_per_run is not None
            else settings.listen_search_requests_per_run,
        )
        verdicts: Counter[str] = Counter()
        heard: list[str] = []

        def finish(result: ListenResult, searched: bool = False, search_error: str | None = None) -> None:
            store_result(db, run.run_id, result, searched, search_error)
            verdicts[result.verdict] += 1
            heard.append(result.item_id)
            if result.verdict == "error":
                # An item whose audio could not be read was not listened to: people need to see it.
                get_run_logger().warning("listen: %s could not be heard: %s", result.item_id, result.error)

        # Every item is heard first; those whose credits name a book no candidate is are then looked
        # up together (one exact lookup for all of their names and titles), the rest stored at once.
        lookups: list[Lookup] = []
        # One connection held open for the loop keeps DuckDB's database open in this process: each
        # item's short connections then reuse it instead of reopening the file and checkpointing it
        # on close, work that competes with the workers for the same cores.
        with connect(db, migrate_schema=False), progress(len(jobs), "items listened to") as bar:
            for batch in hear(jobs, settings):
                for result in batch:
                    if can_search and wants_lookup(result, result.credits):
                        lookups.append(
                            Lookup(result, result.credits, settings.listen_search_requests_per_item)
                        )
                    else:
                        finish(result)
                bar.advance(len(batch))
        by_operation: Counter[str] = Counter()
        spent, exhausted = (
            follow_up_all(db, run.run_id, lookups, run_cap, settings, by_operation) if lookups else (0, False)
        )
        spent += confirm_and_look_again(
            db, run.run_id, lookups, by_id_of(jobs), run_cap - spent, not exhausted, settings, by_operation
        )
        for lk in lookups:
            finish(lk.result, lk.candidates is not None, lk.error)
        rescored = rescore(heard, db)
        run.counts.update(items=len(jobs), rescored=rescored, search_requests=spent, **verdicts)
        run.counts["search_requests_by_operation"] = dict(sorted(by_operation.items()))
    summary = {"run_id": run.run_id, **run.counts}
    create_markdown_artifact(
        markdown=summary_markdown(
            "listen",
            summary,
            {"Requests (root fields) by operation": summary["search_requests_by_operation"]},
        ),
        key="listen-summary",
        description="What the listen flow heard",
    )
    return summary


def by_id_of(jobs: list[ListenJob]) -> dict[str, ListenJob]:
    return {job.item_id: job for job in jobs}


def confirm_and_look_again(
    db: Path | str,
    run_id: str,
    lookups: list[Lookup],
    jobs: dict[str, ListenJob],
    run_left: int,
    can_search: bool,
    settings: Settings,
    by_operation: Counter[str] | None = None,
) -> int:
    """Hear again, hinted, the looked-up items whose new candidates are half-heard (all at once), then
    look up the spellings the re-hearings give, with what is left of each item's cap. Returns the
    requests sent (added per operation to `by_operation`)."""
    confirm = [lk for lk in lookups if lk.candidates and needs_confirmation(lk.result, lk.candidates)]
    confirmations = [
        confirmation_job(jobs[lk.result.item_id], lk.candidates or [], lk.result) for lk in confirm
    ]
    heard = {r.item_id: r for batch in hear(confirmations, settings) for r in batch}
    for lk in confirm:  # a failed re-hearing leaves the first hearing standing
        merge_confirmation(lk.result, heard[lk.result.item_id], lk.candidates or [])
    # The re-hearing may spell the book better than the first: what is left of the item's cap looks
    # that spelling up too (identical lookups are answered from the cache).
    again = {
        lk.result.item_id: Lookup(lk.result, hinted_credits(lk.result), lk.cap)
        for lk in confirm
        if lk.result.verdict != IDENTIFIED and lk.cap > 0 and lk.error is None
    }
    if not (can_search and again and run_left > 0):
        return 0
    sent, _exhausted = follow_up_all(db, run_id, list(again.values()), run_left, settings, by_operation)
    for lk in confirm:
        if (more := again.get(lk.result.item_id)) is not None:
            lk.candidates = more.candidates or lk.candidates
            lk.error = more.error
    return sent


def rescore(item_ids: list[str], db: Path | str) -> bool:
    """Re-score the items just heard with the scoring flow (its own run)."""
    if not item_ids:
        return False
    score(item_ids=item_ids, db_path=str(db))
    return True
