"""How much of an expected phrase a transcript holds: tokens with number words as digits, per-token
Levenshtein similarity (zeroed below 0.6), phonetic keys for names (ASR writes "Mass" for Maas,
"Yagashi" for Yaegashi), stop-words never counting.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jellyfish
from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from tasks.normalise import CARDINAL_WORDS, ORDINAL_WORDS

_NUMBERS = {w: str(i) for i, w in enumerate(CARDINAL_WORDS)}
_ORDINALS = {w: str(i + 1) for i, w in enumerate(ORDINAL_WORDS[:10])}
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "as",
        "is",
        "it",
        "its",
        "this",
        "that",
        "be",
        "book",
        "books",
        "series",
        "part",
        "volume",
        "vol",
        "novel",
        "audiobook",
        "unabridged",
        "edition",
    ]
)
# What small ASR models write for a spoken series position ("book won", "work to", "book for"; "book,
# when written by" — "when" only where the title ends, right before the author credit).
POSITION_HOMOPHONES = {"won": "1", "when": "1", "to": "2", "too": "2", "for": "4", "fore": "4", "ate": "8"}
BOOK_WORD_RE = re.compile(
    r"\b(?:book|work|look|woke)[,.]?\s+(?P<n>\d+|won|when(?=[,.]?\s*$|[,.]?\s+(?:written|by)\b)|to|too|for|fore|ate|"
    + "|".join(_NUMBERS)
    + "|"
    + "|".join(_ORDINALS)
    + r")\b",
    re.I,
)
_POSSESSIVE_RE = re.compile(r"(?<=[a-z])'s\b")
_MIN_TOKEN_SIM = 0.6
_PHONETIC_SIM = 0.85


def number_value(word: str) -> str | None:
    """'two' / 'second' / '2' -> '2'; anything else -> None."""
    w = word.lower().strip(".,")
    if w.isdigit():
        return str(int(w))
    return _NUMBERS.get(w) or _ORDINALS.get(w)


@lru_cache(maxsize=65536)
def tokens(text: str) -> tuple[str, ...]:
    """Lower-case ASCII word tokens, number words as digits ("book two" -> book 2, "Vol. 05" -> vol 5),
    possessives as their names ("Maas's" -> maas)."""
    # A possessive is the name it is said of ("Marie Condor's" names Marie Condor).
    plain = _POSSESSIVE_RE.sub("", anyascii(text or "").lower())
    words = re.findall(r"[a-z0-9]+", plain.replace("'", ""))
    return tuple(str(int(w)) if w.isdigit() else _NUMBERS.get(w, w) for w in words)


@lru_cache(maxsize=65536)
def _phonetic(token: str) -> tuple[str, str]:
    return jellyfish.metaphone(token), jellyfish.nysiis(token)


def token_similarity(expected: str, heard: str, phonetic: bool) -> float:
    if expected == heard:
        return 1.0
    sim = Levenshtein.normalized_similarity(expected, heard)
    if phonetic and len(expected) > 2 and len(heard) > 2:
        pe, ph = _phonetic(expected), _phonetic(heard)
        if (pe[0] and pe[0] == ph[0]) or (pe[1] and pe[1] == ph[1]):
            sim = max(sim, _PHONETIC_SIM)
    return sim if sim >= _MIN_TOKEN_SIM else 0.0


def phrase_containment(expected: str, transcript: str | tuple[str, ...], phonetic: bool = False) -> float:
    """Best mean similarity of `expected`'s content tokens against any window of the transcript (0..1).

    The window is the expected phrase's length; each expected token may align one position early or
    late (ASR drops or splits words). Stop-words and single letters (initials) do not count unless
    the phrase has nothing else.
    """
    exp = tokens(expected)
    heard = tokens(transcript) if isinstance(transcript, str) else transcript
    if not exp or not heard:
        return 0.0
    content = [j for j, t in enumerate(exp) if t not in STOP_WORDS and (len(t) > 1 or t.isdigit())] or list(
        range(len(exp))
    )
    n = len(heard)
    # ASR splits unusual words ("Washpot" -> "wash hot"): a pair of heard tokens may stand for one.
    joined = [heard[p] + heard[p + 1] for p in range(n - 1)]
    best = 0.0
    for start in range(-1, n - 1):
        total = 0.0
        for j in content:
            pos = start + j
            near = [heard[p] for p in (pos - 1, pos, pos + 1) if 0 <= p < n]
            near += [joined[p] for p in (pos - 1, pos) if 0 <= p < n - 1]
            total += max((token_similarity(exp[j], h, phonetic) for h in near), default=0.0)
        best = max(best, total / len(content))
        if best == 1.0:
            break
    return best
