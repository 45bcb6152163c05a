"""Names that only number a track, part or chapter ('01', 'Track 3 of 12', 'Chapter Five', 'Prologue'):
they say nothing about which book a file belongs to.
"""

from __future__ import annotations

import re

from tasks.evidence.schemes import NUMBER
from tasks.normalise.vocabulary import (
    DISC_WORDS,
    DIVISION_WORDS,
    HEADINGS,
    PIECE_WORDS,
    TRACK_WORDS,
    alternation,
)

# Any word that numbers a piece of the recording or a division of the text.
_NUMBERED = alternation((*TRACK_WORDS, *DISC_WORDS, *PIECE_WORDS, *DIVISION_WORDS))

TRACK_ONLY = re.compile(
    rf"^(?:(?:{_NUMBERED})[\s._-]*)?\d{{1,4}}(?:[\s._-]*(?:of|-|_)[\s._-]*\d{{1,4}})?$", re.I
)
# Only a track or disc number leads a file name ('03 - Title', 'CD1 - Title'); 'Part 1 Title' is a title.
LEADING_TRACK = re.compile(
    rf"^\s*(?:(?:{alternation((*TRACK_WORDS, *DISC_WORDS))})\s*)?\d{{1,4}}(?:\s*[-._)]\s*|\s+)(?=\D)",
    re.I,
)
# ... and freedb's per-disc track titles 'Title 3-01' (disc 3, track 01), as EAC names the files.
TRAILING_TRACK = re.compile(
    rf"(?:\s*[-_,]\s*|\s+)(?:(?:{_NUMBERED})[\s._-]*)?\(?(?:\d{{1,2}}-)?\d{{1,4}}(?:\s*of\s*\d{{1,4}})?\)?$",
    re.I,
)
# A heading alone ('Prologue', 'Chapter', 'Ch.') or a numbered division with its name ('Part One: The Fall').
CHAPTERISH = re.compile(
    rf"^(?:{alternation(HEADINGS)}|(?:{alternation((*DIVISION_WORDS, *TRACK_WORDS))})\.?"
    rf"|(?:{alternation(DIVISION_WORDS)})\s+{NUMBER}\b.*)$",
    re.I,
)
