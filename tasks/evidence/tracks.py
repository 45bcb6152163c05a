"""Names that only number a track, part or chapter ('01', 'Track 3 of 12', 'Chapter Five', 'Prologue'):
they say nothing about which book a file belongs to.
"""

from __future__ import annotations

import re

from tasks.evidence.schemes import NUMBER

TRACK_ONLY = re.compile(
    r"^(?:(?:track|trk|part|pt|chapter|chap|ch|disc|disk|cd|side|file|section|kapitel|chapitre)[\s._-]*)?"
    r"\d{1,4}(?:[\s._-]*(?:of|-|_)[\s._-]*\d{1,4})?$",
    re.I,
)
LEADING_TRACK = re.compile(r"^\s*(?:(?:track|trk|cd|disc|disk)\s*)?\d{1,4}(?:\s*[-._)]\s*|\s+)(?=\D)", re.I)
# ... and freedb's per-disc track titles 'Title 3-01' (disc 3, track 01), as EAC names the files.
TRAILING_TRACK = re.compile(
    r"(?:\s*[-_,]\s*|\s+)(?:(?:track|trk|part|pt|chapter|ch|cd|disc|disk|file)[\s._-]*)?\(?(?:\d{1,2}-)?\d{1,4}"
    r"(?:\s*of\s*\d{1,4})?\)?$",
    re.I,
)
CHAPTERISH = re.compile(
    r"^(?:chapter|ch\.?|prologue|epilogue|intro(?:duction)?|opening credits|closing credits|credits|preface|"
    r"foreword|afterword|acknowledg(?:e)?ments|part|track|interlude|appendix|end credits|"
    r"chapter\s+" + NUMBER + r"|(?:chapter|part)\s+" + NUMBER + r"\b.*)$",
    re.I,
)
