"""Hardcover candidates for each item."""

from tasks.candidates.strategies import *  # noqa: F403  (moved; split into modules next)
