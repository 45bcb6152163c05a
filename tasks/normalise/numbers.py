"""Numerals as numbers: number words, Roman numerals and series positions ('Book Three', '#2.5', 'IV')."""

from __future__ import annotations

import re

from anyascii import anyascii

# The one table of number words (evidence parsing, spoken credits and the speech emulator use it too).
CARDINAL_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
)  # fmt: skip
ORDINAL_WORDS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth",
)  # fmt: skip
_WORD_NUMBERS = {
    **{w: i for i, w in enumerate(CARDINAL_WORDS)},
    "thirty": 30, "forty": 40, "fifty": 50,
    **{w: i + 1 for i, w in enumerate(ORDINAL_WORDS)},
}  # fmt: skip
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
# Roman numerals up to 89; as a bare token only from two letters on ("I", "X", "V" are words/names).
_ROMAN_RE = re.compile(r"^(?=[ivxl])(l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_WORDS = {"mix", "mid", "dim", "lid", "civil", "vivid", "xl", "li", "di", "mi"}  # never numerals


def roman_to_int(token: str) -> int | None:
    t = token.lower()
    if not t or not _ROMAN_RE.match(t):
        return None
    total, prev = 0, 0
    for ch in reversed(t):
        v = _ROMAN_VALUES[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total or None


def number_token(token: str, allow_single_roman: bool = False) -> int | None:
    t = token.lower()
    if t in _WORD_NUMBERS:
        return _WORD_NUMBERS[t]
    if t in _ROMAN_WORDS:
        return None
    if len(t) >= 2 or allow_single_roman:
        # Roman numerals are made of i, v, x, l only (see _ROMAN_RE): most words are out at once.
        return None if t.strip("ivxl") else roman_to_int(t)
    return None


_POSITION_RE = re.compile(
    r"^\s*(?:(?:book|bk|volume|vol|part|pt|no|number|episode|ep|tome|#)\.?\s*#?\s*)*"
    r"(?P<num>\d+(?:\.\d+)?|[a-z]+)\b(?:\s*(?:of|/)\s*\w+)?\s*$",
    re.I,
)


def parse_position(s: str | float | int | None) -> float | None:
    """A series position from "3", "#3", "1.5", "Book Two", "III", "Vol. 2", "Book 3 of 5"; else None."""
    if s is None:
        return None
    if isinstance(s, int | float):
        return float(s)
    text = anyascii(str(s)).strip()
    if not text:
        return None
    m = _POSITION_RE.match(text)
    if not m:
        return None
    num = m.group("num")
    if num[0].isdigit():
        return float(num)
    value = number_token(num, allow_single_roman=True)
    return float(value) if value is not None else None
