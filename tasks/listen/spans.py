"""Credits without a template: the transcript as evidence, cut into candidate spans to look up.

The cue reader (`tasks.listen.cues`) reads credits from the phrases publishers usually say around them.
An opening worded some other way ("Welcome. Dune. Frank Herbert. Enjoy.") holds no cue, yet its
title and author are there. So the transcript is also cut into
clause-sized chunks (the model's punctuation marks its pauses) with the words every audiobook says
around its credits (publishers, "presents", "unabridged", "chapter one", "read by", "welcome to", …)
acting as separators, and the chunks short enough to be a title or a name become spans to look up:

- name-like spans (two or three capitalised words, the model capitalises names) for the run's bulk
  author lookup;
- the other content chunks, and their numerals in words and in digits, for the bulk exact title
  lookup and, first ranked first, for the item's title search.

Spans only propose books. A found book is accepted by the same containment of its title and an
author in the whole transcript as any other candidate, so prose, music and noise propose at worst
books that are then not identified.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tasks.listen.credits import Credits
from tasks.listen.cues import PUBLISHERS, name_like
from tasks.normalise import CARDINAL_WORDS

_NUMBER_WORDS = "|".join(CARDINAL_WORDS[1:]) + r"|\d+|i|ii|iii|first|won"
# Said around credits by every kind of opening or closing; never a title or a name by itself.
_BOILERPLATE = [
    *(re.escape(p) for p in PUBLISHERS),
    r"(?:[\w\-]+\s+)?(?:audio|audiobooks?|publishing|media|studios?|productions?|records|press)\s+presents?",
    r"presents?|presented\s+by|presenting",
    r"this\s+is(?:\s+an?)?",
    r"welcome(?:\s+(?:back\s+)?to)?|hello(?:\s+and\s+welcome)?|enjoy(?:\s+the\s+(?:book|story|show|listen))?",
    r"thank\s+you(?:\s+(?:so\s+much\s+)?for\s+listening(?:\s+to)?)?|happy\s+listening",
    r"this\s+concludes|this\s+has\s+been|here\s+ends|(?:this\s+is\s+)?the\s+end\s+of",
    r"(?:you(?:'re|\s+are)\s+)?(?:now\s+)?(?:about\s+to\s+hear|listening\s+to|listen(?:ing)?\s+to)",
    r"(?:un)?abridged(?:\s+(?:edition|recording|version|audiobook))?|complete\s+and\s+unabridged",
    r"(?:chapter|part|section|track|disc|disk|side)\s+(?:" + _NUMBER_WORDS + r")\b",
    r"prologue|epilogue|preface|foreword|introduction|afterword|contents|table\s+of\s+contents",
    r"opening\s+credits|closing\s+credits|end\s+credits|the\s+end|end\s+of\s+(?:the\s+)?(?:book|recording)",
    r"copyright(?:\s+(?:\d{4}|©))?|all\s+rights\s+reserved",
    r"(?:an?\s+)?(?:[\w\-]+\s+){0,2}(?:production|recording|presentation|audiobook|audio\s*book)(?:\s+of)?",
    r"(?:original\s+)?(?:audio|audio\s+edition|audiobook\s+edition|sound\s+recording)",
    r"(?:(?:produced|recorded|directed|edited|engineered|mastered|published|translated|adapted)"
    r"|(?:narrated|read|performed|voiced|written|authored))(?:\s+(?:for\s+you|aloud))?\s+by",
    r"narration|narrator|narrated|author|written|starring|featuring|with|by|volume|vol\.?",
    r"a\s+novel|a\s+memoir|a\s+story|the\s+story\s+of|a\s+thriller|a\s+mystery|a\s+romance",
    r"(?:new\s+york\s+times\s+)?(?:best[\s-]?selling|award[\s-]winning)(?:\s+author)?",
]
_BOILER_RE = re.compile(r"(?<![\w'])(?:" + "|".join(_BOILERPLATE) + r")(?![\w'])", re.I)
# A pause the model marks: sentence and clause punctuation, a dash; not the full stop of an initial.
_CLAUSE_RE = re.compile(r"\s*(?:[,;:!?\"]|(?<!\b[A-Z])\.(?=\s|$)|\s[-–—]\s)\s*")
# What the model writes for sounds that are not speech: "[Music]", "(upbeat music)", "*sighs*", "♪".
_NON_SPEECH_RE = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|[♪♫]+")
_SENTENCE_RE = re.compile(r"(?<!\b[A-Z]\.)(?<=[.!?])\s+")
_WORD_RE = re.compile(r"[\w'\-.&]+")
_FUNCTION = frozenset(
    ["a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "with", "from", "as", "is"]
    + ["it", "its", "this", "that", "be", "by", "my", "your", "our", "his", "her", "their", "i", "you"]
    + ["he", "she", "we", "they", "was", "were", "are", "has", "had", "have", "so", "then", "there"]
    + ["here", "what", "when", "now"]
)
# Words of story prose (pronouns, auxiliaries) that a title or a credit rarely holds.
_PROSE_WORDS = frozenset(
    ["he", "she", "they", "them", "him", "his", "her", "their", "was", "were", "had", "been", "would"]
    + ["could", "when", "while", "until", "then", "there", "nobody", "every", "nearly", "before"]
)
# A credits sentence is short; a sentence of story prose is usually longer than this.
_MAX_SENTENCE_WORDS = 16
_MAX_TITLE_WORDS = 8
MAX_TITLES, MAX_NAMES = 6, 6


def _chunks(text: str) -> list[tuple[int, int, list[str]]]:
    """(sentence index, sentence length, words) of every clause between pauses and boilerplate."""
    out = []
    text = " ".join(_NON_SPEECH_RE.sub(" ", text or "").split())
    for s, sentence in enumerate(_SENTENCE_RE.split(text)):
        length = len(sentence.split())
        for clause in _CLAUSE_RE.split(sentence):
            for piece in _BOILER_RE.split(clause):
                words = [_bare(w) for w in _WORD_RE.findall(piece)]
                words = [w for w in words if w]
                while words and words[0].lower() in _FUNCTION - {"the", "a", "an"}:
                    words = words[1:]  # "… to Dune": a title or a name never starts with "to"
                while words and words[-1].lower() in _FUNCTION:
                    words = words[:-1]
                if any(w.lower() not in _FUNCTION for w in words):
                    out.append((s, length, words))
    return out


def _bare(word: str) -> str:
    """A word without edge punctuation; an initial keeps its full stop ("K." of "Jerome K. Jerome")."""
    word = word.strip("'-&")
    return word if re.fullmatch(r"[A-Z]\.", word) else word.strip(".")


def _prose(words: list[str], sentence_words: int) -> float:
    """How much a chunk reads like story prose rather than a credit (0 to 2): lower-case content
    words (the model capitalises titles and names more often than not), a long sentence around it,
    pronouns and auxiliaries."""
    content = [w for w in words[1:] if w.lower() not in _FUNCTION] or words
    lower = sum(1 for w in content if w[:1].islower()) / len(content)
    long = 0.5 if sentence_words > _MAX_SENTENCE_WORDS else 0.0
    return lower + long + (0.5 if any(w.lower() in _PROSE_WORDS for w in words) else 0.0)


def numeral_forms(span: str) -> list[str]:
    """The span with its small numbers in digits and in words ("Three Men" <-> "3 Men")."""
    words = span.split()
    as_digits = [
        str(CARDINAL_WORDS.index(w.lower())) if w.lower() in CARDINAL_WORDS[1:] else w for w in words
    ]
    as_words = [
        CARDINAL_WORDS[int(w)].capitalize() if w.isdigit() and 0 < int(w) < len(CARDINAL_WORDS) else w
        for w in words
    ]
    return list(dict.fromkeys([span, " ".join(as_digits), " ".join(as_words)]))


def _titled(words: list[str]) -> bool:
    """Could these words be a whole title: capitalised, not ending in a function word."""
    return (
        words[0][:1].isupper()
        and words[-1].lower() not in _FUNCTION
        and any(w.lower() not in _FUNCTION for w in words)
    )


def _name_runs(words: list[str]) -> list[str]:
    """Runs of two or three capitalised words (initials and particles allowed) inside a chunk; of a
    longer run, its first and last two and three words ("Ravenbite Stephen Coward": "Stephen Coward")."""
    runs: list[str] = []
    run: list[str] = []
    for i, w in enumerate([*words, ""]):
        w = re.sub(r"'s$", "", w)  # "Marie Condor's <Title>"
        # one capitalised word, an initial or a particle; "The Glass Orchard", "Three Men": a title
        if w and name_like(f"{w} X") and (run or _names_may_start(words, i)):
            run.append(w)
            continue
        parts = [run] if len(run) <= 3 else [run[:2], run[:3], run[-3:], run[-2:]]
        runs += [" ".join(p) for p in parts if len(p) >= 2 and name_like(" ".join(p))]
        run = []
    return runs


def _names_may_start(words: list[str], i: int) -> bool:
    """A name does not start with a number word, nor right after an article."""
    return words[i].lower() not in CARDINAL_WORDS and (
        i == 0 or words[i - 1].lower() not in ("the", "a", "an")
    )


def generic_spans(text: str) -> tuple[list[str], list[str]]:
    """(title spans, name spans) proposed by a transcript without reading any cue, best first."""
    titles: list[tuple[float, int, str]] = []
    names: list[tuple[float, int, str]] = []
    for order, (_s, sentence_words, words) in enumerate(_chunks(text)):
        prose = _prose(words, sentence_words)
        span = " ".join(words)
        if 2 <= len(words) <= 3 and name_like(span):
            names.append((prose, order, span))
            titles.append((prose + 1.0, order, span))  # two capitalised words may be a title as well
            continue
        names += [(prose + 0.5, order, run) for run in _name_runs(words)]
        if len(words) > _MAX_TITLE_WORDS or prose > 1.5:
            continue  # too long for a title, or story prose
        titles.append((prose, order, span))
        # A name said with its title in one breath ("Frank Herbert, Dune" unpaused): a name at either end.
        for n in (3, 2):
            for part, rest in ((words[:n], words[n:]), (words[-n:], words[:-n])):
                if len(rest) and name_like(" ".join(part)) and _titled(rest):
                    titles.append((prose + 0.5, order, " ".join(rest)))
    return _best(titles, MAX_TITLES, numerals=True), _best(names, MAX_NAMES)


def _best(ranked: list[tuple[float, int, str]], limit: int, numerals: bool = False) -> list[str]:
    spans: list[str] = []
    for _rank, _order, span in sorted(ranked):
        if span.lower() not in {o.lower() for o in spans} and len(spans) < limit:
            spans.append(span)
    return list(dict.fromkeys(f for s in spans for f in (numeral_forms(s) if numerals else [s])))


def with_generic_spans(credits: Credits, transcript: str) -> Credits:
    """`credits` for looking up, with the transcript's generic spans after the cue reading's own (those
    stay first: they are searched first). A cue reading can be wrong as well as missing ("Narration
    by <Narrator>" read as the author); the generic spans ride in the same bulk lookups, so they cost an
    item nothing more than the lookups it makes anyway."""
    titles, names = generic_spans(transcript)
    return replace(
        credits,
        title_spans=list(dict.fromkeys(credits.title_spans + titles)),
        name_spans=list(dict.fromkeys(credits.name_spans + names)),
    )
