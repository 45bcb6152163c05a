"""Hardcover: the GraphQL client, its queries, the request budget and the response cache."""

from tasks.hardcover.client import *  # noqa: F403  (moved; split into modules next)
from tasks.hardcover.client import QUERIES_DIR  # noqa: F401
