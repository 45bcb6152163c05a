"""Which hearing to believe: the evidence an item's transcripts give, field by field.

An item may be heard several times — intro and outro windows, a plain pass and a re-hearing hinted
with the candidates' names — and a small model garbles a different word each time. Once a candidate
is identified, each of its fields is taken from the hearing that holds it best (the heard words
aligned with the candidate's title, author, narrator, series), and the rule records which window
said it. Names a small model mishears are soft evidence: a narrator or series is written as evidence
only when it sounds like the identified candidate's (or, before anything is identified, like some
candidate's) — a misheard name then costs nothing rather than scoring as another person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from tasks.listen.credits import Credits
from tasks.listen.phrases import phrase_containment, tokens
from tasks.listen.verdict import Expected
from tasks.normalise import split_title

if TYPE_CHECKING:  # item.py imports this module
    from tasks.listen.item import ListenResult, WindowResult

_SAME_FIELD = 60.0  # rapidfuzz ratio of heard span to candidate field: the span is that field, garbled
_SAME_NAME = 0.85  # phonetic containment: a name heard as the candidate's name
_SAME_SERIES = 0.75
# A narrator spelt further from the catalogue than this scores as another person: better unsaid.
_NARRATOR_SPELLING = 85.0


def aligned(expected: str, text: str) -> tuple[float, str]:
    """The heard words that best spell `expected` (a span of its length ±1) and their ratio (0..100)."""
    words = text.split()
    target = " ".join(tokens(expected))
    n = len(expected.split())
    best = (0.0, "")
    if not target or not words:
        return best
    for size in {max(1, n - 1), n, n + 1}:
        for i in range(0, max(0, len(words) - size) + 1):
            span = " ".join(words[i : i + size]).strip(" ,.;:!?'\"-")
            score = fuzz.ratio(target, " ".join(tokens(span)))
            if score > best[0]:
                best = (score, span)
    return best


def _where(window: WindowResult) -> str:
    return f"@{window.window_kind}:{window.window_start:g}{'+hinted' if window.hinted else ''}"


def _best(expected: str, windows: list[WindowResult]) -> tuple[float, str, WindowResult | None]:
    best: tuple[float, str, WindowResult | None] = (0.0, "", None)
    for w in windows:
        score, span = aligned(expected, w.text)
        if score > best[0]:
            best = (score, span, w)
    return best


def best_hearing(result: ListenResult, candidate: Expected) -> None:
    """Set the item's spoken evidence from the hearings that hold the identified candidate best."""
    credits: Credits = result.credits
    windows = [w for w in result.windows if w.text]
    score, span, w = _best(candidate.title, windows)
    # "Naruto, Vol. 05" heard as "Naruto, well, 0.5 … book 5 of the Naruto": the volume's name is
    # heard better without its number, which the position evidence carries — but only when that very
    # number was heard as a position; otherwise the bare name would read as the series' other books.
    bare = split_title(candidate.title)
    if (
        bare.position is not None
        and bare.title
        and bare.title != candidate.title
        and credits.position == bare.position
    ):
        bare_score, bare_span, bare_w = _best(bare.title, windows)
        if bare_w is not None and bare_score > score:
            score, span, w = bare_score, bare_span, bare_w
    if w is not None and score >= _SAME_FIELD:
        credits.title = span
        credits.rules["title"] = "transcript.heard_title" + _where(w)
    authors = []
    for name in candidate.authors:
        score, span, w = _best(name, windows)
        if w is not None and score >= _SAME_FIELD and phrase_containment(name, span, phonetic=True) >= 0.5:
            authors.append(span)
            credits.rules["authors"] = "transcript.heard_author" + _where(w)
    if authors:
        credits.authors = authors
    narrators = []
    for name in candidate.narrators:
        score, span, w = _best(name, windows)
        if (
            w is not None
            and score >= _NARRATOR_SPELLING
            and phrase_containment(name, span, phonetic=True) >= _SAME_NAME
        ):
            narrators.append(span)
            credits.rules["narrators"] = "transcript.heard_narrator" + _where(w)
    credits.narrators = narrators
    if candidate.series:
        score, span, w = _best(candidate.series, windows)
        if w is not None and phrase_containment(candidate.series, span) >= _SAME_SERIES:
            credits.series = span
            credits.rules["series"] = "transcript.heard_series" + _where(w)
            if credits.position != candidate.position:
                credits.position = None
        else:
            credits.series, credits.position = None, None
    else:
        credits.series, credits.position = None, None


def evidence_rows(result: ListenResult) -> list[tuple[str, str, int, str]]:
    """The item's `transcript` evidence rows. Identified: the best hearing's fields (`best_hearing`).
    Not identified: the title and author as heard (they seed the search and the scorer), a narrator or
    series only when it sounds like some candidate's."""
    credits: Credits = result.credits
    rows = credits.evidence()
    if result.verdict == "identified":
        return rows
    candidates: list[Expected] = result.expected
    narrators = {
        n
        for n in credits.narrators
        if any(
            phrase_containment(e, n, phonetic=True) >= _SAME_NAME
            and fuzz.ratio(" ".join(tokens(e)), " ".join(tokens(n))) >= _NARRATOR_SPELLING
            for c in candidates
            for e in c.narrators
        )
    }
    series_ok = bool(
        credits.series
        and any(c.series and phrase_containment(c.series, credits.series) >= _SAME_SERIES for c in candidates)
    )
    return [
        r
        for r in rows
        if (r[0] != "narrator" or r[1] in narrators) and (r[0] not in ("series", "sequence") or series_ok)
    ]
