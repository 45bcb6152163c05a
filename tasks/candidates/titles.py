"""Names and titles in the spellings a catalogue files them under, and how close an item's title is to a book's."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from tasks.candidates.items import ItemQuery
from tasks.evidence import clean_release_name, is_container_folder
from tasks.normalise import (
    is_placeholder_title,
    name_key,
    normalise_name,
    normalise_title,
    split_names,
    split_title,
    title_variants,
)

STRONG_TITLE = 90.0  # an author-book match this close needs no search
LONG_SEARCH_WORDS = 6  # a title this long that finds nothing is searched again by its first words


def name_variants(raw: str) -> list[str]:
    """Exact spellings worth asking for (Hasura `_in` is case- and punctuation-exact):
    "Tolkien, J. R. R." -> "J. R. R. Tolkien", "J.R.R. Tolkien", "JRR Tolkien"."""
    out: list[str] = []
    for name in split_names(raw) or [raw]:
        name = re.sub(r"\s+", " ", name).strip()
        if not name:
            continue
        if name == name.lower() or name == name.upper():
            name = " ".join(w[:1].upper() + w[1:].lower() for w in name.split())
        # 'J K Rowling', 'Steven D Levitt' (a folder name's dots gone with its separators) are filed as
        # 'J.K. Rowling', 'Steven D. Levitt'; a lone leading capital is an article ('A Bad Name').
        words = name.split()
        bare = [i for i, w in enumerate(words[:-1]) if len(w) == 1 and w.isupper()]
        if len(bare) >= 2 or (bare and bare[0] > 0):
            out.append(name)
            name = " ".join(f"{w}." if i in bare else w for i, w in enumerate(words))
        tight = re.sub(r"\b([A-Z])\.\s+(?=[A-Z]\.)", r"\1.", name)  # J. R. R. -> J.R.R.
        spaced = re.sub(r"\b([A-Z])\.(?=[A-Z])", r"\1. ", tight)  # J.R.R. -> J. R. R.
        out += [name, tight, spaced]
        if re.fullmatch(r"([A-Z]\.)+ .+", tight):
            out.append(re.sub(r"\.", "", tight.split(" ", 1)[0]) + " " + tight.split(" ", 1)[1])
    return list(dict.fromkeys(out))


def title_similarity(item_keys: list[str], book_title: str, book_subtitle: str | None = None) -> float:
    book_keys = set(title_variants(book_title))
    if book_subtitle:
        book_keys |= set(title_variants(f"{book_title}: {book_subtitle}"))
    best = 0.0
    for a in item_keys:
        for b in book_keys:
            best = max(
                best, fuzz.ratio(a, b), 0.95 * fuzz.token_set_ratio(a, b) if min(len(a), len(b)) > 3 else 0.0
            )
    return best


# Folder names ripped or dumped without care: "51515", "rip_67414", "book79832", "Part 1", "Track 03".
def search_title(item: ItemQuery) -> str | None:
    """The title to search for: the most trusted real title, without series brackets, edition notes,
    release tags or the author's name before or after it, in words ("John_Grisham_A_Time_to_Kill" ->
    "A Time to Kill" when the evidence names John Grisham; "The.Elves.Of.Cintra.by.Terry.Brooks.
    AUDIOBOOK.MP3-RAiN" -> "The Elves Of Cintra" when it names Terry Brooks)."""
    return next(iter(usable_titles(item)), None)


def usable_titles(item: ItemQuery) -> list[str]:
    """Every real title the evidence offers, cleaned as `search_title` cleans the first, most trusted
    source first, one per comparison key: the titles a lookup may ask for."""
    authors = item.author_keys
    out: dict[str, str] = {}
    for raw in item.titles:
        parts = split_title(clean_release_name(raw))
        title = parts.title.strip()
        if parts.subtitle and name_key(title) in authors:
            title = parts.subtitle.strip()  # an "Author - Title" folder name copied into the title
        else:
            title = _without_author_suffix(_without_author_prefix(title, item.authors), item.authors)
        if title and not is_placeholder_title(title) and not is_container_folder(title, title_slot=True):
            out.setdefault(normalise_title(title) or title.lower(), title)
    return list(out.values())


def shorter_search(title: str) -> str | None:
    """The second search for a long title that found nothing: its first three words, without a
    trailing small word. Hardcover's search needs every word of a query in one book (it drops words
    only down to half the query), and its titles hold no subtitles, so a title run together with its
    subtitle, edition notes or a misspelt word finds nothing whole ("The Harbinger The Ancient Mystery
    That Holsd The Secret Of Americas Future" -> "The Harbinger")."""
    words = title.split()
    if len(words) < LONG_SEARCH_WORDS:
        return None
    head = words[:3]
    while head and head[-1].lower() in _SMALL_WORDS:
        head.pop()
    return " ".join(head) or None


def _without_author_prefix(title: str, authors: list[str]) -> str:
    """'John Grisham A Time to Kill' -> 'A Time to Kill' when John Grisham is one of `authors`; the
    longest such name wins ('Mary Higgins Clark' over a 'Mary Higgins' hypothesis)."""
    words = title.split()
    if len(words) < 2:
        return title
    targets = {normalise_name(n) for a in authors for n in split_names(a)} - {""}
    for k in range(min(len(words), 7) - 1, 0, -1):
        if normalise_name(" ".join(words[:k])) in targets:
            rest = " ".join(words[k:]).lstrip(" -\u2013\u2014:,")
            if rest:
                return rest
    return title


_BY_AUTHOR = re.compile(r"^(?P<title>.+)\s+by\s+(?P<name>[^-]+)$", re.I)


def _without_author_suffix(title: str, authors: list[str]) -> str:
    """'The Elves Of Cintra by Terry Brooks' -> 'The Elves Of Cintra' when Terry Brooks is one of
    `authors` ('Stand by Me' keeps its 'by')."""
    m = _BY_AUTHOR.match(title)
    if not m:
        return title
    targets = {normalise_name(n) for a in authors for n in split_names(a)} - {""}
    names = split_names(m.group("name"))
    if names and all(normalise_name(n) in targets for n in names):
        return m.group("title").strip()
    return title


def strong_title(item_keys: list[str], book_title: str, book_subtitle: str | None = None) -> bool:
    """Close enough to skip the search — but not when the item's title is only part of the book's
    ("Lost" in "The Lost City of Faar", "Dune" in "Dune Messiah"): that is the subset trap, and
    the book actually called "Lost" may be by someone else."""
    book_keys = set(title_variants(book_title))
    if book_subtitle:
        book_keys |= set(title_variants(f"{book_title}: {book_subtitle}"))
    for a in item_keys:
        for b in book_keys:
            if fuzz.ratio(a, b) >= STRONG_TITLE:
                return True
            if (
                min(len(a), len(b)) > 3
                and 0.95 * fuzz.token_set_ratio(a, b) >= STRONG_TITLE
                and not set(a.split()) < set(b.split())
            ):
                return True
    return False


_SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "nor", "of", "on", "or", "the"]
    + ["to", "with"]
)


def title_forms(title: str) -> list[str]:
    """The spellings a catalogue may hold an item's title in, exactly: as the evidence gives it, and in
    title case ("the elves of cintra" -> "The Elves of Cintra"; words already in mixed or upper case
    keep their case)."""
    words = title.split()
    if not words:
        return []
    cased = [
        w
        if not w.islower()
        else (w if 0 < i < len(words) - 1 and w in _SMALL_WORDS else w[:1].upper() + w[1:])
        for i, w in enumerate(words)
    ]
    return list(dict.fromkeys([" ".join(words), " ".join(cased)]))
