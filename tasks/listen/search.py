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


def search_from_credits(db_path: Path | str, run_id: str, item_id: str, credits: Credits) -> bool:
    """Run the targeted search for one item; False when there is nothing to search with or no search."""
    if not (credits.title or credits.authors):
        return False
    search = search_function()
    if search is None:
        log.warning(
            "no targeted search: tasks.candidates.search_for_item is not available; item %s keeps its candidates",
            item_id,
        )
        return False
    offered = {
        "db_path": db_path,
        "item_id": item_id,
        "title": credits.title,
        "author": credits.authors[0] if credits.authors else None,
        "authors": list(credits.authors),
        "narrator": credits.narrators[0] if credits.narrators else None,
        "series": credits.series,
        "run_id": run_id,
        "strategy": "transcript_search",
    }
    params = inspect.signature(search).parameters
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    search(**{k: v for k, v in offered.items() if takes_all or k in params})
    return True


def follow_up(db_path: Path | str, run_id: str, result) -> bool:
    """After listening: if the credits were heard but no candidate is identified, search for the spoken
    book and judge the transcript again against the enlarged candidate list. Returns whether it searched."""
    from tasks.listen.credits import IDENTIFIED, judge
    from tasks.listen.item import finish_verdict
    from tasks.listen.store import candidates_for
    from tasks.warehouse import connect

    if result.error_kind or result.verdict == IDENTIFIED or not result.credits.heard:
        return False
    if not search_from_credits(db_path, run_id, result.item_id, result.credits):
        return False
    with connect(db_path) as con:
        candidates = candidates_for(con, [result.item_id]).get(result.item_id, [])
    if candidates:
        result.judgement = judge(candidates, result.transcript, result.credits)
        finish_verdict(result)
    return True
