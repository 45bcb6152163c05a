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


PROFILES: dict[str, Profile] = {
    "clean": Profile(
        distractor=0.03,
        same_title_trap=0.0,
        alt_edition=0.05,
        schemes={
            "abs_clean": 0.45,
            "author_title": 0.25,
            "author_series_title": 0.15,
            "author_dash_title": 0.05,
            "title_paren_series": 0.03,
            "series_num_title": 0.03,
            "root_file": 0.02,
            "cd_multi": 0.02,
            "garbage": 0.0,
        },
        tags={"full": 0.75, "partial": 0.2, "none": 0.05},
        metadata={"good": 0.8, "partial": 0.1, "wrong": 0.0, "empty": 0.1},
        ids={"asin": 0.55, "isbn": 0.15, "regional": 0.02, "none": 0.28},
        author_last_first=0.05,
    ),
    "default": Profile(
        distractor=0.08,
        same_title_trap=0.02,
        alt_edition=0.15,
        schemes={
            "abs_clean": 0.2,
            "author_title": 0.25,
            "author_series_title": 0.1,
            "author_dash_title": 0.12,
            "title_paren_series": 0.08,
            "series_num_title": 0.07,
            "root_file": 0.06,
            "cd_multi": 0.07,
            "garbage": 0.05,
        },
        tags={"full": 0.45, "partial": 0.3, "none": 0.25},
        metadata={"good": 0.35, "partial": 0.15, "wrong": 0.1, "empty": 0.4},
        ids={"asin": 0.3, "isbn": 0.15, "regional": 0.05, "none": 0.5},
        author_last_first=0.15,
    ),
    "hostile": Profile(
        distractor=0.15,
        same_title_trap=0.08,
        alt_edition=0.3,
        schemes={
            "abs_clean": 0.03,
            "author_title": 0.12,
            "author_series_title": 0.05,
            "author_dash_title": 0.15,
            "title_paren_series": 0.12,
            "series_num_title": 0.12,
            "root_file": 0.12,
            "cd_multi": 0.1,
            "garbage": 0.19,
        },
        tags={"full": 0.15, "partial": 0.35, "none": 0.5},
        metadata={"good": 0.05, "partial": 0.15, "wrong": 0.3, "empty": 0.5},
        ids={"asin": 0.1, "isbn": 0.1, "regional": 0.1, "none": 0.7},
        author_last_first=0.3,
    ),
}
