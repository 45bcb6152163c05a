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
from tasks.listen.verdict import Expected, numbers_heard
from tasks.normalise import split_title

if TYPE_CHECKING:  # item.py imports this module
    from tasks.listen.item import ListenResult, WindowResult

_SAME_FIELD = 60.0  # rapidfuzz ratio of heard span to candidate field: the span is that field, garbled
_SAME_NAME = 0.85  # phonetic containment: a name heard as the candidate's name
_SAME_SERIES = 0.75
_HEARD_TITLE = 0.9  # title containment: every word of the title heard (a letter lost at most)
# Title containment of a title heard garbled but whole: no word in the heard title but the candidate's.
_GARBLED_TITLE = 0.75
# A name heard in part is evidence only when spelt this close (the scorer's `fair` author level).
_AUTHOR_SPELLING = 70.0
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


def _best(
    expected: str, windows: list[WindowResult], phonetic: bool = False
) -> tuple[float, float, str, WindowResult | None]:
    """The window that holds `expected` best: (containment, spelling ratio, aligned span, window),
    ranked by containment (what the verdict measured), then by spelling."""
    best: tuple[float, float, str, WindowResult | None] = (0.0, 0.0, "", None)
    for w in windows:
        ratio, span = aligned(expected, w.text)
        held = phrase_containment(expected, w.text, phonetic=phonetic)
        if (held, ratio) > best[:2]:
            best = (held, ratio, span, w)
    return best


def best_hearing(result: ListenResult, candidate: Expected) -> None:
    """Set the item's spoken evidence from the hearings that hold the identified candidate best.

    A field heard whole — every word of the title, each name sounding like the catalogue's — is
    written as the catalogue spells it: the scorer compares spellings and knows nothing of ASR, so
    "Ginian Frost" would read to it as another person than Jeaniene Frost, who was heard. So is a
    title heard garbled when the heard title holds no word but the candidate's; another title heard
    in part is written as heard; a name heard in part is left unsaid rather than scored as someone
    else (the verdict already checked that no other author was named)."""
    credits: Credits = result.credits
    windows = [w for w in result.windows if w.text]
    held, score, span, w = _best(candidate.title, windows)
    if w is not None and (held >= _HEARD_TITLE or (held >= _GARBLED_TITLE and _precise(result, candidate))):
        credits.title = candidate.title
        credits.rules["title"] = "transcript.heard_title" + _where(w)
    else:
        # "Naruto, Vol. 05" heard as "Naruto, well, … book 5 of the Naruto": the volume's name is
        # heard better without its number, which the position evidence carries — but only when that
        # very number was heard as a position; otherwise the bare name would read as the series'
        # other books.
        bare = split_title(candidate.title)
        if (
            bare.position is not None
            and bare.title
            and bare.title != candidate.title
            and credits.position == bare.position
        ):
            _bare_held, bare_score, bare_span, bare_w = _best(bare.title, windows)
            if bare_w is not None and bare_score > score:
                score, span, w = bare_score, bare_span, bare_w
        if w is not None and score >= _SAME_FIELD:
            credits.title = span
            credits.rules["title"] = "transcript.heard_title" + _where(w)
    credits.authors = _names(credits, "authors", candidate.authors, windows, _AUTHOR_SPELLING)
    credits.narrators = _names(credits, "narrators", candidate.narrators, windows, None)
    if candidate.series:
        held, _score, span, w = _best(candidate.series, windows)
        if w is not None and held >= _SAME_SERIES:
            credits.series = candidate.series
            credits.rules["series"] = "transcript.heard_series" + _where(w)
            if credits.position != candidate.position:
                credits.position = None
        else:
            credits.series, credits.position = None, None
    else:
        credits.series, credits.position = None, None


def _precise(result: ListenResult, candidate: Expected) -> bool:
    """Every word of the heard title is one of the candidate's ("The Pre-Char" for The Preacher)."""
    judgement = result.judgement
    scores = judgement.scores if judgement is not None else []
    return any(s.book_id == candidate.book_id and s.title_precision == 1.0 for s in scores)


def _names(
    credits: Credits, field: str, expected: tuple[str, ...], windows: list[WindowResult], spelt: float | None
) -> list[str]:
    """The candidate's names as heard: the catalogue's spelling of each one heard whole; else (when
    `spelt` is given) a heard span spelt at least that close to it; else nothing."""
    names = []
    for name in expected:
        held, score, span, w = _best(name, windows, phonetic=True)
        if w is None:
            continue
        if held >= _SAME_NAME:
            names.append(name)
        elif spelt is not None and score >= spelt and phrase_containment(name, span, phonetic=True) >= 0.5:
            names.append(span)
        else:
            continue
        credits.rules[field] = f"transcript.heard_{field[:-1]}" + _where(w)
    return names


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
    rows = [
        r
        for r in rows
        if (r[0] != "narrator" or r[1] in narrators) and (r[0] not in ("series", "sequence") or series_ok)
    ]
    return rows + _titles_heard_whole(result, {r[1] for r in rows if r[0] == "title"})


def _titles_heard_whole(result: ListenResult, written: set[str]) -> list[tuple[str, str, int, str]]:
    """Title rows for an item nothing identified: each candidate title heard whole (every word, its
    number included) and not said against, as the words were heard. The cue reading may have cut the
    credits elsewhere or found no cue at all ("An artist of the floating world, copyright …"); the
    scorer then weighs the title with whatever else was heard, and a title alone is not enough for
    `auto`."""
    if result.judgement is None:
        return []
    by_id = {c.book_id: c for c in result.expected}
    windows = [w for w in result.windows if w.text]
    rows: list[tuple[str, str, int, str]] = []
    for s in result.judgement.scores:
        candidate = by_id.get(s.book_id)
        if candidate is None or s.title < _HEARD_TITLE or s.author_conflict or s.position_conflict:
            continue
        held, score, span, w = _best(candidate.title, windows)
        if (
            w is not None
            and held >= _HEARD_TITLE
            and score >= _SAME_FIELD
            and numbers_heard(candidate, tokens(w.text))
            and span not in written
        ):
            rows.append(("title", span, len(written), "transcript.heard_title" + _where(w)))
            written.add(span)
    return rows
