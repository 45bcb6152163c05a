"""How much of each naming scheme, tag level, metadata quality and identifier a corpus profile draws."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    distractor: float
    same_title_trap: float
    alt_edition: float  # share of matchable items that are the abridged/dramatised edition, when one exists
    schemes: dict[str, float]
    tags: dict[str, float]
    metadata: dict[str, float]
    ids: dict[str, float]
    author_last_first: float


# The profiles side by side: one row per knob, one column per profile, in _NAMES order.
_NAMES = ("clean", "default", "hostile")
_Row = tuple[float, float, float]
_DISTRACTOR: _Row = (0.03, 0.08, 0.15)
_SAME_TITLE_TRAP: _Row = (0.0, 0.02, 0.08)
_ALT_EDITION: _Row = (0.05, 0.15, 0.3)
_AUTHOR_LAST_FIRST: _Row = (0.05, 0.15, 0.3)
_SCHEMES: dict[str, _Row] = {
    "abs_clean": (0.45, 0.2, 0.03),
    "author_title": (0.25, 0.25, 0.12),
    "author_series_title": (0.15, 0.1, 0.05),
    "author_dash_title": (0.05, 0.12, 0.15),
    "title_paren_series": (0.03, 0.08, 0.12),
    "series_num_title": (0.03, 0.07, 0.12),
    "root_file": (0.02, 0.06, 0.12),
    "cd_multi": (0.02, 0.07, 0.1),
    "garbage": (0.0, 0.05, 0.19),
}
_TAGS: dict[str, _Row] = {"full": (0.75, 0.45, 0.15), "partial": (0.2, 0.3, 0.35), "none": (0.05, 0.25, 0.5)}
_METADATA: dict[str, _Row] = {
    "good": (0.8, 0.35, 0.05),
    "partial": (0.1, 0.15, 0.15),
    "wrong": (0.0, 0.1, 0.3),
    "empty": (0.1, 0.4, 0.5),
}
_IDS: dict[str, _Row] = {
    "asin": (0.55, 0.3, 0.1),
    "isbn": (0.15, 0.15, 0.1),
    "regional": (0.02, 0.05, 0.1),
    "none": (0.28, 0.5, 0.7),
}


def _column(table: dict[str, _Row], i: int) -> dict[str, float]:
    return {key: row[i] for key, row in table.items()}


PROFILES: dict[str, Profile] = {
    name: Profile(
        distractor=_DISTRACTOR[i],
        same_title_trap=_SAME_TITLE_TRAP[i],
        alt_edition=_ALT_EDITION[i],
        schemes=_column(_SCHEMES, i),
        tags=_column(_TAGS, i),
        metadata=_column(_METADATA, i),
        ids=_column(_IDS, i),
        author_last_first=_AUTHOR_LAST_FIRST[i],
    )
    for i, name in enumerate(_NAMES)
}
