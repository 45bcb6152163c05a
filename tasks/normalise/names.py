"""People: a credit string split into authors and narrators, and each name's comparison key."""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

from tasks.normalise.titles import SPACES_RE, WORD_RE

_NAME_NOISE_RE = re.compile(
    r"\b(?:et\.? al\.?|and others|& others|ph\.?d\.?|m\.?d\.?|dr\.|prof\.|sir)(?=\W|$)", re.I
)
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_NARRATOR_SPLIT_RE = re.compile(
    r"(?:[,;(\[]\s*|\s+-\s+|\s+)\b(?:narrated|read|performed|voiced)\s+by\b\s*:?\s*"
    r"|(?:[,;(\[]\s*|\s+)\b(?:narrator|reader)s?\s*:\s*",
    re.I,
)
_COAUTHOR_SPLIT_RE = re.compile(r"\s*(?:;|&|\band\b|\bwith\b|\+|/|\|)\s*", re.I)


def split_credits(s: str | None) -> tuple[list[str], list[str]]:
    """Authors and narrators from one credits string: "A. Author, narrated by N. Reader" -> (["A. Author"], ["N. Reader"])."""
    if not s:
        return [], []
    text = str(s)
    m = _NARRATOR_SPLIT_RE.search(text)
    if m:
        authors_part, narr_part = text[: m.start()], text[m.end() :]
        narr_part = narr_part.strip(" )]")
        return split_names(authors_part), split_names(narr_part)
    return split_names(text), []


def _is_single_token(part: str) -> bool:
    return len(part.split()) == 1


def _looks_given(part: str) -> bool:
    """A given-name part after a comma: 'J.K.', 'Frank', 'Mary Ann', 'J. R. R.'."""
    tokens = part.replace(".", ". ").split()
    return 0 < len(tokens) <= 3 and all(t[0].isalpha() for t in tokens)


@lru_cache(maxsize=200_000)
def _split_names_cached(text: str) -> tuple[str, ...]:
    text = _NAME_NOISE_RE.sub("", text)
    names: list[str] = []
    for chunk in _COAUTHOR_SPLIT_RE.split(text):
        chunk = chunk.strip(" ,")
        if not chunk:
            continue
        parts = [p.strip() for p in chunk.split(",") if p.strip()]
        # Attach suffixes ("Martin Luther King, Jr.") to the name before them.
        merged: list[str] = []
        for p in parts:
            if merged and p.lower().strip(".") in _SUFFIXES:
                merged[-1] = f"{merged[-1]} {p}"
            else:
                merged.append(p)
        parts = merged
        if len(parts) == 2 and _is_single_token(parts[0]) and _looks_given(parts[1]):
            names.append(f"{parts[1]} {parts[0]}")  # "Rowling, J.K." -> "J.K. Rowling"
        elif (
            len(parts) >= 4
            and len(parts) % 2 == 0
            and all(
                _is_single_token(parts[i]) and _looks_given(parts[i + 1]) for i in range(0, len(parts), 2)
            )
            and all(_is_single_token(parts[i + 1]) for i in range(0, len(parts), 2))
        ):
            names.extend(f"{parts[i + 1]} {parts[i]}" for i in range(0, len(parts), 2))
        else:
            names.extend(parts)
    return tuple(dict.fromkeys(n for n in (SPACES_RE.sub(" ", n).strip() for n in names) if n))


def split_names(s: str | None) -> list[str]:
    """Co-author lists split on ',' ';' '&' 'and'; "Last, First" flipped; "et al." dropped."""
    if not s:
        return []
    return list(_split_names_cached(str(s)))


@lru_cache(maxsize=400_000)
def normalise_name(s: str | None) -> str:
    """Comparison form of one person's name: "Rowling, J.K." == "J. K. Rowling" == "JK Rowling" -> "jk rowling"."""
    if not s:
        return ""
    text = anyascii(str(s)).strip()
    text = _NAME_NOISE_RE.sub("", text).strip(" ,")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) == 2 and parts[1].lower().strip(".") not in _SUFFIXES and _is_single_token(parts[0]):
        text = f"{parts[1]} {parts[0]}"
    else:
        text = " ".join(parts)
    tokens: list[str] = []
    for raw in SPACES_RE.split(text.replace(".", ". ").replace("-", " - ")):
        tok = raw.strip(".'\u2019")
        if not tok or tok == "-":
            continue
        # An all-capitals token of 2-3 letters in a mixed-case name is glued initials: "JK", "JRR".
        if 2 <= len(tok) <= 3 and tok.isalpha() and tok.isupper() and not text.isupper():
            tokens.extend(tok.lower())
        else:
            tokens.extend(WORD_RE.findall(tok.lower().replace("'", "")))
    tokens = [t for t in tokens if t not in _SUFFIXES]
    # Glue runs of single-letter initials: "j k rowling" -> "jk rowling".
    out: list[str] = []
    run = ""
    for t in tokens:
        if len(t) == 1 and t.isalpha():
            run += t
            continue
        if run:
            out.append(run)
            run = ""
        out.append(t)
    if run:
        out.append(run)
    return " ".join(out)


@lru_cache(maxsize=400_000)
def name_key(s: str | None) -> str:
    """Surname + first initial: "Joanne Rowling", "J.K. Rowling", "Rowling, J." -> "rowling j"."""
    norm = normalise_name(s)
    if not norm:
        return ""
    tokens = norm.split()
    if len(tokens) == 1:
        return tokens[0]
    return f"{tokens[-1]} {tokens[0][0]}"
