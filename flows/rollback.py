"""rollback: put back the `before` values of a writeback run, or of items; conflicts left alone unless forced."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE

from tasks.abs import AbsClient
from tasks.artifacts import progress, summary_markdown
from tasks.settings import Settings, get_settings
from tasks.warehouse import connect, run_record
from tasks.writeback.apply import AbsNotAnswering
from tasks.writeback.rollback import apply_rollback


@task(name="restore-before-values", cache_policy=NO_CACHE)
async def restore(
    settings: Settings, run_id: str, target_run_id: str | None, item_ids: list[str] | None, force: bool
) -> dict[str, Any]:
    async with AbsClient.from_settings(settings) as client:
        with connect(settings.duckdb_path) as con, progress(None, "items restored in ABS") as bar:
            summary = await apply_rollback(
                con, client, settings, run_id, target_run_id, item_ids, force, on_progress=bar.update
            )
    return summary.as_dict()


@flow(name="rollback")
async def rollback(
    run_id: str | None = None,
    item_ids: list[str] | None = None,
    force: bool = False,
    db_path: str | None = None,
) -> dict[str, Any]:
    settings = get_settings(duckdb_path=db_path)
    params = {"run_id": run_id, "item_ids": item_ids, "force": force}
    with run_record(settings.duckdb_path, "rollback", params) as run:
        try:
            run.counts.update(await restore(settings, run.run_id, run_id, item_ids, force))
        except AbsNotAnswering as exc:
            run.counts.update(exc.counts)  # a stopped run keeps the counts of what it did
            raise
    summary = {**run.counts, "run_id": run.run_id, "undid_run_id": run_id}
    await acreate_markdown_artifact(markdown=summary_markdown("rollback", summary), key="rollback-summary")
    return summary
