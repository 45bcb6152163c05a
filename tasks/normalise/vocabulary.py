"""The words a name or a transcript carries that say nothing about which book it is: the tags a rip or
release adds (formats, bitrates, edition notes) and the headings of tracks, discs and chapters.

Every parser that strips or skips these words reads them here, so a word added once is known to all of
them. Lists are plain words (joined with `alternation`); the few tokens that need a pattern (bitrates,
disc counts, years) are regex fragments without groups, ready to go inside `(?:...)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def alternation(words: Iterable[str]) -> str:
    """The words as one regex alternation, longest first (so 'chapter' is tried before 'ch')."""
    return "|".join(sorted((re.escape(w).replace(r"\ ", " ") for w in words), key=len, reverse=True))


# Audio containers a rip is named or foldered by ('Dune [M4B]', 'The Stand/mp3', 'Title.MP3-GROUP').
AUDIO_FORMATS = ("mp3", "mp4", "m4b", "m4a", "aac", "flac", "ogg", "opus", "wma", "aax", "aaxc")
# '64kbps', '128k', '64 kbit/s'.
BITRATE = r"\d{2,3}\s?k(?:bps|bit/?s)?"
# '2cd', '10 CDs': how many discs a rip came from.
DISC_COUNT = r"\d{1,2}\s?cds?"
# The edition notes release names abbreviate: 'Unabridged', 'un-abridged', 'Abr', 'Unabr'.
EDITION_TAGS = r"un-?abridged|abridged|un-?abr|abr"
AUDIOBOOK = r"audio ?books?"
# The tags that make a name a rip's: a format, a bitrate, an edition note, 'Audiobook', a disc count.
RIP_TAGS = rf"{EDITION_TAGS}|{alternation(AUDIO_FORMATS)}|{BITRATE}|{AUDIOBOOK}|{DISC_COUNT}"
# How a rip was encoded: 'Mono', 'VBR', '44.1 kHz'.
ENCODING_TAGS = r"mono|stereo|vbr|cbr|\d{2}(?:\.\d)?\s?khz"
# A year in a bracket or a tag run: a printing from the 1500s on.
YEAR = r"(?:1[5-9]|20)\d{2}"
# A year among release tags: recordings are from the 1900s on, so an older number stays part of the
# title ('1776 MP3' keeps '1776').
RECORDING_YEAR = r"(?:19|20)\d{2}"

# How a name credits its reader: 'Read by X', '(Narrated by X)', 'Performed by X'.
NARRATOR_VERBS = ("read", "narrated", "performed")

# What numbers a book in its series: 'Book 3', 'Bk. 3', 'Vol. 3', 'Volume 3'.
VOLUME_WORDS = ("book", "bk", "vol", "volume")
# A series position's mark, with the punctuation names put after it: '#3', 'Book 3', 'Vol.3', 'Bk. #3'.
VOLUME_MARK = rf"#\s*|\b(?:{alternation(VOLUME_WORDS)})\.?\s*#?\s*"

# What numbers a disc of a recording: 'CD 2', 'Disc 1'.
DISC_WORDS = ("cd", "disc", "disk")
# What numbers a file of a recording: 'Track 3', 'Trk 03'.
TRACK_WORDS = ("track", "trk")
# Other numbered pieces of a recording: 'Side 2' of a tape, 'File 7' of a download.
PIECE_WORDS = ("side", "file")
# What numbers a division of the text: 'Part 2', 'Chapter Five', 'Kapitel 3', 'Ch. 12'.
DIVISION_WORDS = ("part", "pt", "chapter", "chap", "ch", "section", "kapitel", "chapitre")
# Sections a book or recording has without a number, read or named the same in every book.
HEADINGS = (
    "prologue",
    "epilogue",
    "introduction",
    "intro",
    "preface",
    "foreword",
    "afterword",
    "acknowledgements",
    "acknowledgments",
    "interlude",
    "appendix",
    "opening credits",
    "closing credits",
    "end credits",
    "credits",
)
