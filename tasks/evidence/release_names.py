"""Titles written like release names ('The.Stand.Unabridged.MP3-GROUP'), from ABS metadata or tags, read with the schemes."""

from __future__ import annotations

from collections.abc import Iterable

from tasks.evidence.rows import MAX_SCHEME_LEN, Evidence, add_row, fold_key
from tasks.evidence.schemes import read_schemes, strip_noise, strip_read_by
from tasks.evidence.tracks import CHAPTERISH, TRACK_ONLY, TRAILING_TRACK
from tasks.normalise import respace, uses_separators


def clean_release_name(value: str) -> str:
    """A name without its separators, release notes, cut-off bracket and 'Read by' note:
    'frances-mayes-bella-tuscany-abr-abook' -> 'frances mayes bella tuscany',
    'Natsuo Kirino - Out (Unabridged) [MP3 19' -> 'Natsuo Kirino - Out'. Who wrote it stays."""
    if not isinstance(value, str) or len(value) > MAX_SCHEME_LEN:
        return value
    text, _ = strip_noise(strip_read_by(respace(value))[0])
    return text or value


def title_readings(
    value: str | None, source: str, known_authors: Iterable[str] = (), track: bool = False
) -> list[Evidence]:
    """The schemes' readings of a title another source carries (a tag album, an ABS title), as rows
    of that `source` with `scheme.*` rules, so each source's own best reading can agree with the book.

    Rippers copy the release name into the album tag and ABS copies it into the title when nothing
    better exists ('frances-mayes-bella-tuscany-abr-abook', 'Max_Frisch_Homo_Faber'), so a title
    written like a release name (separators, release tags, bracketed notes, a cut-off bracket, a
    'Read by' note) is read the way a folder is. Any other title is read only when that reading takes
    out an author `known_authors` names ('Natsuo Kirino - Out' tagged by Natsuo Kirino): 'Star Wars
    - Thrawn' as an ABS title is a title, not an author and a title. `track=True` is a track's own
    title (a tag title standing in for the album): a trailing track number goes first.
    """
    rows: list[Evidence] = []
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SCHEME_LEN:
        return rows
    text = value.strip()
    separated = uses_separators(text)
    spaced = respace(text)
    base = text
    if track:
        if TRACK_ONLY.match(spaced) or CHAPTERISH.match(spaced):
            return rows  # 'Part 1', 'Chapter 3': the track's name, not the book's
        cut = TRAILING_TRACK.sub("", spaced, count=1).strip()
        if cut and cut != spaced and not CHAPTERISH.match(cut):
            base = spaced = cut
    plain, narrators = strip_read_by(spaced)
    release = separated or spaced != text or bool(narrators) or bool(strip_noise(plain)[1])
    known = frozenset(fold_key(n) for n in known_authors)
    if not release and not known:
        return rows  # a plain title and nobody to take out of it
    read_schemes(
        rows, base, has_author_folder=False, abs_title=text, source=source, known=known, separated=separated
    )
    if base != text and not any(e.field == "title" for e in rows):
        add_row(rows, source, "title", base, "scheme.clean_title")
    if release or any(e.field == "author" and fold_key(e.value) in known for e in rows):
        return rows
    return []
