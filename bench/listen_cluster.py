"""Listening on Dask for the benchmarks: a local cluster the listen flow reaches the way a deployment
does (SHELFMATCH_DASK_ADDRESS), and the CPU seconds of the processes that did the work."""

from __future__ import annotations

import logging
import os
import resource
import threading
import time
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


ROLES = ("flow_process", "dask_workers", "prefect_api", "abs_emulator", "hardcover_emulator", "other")
# The thread LocalCluster runs its event loop on: the scheduler, the nannies and the client live there,
# so its CPU is what the in-process Dask scheduler costs the flow's process.
DASK_LOOP_THREAD = "IO loop"


class RoleSampler:
    """CPU seconds so far of each part of the run, sampled each `interval` seconds on a thread of its own,
    so the CPU of a stretch of a run (the hearing, before the re-score) can be read afterwards: this
    process (the flow, the in-process Dask scheduler and nannies) as `flow_process`, the Dask workers,
    the Prefect API, each emulator, anything else; `flow_process_dask_loop` is the part of
    `flow_process` spent on the Dask loop's thread."""

    def __init__(self, client: Client, interval: float = 0.5) -> None:
        import psutil

        self._me = psutil.Process()
        workers = set(client.run(os.getpid).values())
        # The tree is read once: finding children scans every process on the machine, which on a
        # shared machine costs this process more CPU than what it measures.
        self._procs = [
            (proc, "flow_process" if proc.pid == self._me.pid else _role(proc, workers))
            for proc in [self._me, *self._me.children(recursive=True)]
        ]
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.samples: list[tuple[float, dict[str, float]]] = []

    def sample(self) -> dict[str, float]:
        import psutil

        out = dict.fromkeys((*ROLES, "flow_process_dask_loop"), 0.0)
        for proc, role in self._procs:
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:  # ended: its CPU is no longer counted anywhere live
                continue
            out[role] += times.user + times.system
        loop = {t.native_id for t in threading.enumerate() if t.name == DASK_LOOP_THREAD}
        for thread in self._me.threads():
            if thread.id in loop:
                out["flow_process_dask_loop"] += thread.user_time + thread.system_time
        return out

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.samples.append((time.time(), self.sample()))

    def __enter__(self) -> RoleSampler:
        self.samples.append((time.time(), self.sample()))
        self._thread = threading.Thread(target=self._run, name="role-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.samples.append((time.time(), self.sample()))

    def at(self, when: float) -> dict[str, float]:
        """The CPU seconds by role at `when` (epoch seconds), interpolated between the two samples around it."""
        before = max((s for s in self.samples if s[0] <= when), key=lambda s: s[0], default=self.samples[0])
        after = min((s for s in self.samples if s[0] >= when), key=lambda s: s[0], default=self.samples[-1])
        share = 0.0 if after[0] == before[0] else (when - before[0]) / (after[0] - before[0])
        return {k: v + share * (after[1][k] - v) for k, v in before[1].items()}

    def between(self, start: float, end: float) -> dict[str, float]:
        a, b = self.at(start), self.at(end)
        return {k: b[k] - a[k] for k in a}


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
