"""Seeding a targeted Hardcover search from what the narrator said.

When the credits name a title/author that none of the item's candidates matches, the catalogue is
asked for it. The search itself belongs to the candidates step (budget, cache, hydration):
`tasks.candidates.search_for_item`. This module is the hook between the two; it passes the spoken
title/author (and the run id, db path and strategy `transcript_search` when the function takes them).
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path

from tasks.listen.credits import Credits

log = logging.getLogger(__name__)


def search_function():
    """`tasks.candidates.search_for_item` when the candidates module provides it, else None."""
    try:
        from tasks import candidates
    except ImportError:
        return None
    return getattr(candidates, "search_for_item", None)


def search_available(settings) -> bool:
    """Targeted search needs the candidates module and a Hardcover token (checked once per run)."""
    if search_function() is None:
        log.warning("no targeted search: tasks.candidates.search_for_item is not available")
        return False
    if not settings.hardcover_key():
        log.warning("no targeted search: no Hardcover token (SHELFMATCH_HARDCOVER_TOKEN)")
        return False
    return True


def search_from_credits(db_path: Path | str, run_id: str, item_id: str, credits: Credits) -> bool:
    """Run the targeted search for one item; False when there is no spoken title to search with."""
    search = search_function()
    if search is None or not credits.title:
        return False
    offered = {
        "db_path": str(db_path),
        "item_id": item_id,
        "title": credits.title,
        "author": credits.authors[0] if credits.authors else None,
        "run_id": run_id,
    }
    params = inspect.signature(search).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    search(**{k: v for k, v in offered.items() if takes_all or k in params})
    return True


class SearchFailed(Exception):
    """The targeted search raised (budget, auth, network); the listen result itself stands."""


def follow_up(db_path: Path | str, run_id: str, result, search_enabled: bool = True) -> list | None:
    """After listening: if the credits were heard but no candidate is identified, search for the spoken
    book and judge the transcript again against the enlarged candidate list. Returns the item's
    candidates after a search (None when it did not search); raises SearchFailed (with the reason)
    when the search itself failed."""
    from tasks.listen.credits import IDENTIFIED
    from tasks.listen.item import evaluate, finish_verdict
    from tasks.listen.store import candidates_for
    from tasks.warehouse import connect

    if not search_enabled or result.error_kind or result.verdict == IDENTIFIED or not result.credits.title:
        return None
    try:
        searched = search_from_credits(db_path, run_id, result.item_id, result.credits)
    except Exception as exc:
        raise SearchFailed(
            f"item {result.item_id}: Hardcover search for the spoken title {result.credits.title!r} failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not searched:
        return None
    with connect(db_path) as con:
        candidates = candidates_for(con, [result.item_id]).get(result.item_id, [])
    if candidates:
        evaluate(result, candidates)
        finish_verdict(result)
    return candidates
