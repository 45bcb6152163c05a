"""What a finished flow run left in the Prefect API: its artifacts and its logs (test helpers)."""

from __future__ import annotations

import asyncio
from typing import Any


def artifacts_of(state: Any) -> dict[str, Any]:
    """The artifacts a flow run created, by key (progress artifacts have no key: under 'progress')."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async def read():
        async with get_client() as client:
            flt = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]))
            return await client.read_artifacts(artifact_filter=flt)

    out: dict[str, Any] = {}
    for artifact in asyncio.run(read()):
        out.setdefault(artifact.key or artifact.type, artifact)
    return out


def run_logs(state: Any, min_level: int) -> list[str]:
    """The messages the flow run logged to Prefect's API at `min_level` or above."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, LogFilterLevel

    async def read():
        async with get_client() as client:
            flt = LogFilter(
                flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id]),
                level=LogFilterLevel(ge_=min_level),
            )
            return await client.read_logs(log_filter=flt)

    return [log.message for log in asyncio.run(read())]


def task_run_names(state: Any) -> dict[str, str]:
    """The flow run's task runs: name -> state name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read():
        async with get_client() as client:
            flt = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
            return await client.read_task_runs(flow_run_filter=flt)

    return {run.name: run.state_name for run in asyncio.run(read())}
