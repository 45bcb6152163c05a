"""extract_abs: the ABS catalogue → DuckDB (abs_items, abs_audio_files, abs_files, item_evidence).

Incremental: only items whose `updatedAt` changed (or that are new) are fetched in full; items gone
from ABS are marked `removed_at`. A malformed item becomes one `errors` row and the run goes on.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from tasks.artifacts import progress
from tasks.extract.fetch import FLOW, run_extract
from tasks.extract.summary import report
from tasks.settings import get_settings
from tasks.warehouse import run_record


@task(name="extract-abs-items", cache_policy=NO_CACHE)
def extract_items(
    db_path: str, run_id: str, library_ids: list[str] | None, full_refresh: bool
) -> dict[str, Any]:
    # Settings (with the API key) are read here, never passed as a task parameter.
    with progress(None, "ABS items fetched and flattened") as bar:
        return run_extract(get_settings(), db_path, run_id, library_ids, full_refresh, on_progress=bar.update)


@flow(name="extract_abs")
def extract_abs(
    library_ids: list[str] | None = None, full_refresh: bool = False, db_path: str | None = None
) -> dict[str, Any]:
    logger = get_run_logger()
    db = str(get_settings(duckdb_path=db_path).duckdb_path)
    with run_record(db, FLOW, {"library_ids": library_ids, "full_refresh": full_refresh}) as run:
        summary = extract_items(db, run.run_id, library_ids, full_refresh)
        run.counts.update({k: v for k, v in summary.items() if k != "libraries"})
    logger.info(
        "extracted %(extracted)d of %(items_seen)d items (%(new)d new, %(changed)d changed, "
        "%(unchanged)d unchanged, %(removed)d removed, %(error_count)d errors)",
        summary,
    )
    create_markdown_artifact(markdown=report(summary), key="extract-abs-summary", description="ABS extract")
    return {"run_id": run.run_id, **summary}
