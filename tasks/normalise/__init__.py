"""Normalisation of titles and names, so that strings from ABS, folder names, tags, transcripts and
Hardcover can be compared.

Two kinds of function:
- `split_*` functions *capture* structure (series, position, subtitle, co-authors, narrators) so that
  scoring can compare it as its own feature instead of throwing it away;
- `normalise_*` / `name_key` produce comparison keys: ASCII, lower case, no punctuation, articles and
  noise ("[Unabridged]", "CD 1", "64kbps") removed, numerals as digits.

All functions are pure and cheap; the scoring pipeline calls them once per *unique* string. Modules:
`numbers` (number words, Roman numerals, series positions), `release` (separators and release tags),
`discs` (the disc markers of CD sets), `titles`, `names`, and `vocabulary` (the rip tags, heading and
series words every parser shares).
"""

from tasks.normalise.discs import CD_SECONDS, Disc, disc_value, of_a_set, split_disc
from tasks.normalise.names import name_key, normalise_name, split_credits, split_names
from tasks.normalise.numbers import CARDINAL_WORDS, ORDINAL_WORDS, parse_position, roman_to_int
from tasks.normalise.release import respace, strip_release_tags, uses_separators
from tasks.normalise.titles import (
    TitleParts,
    is_placeholder_title,
    normalise_series,
    normalise_text,
    normalise_title,
    split_title,
    strip_article,
    title_variants,
)

__all__ = [
    "CARDINAL_WORDS",
    "CD_SECONDS",
    "Disc",
    "ORDINAL_WORDS",
    "TitleParts",
    "disc_value",
    "is_placeholder_title",
    "name_key",
    "normalise_name",
    "normalise_series",
    "normalise_text",
    "of_a_set",
    "normalise_title",
    "parse_position",
    "respace",
    "roman_to_int",
    "split_credits",
    "split_disc",
    "split_names",
    "split_title",
    "strip_article",
    "strip_release_tags",
    "title_variants",
    "uses_separators",
]
