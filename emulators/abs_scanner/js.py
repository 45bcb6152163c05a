"""JavaScript's semantics where the ported ABS code depends on them: `indexOf` and `String.trim`."""

from __future__ import annotations


def js_index(seq: list, value) -> int:
    try:
        return seq.index(value)
    except ValueError:
        return -1


def js_trim(s: str) -> str:
    return s.strip(" \t\n\r\v\f\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                   "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff")  # fmt: skip
