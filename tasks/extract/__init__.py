"""Extract: the ABS catalogue into DuckDB."""

from tasks.extract.flatten import *  # noqa: F403  (moved; split into modules next)
