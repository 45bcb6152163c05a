"""writeback: send approved Hardcover metadata to ABS — a dry-run plan by default, `apply=True` to write.

Separate from `sync` on purpose: nothing reaches ABS unless a person runs this with apply.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE

from tasks.abs import AbsClient
from tasks.artifacts import progress, summary_markdown
from tasks.settings import Settings, get_settings
from tasks.warehouse import connect, fetch_dicts, load_sql, run_record
from tasks.writeback.apply import AbsNotAnswering, apply_writeback
from tasks.writeback.display import markdown_head
from tasks.writeback.plan import plan_counts, plan_from_warehouse


@task(name="plan-writeback", cache_policy=NO_CACHE)
def plan_changes(settings: Settings, run_id: str, item_ids: list[str] | None) -> dict[str, Any]:
    with connect(settings.duckdb_path) as con:
        planned = plan_from_warehouse(con, settings, run_id, item_ids)
    plans = planned.plans
    return {
        "approved": len(plans) + len(planned.holds),
        **plan_counts(plans),
        "covers": sum(1 for p in plans for c in p.changes if c.field == "cover"),
        "held_items": len(planned.holds),
    }


@task(name="apply-writeback", cache_policy=NO_CACHE)
async def apply_changes(
    settings: Settings, run_id: str, item_ids: list[str] | None, force: bool
) -> dict[str, Any]:
    async with AbsClient.from_settings(settings) as client:
        with connect(settings.duckdb_path) as con:
            with progress(None, "approved items written to ABS") as bar:
                summary = await apply_writeback(
                    con, client, settings, run_id, item_ids, on_progress=bar.update, force=force
                )
            return summary.as_dict()


@flow(name="writeback")
async def writeback(
    apply: bool = False,
    item_ids: list[str] | None = None,
    db_path: str | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """`force` (apply only) also writes items changed in ABS since the last sync, planned against their
    live values; items held for their evidence, removal or a failed extract are never written."""
    settings = get_settings(duckdb_path=db_path)
    params = {"apply": apply, "item_ids": item_ids, "force": force}
    with run_record(settings.duckdb_path, "writeback", params) as run:
        if apply:
            try:
                run.counts.update(await apply_changes(settings, run.run_id, item_ids, force))
            except AbsNotAnswering as exc:
                run.counts.update(exc.counts)  # a stopped run keeps the counts of what it did
                raise
        else:
            run.counts.update(plan_changes(settings, run.run_id, item_ids))
    summary = {"run_id": run.run_id, "apply": apply, **run.counts}
    with connect(settings.duckdb_path) as con:
        rows = fetch_dicts(con, load_sql("writeback_plan_rows"), [run.run_id])
    plan = f"\n## The plan (what changes, and why)\n\n{markdown_head(rows, run.run_id)}\n"
    await acreate_markdown_artifact(
        markdown=summary_markdown("writeback", summary) + plan, key="writeback-summary"
    )
    return summary
