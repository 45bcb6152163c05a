"""A Dask worker's start for listening: the listen code and the Whisper model loaded before any item.

deploy/dask/listen.yaml names this module as the workers' preload: Dask imports it in each worker it
starts and calls `dask_setup`. A worker is started once and hears for its whole life, so importing
the flow's code (Prefect included) and loading the model there, instead of inside the first item it
is given, takes that cost off the first item's run. A model that cannot be loaded is logged and the
worker still starts: each item then fails with the reason, as it would without this.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distributed import Worker

logger = logging.getLogger(__name__)


def dask_setup(worker: Worker) -> None:
    import flows.listen  # noqa: F401 - the flow's task is unpickled from this module
    from tasks.listen.asr import AsrFailed, warm_up
    from tasks.settings import get_settings

    try:
        warm_up(get_settings(), int(worker.state.nthreads))
    except AsrFailed as exc:
        logger.warning("listen: the Whisper model was not loaded as the worker started: %s", exc)
