"""The items and library recorded from a real ABS 2.36.0 server, and larger libraries made from them."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "abs-2.36.0"
# The recorded library's item titles and the real books they are (catalogue titles).
TRUE_TITLES = {
    "Hunger Games, The": "The Hunger Games",
    "The Hitchhiker's Guide to the Galaxy": "The Hitchhiker's Guide to the Galaxy",
    "The Colour of Magic": "The Colour of Magic",
    "The Final Empire": "The Final Empire",
    "Dune - Frank Herbert (Unabridged)": "Dune",
    "Part 1": "The Way of Kings",
    "Good Omens": "Good Omens",
}


def fixture_items() -> list[dict]:
    """The expanded items recorded from the real server (pre-patch state), with their real ids."""
    items: dict[str, dict] = {}
    for file in sorted(FIXTURES.glob("get_item_expanded_*.json")):
        if file.stem == "get_item_expanded_after_patch":
            continue
        items[json.loads(file.read_text())["response"]["id"]] = json.loads(file.read_text())["response"]
    for item in json.loads((FIXTURES / "batch_get.json").read_text())["response"]["libraryItems"]:
        items.setdefault(item["id"], item)
    return sorted(items.values(), key=lambda it: it.get("addedAt") or 0)


def fixture_library() -> dict:
    return json.loads((FIXTURES / "get_library.json").read_text())["response"]


def load_items(n: int, seed: int = 0, profile: str = "default") -> tuple[list[dict], dict | None]:
    """N generated items (the corpus generator when present, else clones of the fixture items)."""
    if n <= 0:
        return fixture_items(), None
    try:
        from emulators.corpus import generate_library
    except ImportError:
        return clone_fixture_items(n, seed=seed), None
    lib = generate_library(n, seed=seed, profile=profile)
    return lib.items, lib.library


def clone_fixture_items(n: int, seed: int = 0) -> list[dict]:
    """N distinct expanded items made by cloning the recorded ones with new ids and paths."""
    base = fixture_items()
    out = []
    for i in range(n):
        item = copy.deepcopy(base[i % len(base)])
        item_id = str(uuid.UUID(int=(seed << 64) + i + 1))
        item["id"] = item_id
        item["addedAt"] = 1795480627000 + i
        item["updatedAt"] = 1795480627000 + i
        suffix = f" ({i // len(base)})" if i >= len(base) else ""
        item["relPath"] = (item.get("relPath") or "") + suffix
        item["path"] = (item.get("path") or "") + suffix
        media = item["media"]
        media["libraryItemId"] = item_id
        media["id"] = str(uuid.UUID(int=(seed << 64) + n + i + 1))
        media["metadata"]["title"] = (media["metadata"].get("title") or "") + suffix
        for track in media.get("tracks") or []:
            track["contentUrl"] = f"/api/items/{item_id}/file/{track['ino']}"
        out.append(item)
    return out
