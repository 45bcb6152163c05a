"""Names written for file systems and release groups: '_' or '.' for spaces, look-alike colons, and the
format, bitrate and group tags after the title.
"""

from __future__ import annotations

import re

from tasks.normalise.titles import SPACES_RE
from tasks.normalise.vocabulary import ENCODING_TAGS, RECORDING_YEAR, RIP_TAGS

# Libation and Windows tools write a colon as one of these look-alikes (a colon is illegal in a file name).
_COLON_LOOKALIKES = str.maketrans({"\ua789": ":", "\u2236": ":", "\uff1a": ":"})
# A dot is a word separator unless it sits inside a number ("11.22.63", "1.5"; not "MP3.64kbps"):
# the word before it all digits, a digit after it.
_SEP_DOT_RE = re.compile(r"(?<![0-9A-Za-z])\d+\.(?=\d)|\.")
_DASH_PIECES_RE = re.compile(r"\s+-\s+|[._]+-[._]+")
_GLUED_HYPHEN_RE = re.compile(r"(?<=[^\s\-._])-(?=[^\s\-._])")
# 'frances-mayes-bella-tuscany-abr-abook': hyphens for spaces, a run of two or more for the dash.
_HYPHEN_DASH_RE = re.compile(r"-{2,}")
_HAS_LETTER_RE = re.compile(r"[^\W\d_]")
# What release names put after the title: formats, bitrates, edition notes. `strong` tokens mark a
# tail as release tags; `weak` ones (years, "Web", "Retail") only count next to a strong one, so
# "Charlotte's Web" and "Blade Runner 2049" keep their last word.
_STRONG_RELEASE = RIP_TAGS
_WEAK_RELEASE = rf"{RECORDING_YEAR}|retail|web|webrip|proper|repack|internal|audible|{ENCODING_TAGS}"
_RELEASE_TOKEN = rf"(?:{_STRONG_RELEASE}|{_WEAK_RELEASE})"
_RELEASE_TAIL_RE = re.compile(rf"(?:[\s._\-]+{_RELEASE_TOKEN}(?![a-z0-9]))+(?:-[A-Za-z0-9]+)?\s*$", re.I)
_RELEASE_TOKEN_RE = re.compile(rf"(?<![a-z0-9]){_RELEASE_TOKEN}(?![a-z0-9])", re.I)
_STRONG_RELEASE_RE = re.compile(rf"^(?:{_STRONG_RELEASE})$", re.I)
_RELEASE_WINDOW = 160
# The group after the tags, then perhaps a file's track number ('…MP3-RAiN_03'), which stays.
_SCENE_GROUP_RE = re.compile(
    rf"(?<![a-z0-9]){_RELEASE_TOKEN}-(?P<group>[A-Za-z0-9]+?)(?P<track>[._]\d{{1,4}})?$", re.I
)


def uses_separators(text: str) -> bool:
    """True for names written with '_' or '.' between words ('John_Grisham_A_Time_to_Kill',
    'Brandon.Sanderson - The.Final.Empire'): separators outnumber the spaces inside the dash pieces.
    Also true for names with hyphens between words and no space at all ('max-frisch-homo-faber',
    see `_hyphen_separated`)."""
    seps = text.count("_") + sum(m.group(0) == "." for m in _SEP_DOT_RE.finditer(text))
    if not seps:
        return _hyphen_separated(text)
    inner_spaces = sum(p.count(" ") for p in _DASH_PIECES_RE.split(text))
    return seps > 2 * inner_spaces


def _hyphen_separated(text: str) -> bool:
    """'max-frisch-homo-faber', 'kiera-cass-the-one-abr-mp3profi': no space, two hyphens or more, and
    at least two of the pieces are words. One hyphen is a compound ('Spider-Man', 'Catch-22') and
    '11-22-63' is a number."""
    if text.count("-") < 2 or any(c.isspace() for c in text):
        return False
    return sum(1 for p in text.split("-") if _HAS_LETTER_RE.search(p)) >= 2


def _respace_hyphens(text: str) -> str:
    """'frances-mayes-bella-tuscany-abr-abook' -> 'frances mayes bella tuscany abr': hyphens become
    spaces, a run of them the dash; the last piece goes when it follows a format or edition tag
    (the release group: 'abook', 'kawa', 'mp3profi')."""
    parts = []
    for chunk in _HYPHEN_DASH_RE.split(text):
        pieces = [p for p in chunk.split("-") if p]
        parts.append(pieces)
    last = parts[-1]
    # A file's track number can follow the group ('…-2cd-kawa-01'): the group goes, the number stays.
    track = last.pop() if len(last) >= 4 and last[-1].isdigit() else None
    if len(last) >= 3 and _STRONG_RELEASE_RE.match(last[-2]) and not _RELEASE_TOKEN_RE.fullmatch(last[-1]):
        last.pop()
    if track is not None:
        last.append(track)
    return " - ".join(" ".join(p) for p in parts if p)


def respace(text: str) -> str:
    """Words glued with '_' or '.' back to spaces, the way release and download tools write names.

    'John_Grisham_A_Time_to_Kill' -> 'John Grisham A Time to Kill';
    'Stephen.King-The.Stand.Unabridged.2011.MP3.64kbps-GROUP' -> 'Stephen King - The Stand Unabridged 2011 MP3 64kbps'
    (a release group after the tags is dropped; a glued hyphen is the author/title dash when the name
    has no other dash); 'Brandon.Sanderson.-.Mistborn.01' -> 'Brandon Sanderson - Mistborn 01'.
    A name with hyphens for spaces loses its release group too:
    'kiera-cass-the-one-abr-mp3profi' -> 'kiera cass the one abr'.
    Colon look-alikes become ':'. A name written with spaces comes back unchanged.
    """
    if not text:
        return text or ""
    text = text.translate(_COLON_LOOKALIKES)
    if not uses_separators(text):
        return text
    if _hyphen_separated(text) and "_" not in text and "." not in text:
        return _respace_hyphens(text)
    m = _SCENE_GROUP_RE.search(text)
    if m and not _RELEASE_TOKEN_RE.fullmatch(m.group("group")):
        text = text[: m.start("group") - 1] + (m.group("track") or "")
    if _DASH_PIECES_RE.search(text):
        text = _DASH_PIECES_RE.sub(" - ", text)
    else:
        text = _GLUED_HYPHEN_RE.sub(" - ", text)
    text = _SEP_DOT_RE.sub(lambda m: m.group(0) if m.group(0) != "." else " ", text.replace("_", " "))
    return SPACES_RE.sub(" ", text).strip(" -")


def strip_release_tags(text: str) -> tuple[str, list[str]]:
    """('Title', tags) from 'Title Unabridged 2011 MP3 64kbps-GROUP': the trailing run of release tags
    (formats, bitrates, edition notes, years) goes when it holds at least one format, bitrate or
    edition note. Tags come back in order, as written."""
    if not text:
        return text or "", []
    # Release tails are short: looking at the end only keeps a pathological name linear.
    offset = max(0, len(text) - _RELEASE_WINDOW)
    m = _RELEASE_TAIL_RE.search(text, offset)
    if not m or m.start() == 0:
        return text, []
    tags = _RELEASE_TOKEN_RE.findall(m.group(0))
    if not any(_STRONG_RELEASE_RE.match(t) for t in tags):
        return text, []
    head = text[: m.start()].rstrip(" -_.,:;")
    return (head, tags) if head else (text, [])
