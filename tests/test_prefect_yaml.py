"""prefect.yaml: every deployment's entrypoint imports, and its flow accepts every parameter it names."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "prefect.yaml").read_text())
DEPLOYMENTS = {d["name"]: d for d in CONFIG["deployments"]}


def load_flow(entrypoint: str):
    from prefect.flows import load_flow_from_entrypoint

    path, name = entrypoint.split(":")
    # No placeholder: Prefect would otherwise fall back to parsing the file when the import fails,
    # and a deployment whose code cannot import would pass.
    return load_flow_from_entrypoint(f"{ROOT / path}:{name}", use_placeholder_flow=False)


def test_the_three_deployments_exist():
    assert set(DEPLOYMENTS) == {"nightly-sync", "writeback", "rollback"}


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_entrypoint_imports_and_takes_every_named_parameter(name):
    deployment = DEPLOYMENTS[name]
    flow = load_flow(deployment["entrypoint"])
    accepted = set(flow.parameters.properties)
    named = set(deployment.get("parameters") or {})
    for schedule in deployment.get("schedules") or []:
        named |= set(schedule.get("parameters") or {})
    assert named <= accepted, f"{name}: {sorted(named - accepted)} are not parameters of {flow.name}"
    # Defaults must validate against the flow's own parameter schema (enforce_parameter_schema is on).
    from prefect.utilities.callables import parameter_schema

    assert parameter_schema(flow.fn).properties.keys() == flow.parameters.properties.keys()


def test_nightly_sync_is_scheduled_and_never_runs_twice_at_once():
    from prefect.client.schemas.schedules import CronSchedule

    sync = DEPLOYMENTS["nightly-sync"]
    [schedule] = sync["schedules"]
    CronSchedule(cron=schedule["cron"], timezone=schedule.get("timezone"))  # raises on a bad cron
    assert sync["concurrency_limit"] == 1


def test_writeback_and_rollback_are_manual_and_writeback_is_a_dry_run_by_default():
    for name in ("writeback", "rollback"):
        assert not DEPLOYMENTS[name].get("schedules")
    assert DEPLOYMENTS["writeback"]["parameters"]["apply"] is False
    flow = load_flow(DEPLOYMENTS["writeback"]["entrypoint"])
    assert flow.parameters.properties["apply"]["default"] is False


def test_every_deployment_runs_on_the_process_pool_from_the_project_dir():
    pull = CONFIG["pull"][0]["prefect.deployments.steps.set_working_directory"]
    assert pull["directory"] == "{{ $SHELFMATCH_PROJECT_DIR }}"
    for deployment in DEPLOYMENTS.values():
        assert deployment["work_pool"]["name"] == "shelfmatch-local"


def test_no_secret_is_written_in_the_file():
    text = (ROOT / "prefect.yaml").read_text().lower()
    env = DEPLOYMENTS["nightly-sync"]["work_pool"]["job_variables"]["env"]
    assert not any("key" in k.lower() or "token" in k.lower() for k in env)
    assert "prefect.blocks.secret" not in text


def test_the_worker_s_warehouse_path_is_not_overridden(tmp_path, monkeypatch):
    """A process worker runs a flow with its own environment updated by the job variables' env: a
    shelfmatch setting there would win over the worker's, and a worker started with another warehouse
    file would silently sync into a second, empty one."""
    from tasks.settings import PROJECT_ROOT, get_settings

    mine = tmp_path / "elsewhere.duckdb"
    for deployment in DEPLOYMENTS.values():
        job_env = (deployment["work_pool"].get("job_variables") or {}).get("env") or {}
        monkeypatch.setenv("SHELFMATCH_DUCKDB_PATH", str(mine))
        for key, value in job_env.items():
            monkeypatch.setenv(key, str(value))
        assert get_settings().duckdb_path == mine, f"{deployment['name']} overrides the worker's warehouse"
        monkeypatch.delenv("SHELFMATCH_DUCKDB_PATH")
        # Unset on the worker: the default is the project's own file (what the CLI uses too).
        assert get_settings().duckdb_path == PROJECT_ROOT / "data" / "shelfmatch.duckdb"
