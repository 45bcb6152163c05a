"""Which raw ffprobe format tags become ABS's metaTags: server/utils/prober.js `parseTags` and
objects/metadata/AudioMetaTags.js."""

from __future__ import annotations

import tomllib
from pathlib import Path

from emulators.abs_scanner.js import js_trim

# metaTags key -> the raw ffprobe format tag names tried for it, in AudioMetaTags.toJSON's key order.
with (Path(__file__).parents[1] / "data" / "abs_meta_tags.toml").open("rb") as _f:
    _PROBE_TAGS: dict[str, list[str]] = tomllib.load(_f)

_NAME_INDEX: dict[str, list[tuple[str, int]]] = {}
for _meta_key, _names in _PROBE_TAGS.items():
    for _rank, _name in enumerate(_names):
        _NAME_INDEX.setdefault(_name.lower(), []).append((_meta_key, _rank))


def meta_tags_from_probe(format_tags: dict[str, str]) -> dict[str, str]:
    """The `metaTags` ABS stores for a file whose ffprobe format tags are `format_tags`
    (keys as ffprobe reports them, e.g. 'album_artist', 'composer', 'SERIES', 'TIT1').

    For each metaTags key the prober tries its raw names in order and takes the first whose value
    is non-blank; a raw name matches the first key equal to it ignoring case (Object.keys().find)."""
    best: dict[str, tuple[int, str]] = {}
    seen: set[str] = set()
    for key, value in format_tags.items():
        low = key.lower()
        if low in seen:
            continue
        seen.add(low)
        candidates = _NAME_INDEX.get(low)
        if not candidates or not value:
            continue
        value = js_trim(value)
        if not value:
            continue
        for meta_key, rank in candidates:
            current = best.get(meta_key)
            if current is None or rank < current[0]:
                best[meta_key] = (rank, value)
    return {k: best[k][1] for k in _PROBE_TAGS if k in best}
