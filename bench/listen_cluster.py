"""Listening on Dask for the benchmarks: a local cluster the listen flow reaches the way a deployment
does (SHELFMATCH_DASK_ADDRESS), and the CPU seconds of the processes that did the work."""

from __future__ import annotations

import logging
import os
import resource
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distributed import Client

ADDRESS_VARIABLE = "SHELFMATCH_DASK_ADDRESS"
CONFIG_DIR = Path(__file__).resolve().parent.parent / "deploy" / "dask"


@contextmanager
def dask_cluster(workers: int) -> Iterator[Client]:
    """A LocalCluster of `workers` processes with one thread each, named in SHELFMATCH_DASK_ADDRESS.

    Worker processes inherit the environment as it is on entry: set every SHELFMATCH_* first.
    """
    import dask
    from distributed import Client, LocalCluster

    before = os.environ.get(ADDRESS_VARIABLE)
    logging.getLogger("distributed").setLevel(logging.WARNING)  # not every worker's start and stop
    with (
        dask.config.set(deployment_config()),  # the nannies hand it to the workers they start
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        os.environ[ADDRESS_VARIABLE] = cluster.scheduler_address
        try:
            yield client
        finally:
            if before is None:
                os.environ.pop(ADDRESS_VARIABLE, None)
            else:
                os.environ[ADDRESS_VARIABLE] = before


def deployment_config() -> dict[str, object]:
    """The Dask settings docs/operations.md has a deployment's scheduler and workers start with
    (deploy/dask/*.yaml), as dotted keys."""
    import yaml

    def flat(prefix: str, value: object) -> dict[str, object]:
        if not isinstance(value, dict):
            return {prefix: value}
        return {
            k: v for key, sub in value.items() for k, v in flat(f"{prefix}.{key}".lstrip("."), sub).items()
        }

    out: dict[str, object] = {}
    for path in sorted(CONFIG_DIR.glob("*.yaml")):
        out.update(flat("", yaml.safe_load(path.read_text())))
    return out


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def workers_cpu_seconds(client: Client) -> float:
    """CPU seconds the cluster's worker processes have used so far (read in each worker)."""
    return sum(client.run(_own_cpu_seconds).values())


def _own_runqueue_wait_seconds() -> float:
    import glob

    total = 0
    for path in glob.glob("/proc/self/task/*/schedstat"):  # run ns, runqueue wait ns, timeslices
        try:
            with open(path) as fh:
                total += int(fh.read().split()[1])
        except (OSError, IndexError, ValueError):  # a thread that ended in between
            continue
    return total / 1e9


def workers_runqueue_wait_seconds(client: Client) -> float:
    """Seconds the cluster's worker threads have so far spent ready to run but waiting for a core (Linux
    schedstat): CPU taken by other processes, which a blocked or serialised worker would not show."""
    return sum(client.run(_own_runqueue_wait_seconds).values())


def tree_cpu_seconds() -> float:
    """CPU seconds so far of this process and every live process under it (the Prefect API server, the
    emulators, the Dask workers): what a measurement itself costs the machine."""
    import psutil

    total = 0.0
    me = psutil.Process()
    for proc in [me, *me.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:  # ended in between: its CPU is no longer counted anywhere live
            continue
        total += times.user + times.system
    return total


def _role(proc: object, workers: set[int]) -> str:
    """Which part of a listening run a process of this tree is (by pid for Dask workers, else by command)."""
    pid = getattr(proc, "pid", None)
    if pid in workers:
        return "dask_workers"
    try:
        command = " ".join(proc.cmdline())  # type: ignore[attr-defined]
    except Exception:  # ended, or not readable: still counted, under "other"
        return "other"
    if "uvicorn" in command and "prefect" in command:
        return "prefect_api"
    if "--serve-abs" in command:
        return "abs_emulator"
    if "emulators.hardcover" in command:
        return "hardcover_emulator"
    return "other"


def cpu_seconds_by_role(client: Client) -> dict[str, float]:
    """CPU seconds so far of each part of the run: this process (the flow, the in-process Dask scheduler
    and nannies) as `flow_process`, the Dask workers, the Prefect API, each emulator, anything else."""
    import psutil

    workers = set(client.run(os.getpid).values())
    me = psutil.Process()
    out = dict.fromkeys(
        ("flow_process", "dask_workers", "prefect_api", "abs_emulator", "hardcover_emulator", "other"), 0.0
    )
    for proc in [me, *me.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        role = "flow_process" if proc.pid == me.pid else _role(proc, workers)
        out[role] += times.user + times.system
    return out


def busy_seconds(task_stream: list[dict]) -> float:
    """Seconds the workers spent computing tasks, from Dask's task stream records."""
    return sum(
        span["stop"] - span["start"]
        for record in task_stream
        for span in record.get("startstops", ())
        if span["action"] == "compute"
    )


def process_cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (extract and process-pool workers)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return _own_cpu_seconds() + kids.ru_utime + kids.ru_stime
