"""Looking the spoken book up in Hardcover, within a per-item request cap.

When the transcript names a book that none of the item's candidates is, the catalogue is asked, cheapest
and most exact first, stopping as soon as a candidate is identified by containment:

1. every spoken name (author credits, and the name-like spans of "<Author>, <Title>") in one
   `books_by_authors` lookup — the author's books that the transcript contains become candidates;
2. every spoken title span, in a few spellings, in one exact `books_by_titles` lookup;
3. a search for the first spoken name, when the exact lookup found none of its books (the search
   forgives a misheard letter or two) and the spoken title is not one asked for already (see 4: every
   book of that title was looked at): its books by someone of that name whose title the transcript
   holds become candidates;
4. a title search for the best span worth a request (`tasks.listen.spans.search_spans`: a numbered
   volume as one phrase, the cue reading's title, the first other spans; never a name, a publisher or
   a long span whole), unless that span is a title already asked for — one of the item's text-path
   titles or candidates', or one the exact lookup found books of — (then one hydration of the picks).

Each lookup and search costs one Hardcover request of the item's `listen_search_requests_per_item`
(a step that would pass it is not taken), and the flow stops searching for the run at
`listen_search_requests_per_run`, inside the daily budget the client enforces. The lookups are made
for all of a run's items together (tasks/listen/bulk.py): the two exact lookups in bulk, the searches
each item's own, the hydration of their picks shared.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasks.listen.credits import Credits
from tasks.listen.phrases import phrase_containment

if TYPE_CHECKING:
    from tasks.candidates.state import FetchState
    from tasks.listen.item import ListenResult
    from tasks.settings import Settings

log = logging.getLogger(__name__)

# A book of a spoken author is a candidate only when the transcript holds most of its title.
_AUTHOR_BOOK_TITLE = 0.6
_KEEP_PER_LOOKUP = 8


class SearchFailed(Exception):
    """The targeted search raised (budget, auth, network); the listen result itself stands."""


@dataclass
class SearchOutcome:
    searched: bool = False
    requests: int = 0  # Hardcover requests sent (cache hits are free)
    strategies: tuple[str, ...] = ()


def search_available(settings: Settings) -> bool:
    """Targeted search needs a Hardcover token (checked once per run)."""
    if not settings.hardcover_key():
        log.warning("no targeted search: no Hardcover token (SHELFMATCH_HARDCOVER_TOKEN)")
        return False
    return True


def _name_forms(credits: Credits) -> list[str]:
    from tasks.candidates.titles import name_variants

    names = list(dict.fromkeys(credits.authors + credits.name_spans))
    # "JP Delaney" is catalogued "J.P. Delaney": initials heard run together are spelt out too
    names += [
        re.sub(r"^([A-Z])([A-Z])(?=\s)", r"\1.\2.", n)
        for n in names
        if re.match(r"^[A-Z]{2}\s+[A-Z][a-z]", n)
    ]
    return list(dict.fromkeys(v for n in names for v in name_variants(n)))[:100]


def _title_forms(credits: Credits) -> list[str]:
    from tasks.candidates.titles import title_forms

    spans = list(dict.fromkeys(([credits.title] if credits.title else []) + credits.title_spans))
    # "the first drop of crimson" is catalogued "First Drop of Crimson": the spoken article may be extra
    spans = [v for s in spans for v in (s, re.sub(r"(?i)^(?:the|a|an)\s+(?=\S)", "", s)) if v]
    # The catalogue writes titles capitalised: a heard span in lower case is asked in title case only
    # (the model's lower case is its guess, never the catalogue's spelling).
    return list(dict.fromkeys(f for s in spans for f in _capitalised(title_forms(s))))[:100]


def _capitalised(forms: list[str]) -> list[str]:
    return [f for f in forms if not f.islower()] or forms


def keep_contained(
    state: FetchState, item_id: str, transcript: str, books: list[dict[str, Any]], floor: float
) -> int:
    """The looked-up books whose title the transcript contains (at least `floor`), best first, become
    the item's candidates; returns how many."""
    from tasks.candidates.store import Cand

    scored = []
    for b in books:
        sim = phrase_containment(b.get("title") or "", transcript)
        if sim >= floor:
            scored.append((sim, b["id"]))
    scored.sort(reverse=True)
    for sim, book_id in scored[:_KEEP_PER_LOOKUP]:
        state.add(item_id, Cand(book_id, "transcript_search", round(100 * sim, 1)))
    return len(scored[:_KEEP_PER_LOOKUP])


def follow_up(
    db_path: Path | str,
    run_id: str,
    result: ListenResult,
    search_enabled: bool = True,
    max_requests: int = 0,
    settings: Settings | None = None,
    credits: Credits | None = None,
) -> tuple[list[Any] | None, SearchOutcome]:
    """After listening to one item: if credits were heard but no candidate is identified, look the
    spoken book up and judge the transcript again against the enlarged candidate list. Returns the
    item's candidates after a lookup (None when none was made) and what it cost; raises SearchFailed
    (with the reason) when the lookup itself failed. `credits` (default: the plain hearing's) are what
    is looked up. A run's items are looked up together by `tasks.listen.bulk.follow_up_all`."""
    from tasks.listen.bulk import Lookup, follow_up_all
    from tasks.settings import get_settings

    if not search_enabled:
        return None, SearchOutcome()
    settings = settings or get_settings(duckdb_path=str(db_path))
    lookup = Lookup(result, credits or result.credits, max_requests)
    sent, _exhausted = follow_up_all(db_path, run_id, [lookup], max_requests, settings)
    lookup.outcome.requests = sent
    if lookup.error is not None:
        raise SearchFailed(lookup.error)
    return (lookup.candidates if lookup.outcome.searched else None), lookup.outcome
