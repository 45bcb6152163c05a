"""Disc markers: how CD rippers, music managers and people number the discs of a set in album and
folder names. A marker says which disc of a set a name belongs to; it is never part of the book's title.

- freedb's per-disc entries, as Exact Audio Copy names a rip: "Title (Disc 3)", "Title - CD3",
  "Title, Disc 3", "Title [3/12]";
- Windows Media Player's and iTunes' album names from their disc databases: "Title Disc 3",
  "Title (Disc 3)";
- a set kept as its box labels it: "Disc 3 of 12", "CD 03", and "CD 3 - Title" folders;
- Lidarr's multi-disc folders (`{Medium Format} {medium:00}`): "CD 01".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from tasks.normalise.vocabulary import DISC_WORDS, alternation

# The longest audio a Red Book CD holds (79.8 minutes): an item longer than this is more than one disc.
CD_SECONDS = 80 * 60

_WORD = rf"(?:{alternation(DISC_WORDS)})\.?"
_NUMBER = r"0*(?P<disc>\d{1,3})(?:\s*(?:of|/)\s*0*(?P<total>\d{1,3}))?"
# At the end: "(Disc 3 of 12)", "[CD 3]", "- CD3", ", Disc 3", " Disc 3" (a bracket opened is closed).
_TRAILING = re.compile(
    rf"(?P<open>\s*[\(\[]\s*|\s*[-–:,;]\s*|\s+|^){_WORD}\s*{_NUMBER}\s*(?P<close>[\)\]])?\s*$", re.I
)
# freedb's "Title [3/12]".
_FRACTION = re.compile(r"\s*[\(\[]\s*0*(?P<disc>\d{1,3})\s*/\s*0*(?P<total>\d{1,3})\s*[\)\]]\s*$")
# At the start: "CD 3 - Title", "Disc 03: Title", "CD3_Title".
_LEADING = re.compile(rf"^\s*{_WORD}\s*{_NUMBER}\s*(?:[-–:._]\s*|\s+(?=\D))", re.I)


class Disc(NamedTuple):
    """What a name says once its disc marker is out: the rest of the name, the disc's number and the
    set's size (None when the marker does not give it)."""

    rest: str
    disc: int
    total: int | None


@lru_cache(maxsize=100_000)
def split_disc(text: str | None) -> Disc | None:
    """The disc marker at the end or the start of `text`, or None without one.

    "The Luxe (Disc 6)" -> Disc("The Luxe", 6, None); "Disc 6 of 7" -> Disc("", 6, 7);
    "CD 3 - The Enemy" -> Disc("The Enemy", 3, None); "Mile High [12/15]" -> Disc("Mile High", 12, 15).
    A bracketed "n/m" counts only as a set's disc (n <= m, m > 1): "[2/1]" is something else.
    """
    if not text or not any(ch.isdigit() for ch in text):
        return None
    m = _TRAILING.search(text)
    if m and ("(" in m.group("open") or "[" in m.group("open")) == bool(m.group("close")):
        total = int(m.group("total")) if m.group("total") else None
        return Disc(text[: m.start()].strip(" -–:,;"), int(m.group("disc")), total)
    m = _FRACTION.search(text)
    if m:
        disc, total = int(m.group("disc")), int(m.group("total"))
        return Disc(text[: m.start()].strip(" -–:,;"), disc, total) if 0 < disc <= total > 1 else None
    m = _LEADING.match(text)
    if m:
        total = int(m.group("total")) if m.group("total") else None
        return Disc(text[m.end() :].strip(" -–:,;"), int(m.group("disc")), total)
    return None


def disc_value(found: Disc) -> str:
    """A marker as one evidence value: "3" or "3/12"."""
    return f"{found.disc}/{found.total}" if found.total else str(found.disc)


_VALUE = re.compile(r"^\s*0*(\d{1,3})\s*(?:/\s*0*(\d{1,3}))?\s*$")


def of_a_set(value: str | None, named: bool) -> bool:
    """Does a disc value ("3", "3/12"; a tag's "1/1") put its item in a set of several discs?

    A set's size says so itself. Without one, a name that carries a marker (`named`: "Title Disc 1")
    does, since a disc database numbers only the discs of a set, while a disc-number tag of "1" is
    what rippers write for a lone disc as well."""
    m = _VALUE.match(value or "")
    if m is None:
        return False
    if m.group(2):
        return int(m.group(2)) > 1
    return named or int(m.group(1)) > 1
