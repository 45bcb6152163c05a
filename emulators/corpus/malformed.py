"""Items that break in the ways real data does (missing media, nulls in lists, wrong types, mojibake)."""

from __future__ import annotations

import random

from emulators.corpus.generate import generate_library


def malformed_items(k: int, seed: int = 0, library_id: str | None = None) -> list[dict]:
    """`k` items that break in the ways real data does, each with a valid `id` and `updatedAt`
    (so listing still works) and one defect named in `_defect` — which extract must NOT rely on
    (it is there for test messages; drop it with `item.pop("_defect")` to be strict).
    """
    base = generate_library(k, seed=seed + 7919, profile="default", library_id=library_id).items
    rng = random.Random(f"malformed:{seed}")
    defects = (
        "missing_media",
        "media_null",
        "metadata_null",
        "null_in_authors",
        "null_in_narrators",
        "authors_not_a_list",
        "title_not_a_string",
        "huge_title",
        "lone_surrogates",
        "latin1_mojibake",
        "audio_files_not_a_list",
        "null_audio_file",
        "duration_string",
        "relpath_missing",
        "series_null_name",
    )
    out = []
    for i, item in enumerate(base):
        defect = (
            defects[(i + rng.randrange(len(defects))) % len(defects)] if i >= len(defects) else defects[i]
        )
        media = item["media"]
        md = media["metadata"]
        if defect == "missing_media":
            del item["media"]
        elif defect == "media_null":
            item["media"] = None
        elif defect == "metadata_null":
            media["metadata"] = None
        elif defect == "null_in_authors":
            md["authors"] = [None, *md["authors"]]
        elif defect == "null_in_narrators":
            md["narrators"] = ["Someone", None]
        elif defect == "authors_not_a_list":
            md["authors"] = "Jane Doe, John Smith"
        elif defect == "title_not_a_string":
            md["title"] = 12345
        elif defect == "huge_title":
            md["title"] = ("A Very Long Title " * 600)[:10_000]
        elif defect == "lone_surrogates":
            md["title"] = "Bad \udcff\udcfe Name"
            md["authors"] = [{"id": "x", "name": "Bj\udcf6rk"}]
        elif defect == "latin1_mojibake":
            md["title"] = "Les MisÃ©rables"
            md["authors"] = [{"id": "x", "name": "Ã‰mile Zola"}]
            item["relPath"] = "Ã‰mile Zola/Les MisÃ©rables"
        elif defect == "audio_files_not_a_list":
            media["audioFiles"] = {"0": media["audioFiles"][0]}
        elif defect == "null_audio_file":
            media["audioFiles"] = [None, *media["audioFiles"]]
        elif defect == "duration_string":
            media["duration"] = "about ten hours"
        elif defect == "relpath_missing":
            del item["relPath"]
            item["path"] = None
        elif defect == "series_null_name":
            md["series"] = [{"id": "s", "name": None, "sequence": 1}]
        item["_defect"] = defect
        out.append(item)
    return out
