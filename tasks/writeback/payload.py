"""The one place that knows the ABS 2.36 write contract (`PATCH /api/items/:id/media` and
`POST /api/items/batch/update`).

Field values travel through shelfmatch in one canonical form (the `FIELDS` below):
strings or None, lists of strings, and series as `[{"name": str, "sequence": str | None}]`.
`from_abs_metadata` reads that form out of an expanded item, `to_media_payload` turns changes
into a PATCH/batch body, and `validate_media_payload` refuses any body ABS would crash on
(`authors: [null]`, a missing `mediaPayload`, a U+0000 in a series name — ABS 2.36 dies with
`SQLITE_ERROR: unrecognized token` after saving part of the item) or silently corrupt (a numeric
sequence becomes null, one non-string element drops a whole list, `[{"id": ..}]` authors remove
every author). Control characters and unpaired surrogates are refused in every text: they are
never metadata, and ABS stores or crashes on them in ways nobody can read back.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# shelfmatch field -> ABS media.metadata key
FIELDS: dict[str, str] = {
    "title": "title",
    "subtitle": "subtitle",
    "authors": "authors",
    "narrators": "narrators",
    "series": "series",
    "publisher": "publisher",
    "published_year": "publishedYear",
    "description": "description",
    "genres": "genres",
    "language": "language",
    "isbn": "isbn",
    "asin": "asin",
}
STRING_FIELDS = {
    "title",
    "subtitle",
    "publisher",
    "published_year",
    "description",
    "language",
    "isbn",
    "asin",
}
STRING_LIST_FIELDS = {"narrators", "genres"}
_ABS_STRING_KEYS = {FIELDS[f] for f in STRING_FIELDS} | {"publishedDate"}
_ABS_BOOL_KEYS = {"explicit", "abridged"}


class PayloadError(ValueError):
    """A payload ABS would crash on or silently mangle; names the item and the field."""

    def __init__(self, item_id: str, field: str, problem: str):
        self.item_id, self.field, self.problem = item_id, field, problem
        super().__init__(
            f"Refused to send item {item_id}: {field} {problem} (ABS 2.36 would crash or drop it)"
        )


def canonical(field: str, value: Any) -> Any:
    """The canonical form of a field value; empty strings and lists collapse to None / []."""
    if field in STRING_FIELDS:
        if value is None:
            return None
        text = str(value).strip()
        return text or None
    if field in STRING_LIST_FIELDS or field == "authors":
        names: list[str] = []
        for v in value or []:
            name = v.get("name") if isinstance(v, dict) else v
            if name is not None and str(name).strip():
                names.append(str(name).strip())
        return names
    if field == "series":
        series: list[dict[str, str | None]] = []
        for s in value or []:
            name = s.get("name") if isinstance(s, dict) else None
            if name and str(name).strip():
                seq = s.get("sequence")
                series.append(
                    {"name": str(name).strip(), "sequence": None if seq in (None, "") else str(seq)}
                )
        return series
    raise KeyError(f"unknown writeback field {field!r}; known: {', '.join(FIELDS)}")


def is_empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def _key(field: str, value: Any) -> Any:
    # ABS matches authors and series by name case-insensitively and keeps link order, so a
    # capitalisation-only or order-only difference is not a change it can make (or show).
    value = canonical(field, value)
    if field == "authors":
        return sorted(v.casefold() for v in value)
    if field == "series":
        return sorted((s["name"].casefold(), s["sequence"] or "") for s in value)
    return value


def same(field: str, a: Any, b: Any) -> bool:
    """True when ABS would consider the two values equal (so writing b over a changes nothing)."""
    return bool(_key(field, a) == _key(field, b))


def from_abs_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Canonical values of every writeback field from an item's `media.metadata`."""
    return {field: canonical(field, metadata.get(key)) for field, key in FIELDS.items()}


def to_media_payload(changes: dict[str, Any]) -> dict[str, Any]:
    """A PATCH /media body (`{"metadata": {...}}`) setting the given canonical field values."""
    metadata: dict[str, Any] = {}
    for field, value in changes.items():
        key = FIELDS[field]
        if field == "authors":
            metadata[key] = [{"name": n} for n in value]
        elif field == "series":
            metadata[key] = [{"name": s["name"], "sequence": s["sequence"]} for s in value]
        else:
            metadata[key] = value
    return {"metadata": metadata}


# Line breaks and tabs are text in a description; anywhere else they are control characters too.
_DESCRIPTION_WHITESPACE = {"\n", "\r", "\t"}


def _check_text(item_id: str, where: str, value: Any, multiline: bool = False) -> None:
    """Refuse a control character (U+0000–U+001F, U+007F–U+009F) or an unpaired surrogate in a string."""
    if not isinstance(value, str):
        return
    for i, ch in enumerate(value):
        category = unicodedata.category(ch)
        if category == "Cc" and not (multiline and ch in _DESCRIPTION_WHITESPACE):
            raise PayloadError(
                item_id, where, f"contains the control character U+{ord(ch):04X} at position {i}"
            )
        if category == "Cs":
            raise PayloadError(
                item_id, where, f"contains an unpaired surrogate U+{ord(ch):04X} at position {i} (not text)"
            )


def _check_texts(item_id: str, where: str, payload: dict[str, Any]) -> None:
    """Every string a payload carries, wherever it sits."""
    if isinstance(payload.get("tags"), list):
        for i, tag in enumerate(payload["tags"]):
            _check_text(item_id, f"tags[{i}]", tag)
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict):
        return
    for key, value in metadata.items():
        here = f"{where}.{key}"
        if isinstance(value, str):
            _check_text(item_id, here, value, multiline=key == "description")
        elif isinstance(value, list):
            for i, element in enumerate(value):
                if isinstance(element, dict):
                    for sub in ("name", "sequence"):
                        _check_text(item_id, f"{here}[{i}].{sub}", element.get(sub))
                else:
                    _check_text(item_id, f"{here}[{i}]", element)


def validate_media_payload(item_id: str, payload: Any, allow_clear: bool = False) -> None:
    """Raise PayloadError unless `payload` is a PATCH /media body ABS 2.36 applies exactly as meant.

    `allow_clear` permits null strings and empty author/series lists: rollback uses it to restore
    a field that was empty; a plan never clears (a value is never replaced by an empty one).
    """
    if not isinstance(payload, dict):
        raise PayloadError(item_id, "mediaPayload", f"is {type(payload).__name__}, not an object")
    _check_texts(item_id, "metadata", payload)
    if "tags" in payload and not _all_str(payload["tags"]):
        raise PayloadError(item_id, "tags", "must be a list of strings (top level, not inside metadata)")
    metadata = payload.get("metadata")
    if metadata is None:
        return  # ABS 2.36 accepts a mediaPayload without metadata
    if not isinstance(metadata, dict):
        raise PayloadError(item_id, "metadata", f"is {type(metadata).__name__}, not an object")
    if "tags" in metadata:
        raise PayloadError(
            item_id, "metadata.tags", "is ignored by ABS: tags go at the top level of the payload"
        )
    for key, value in metadata.items():
        where = f"metadata.{key}"
        if key in _ABS_STRING_KEYS:
            if value is None:
                if not allow_clear:
                    raise PayloadError(item_id, where, "is null: a value is never replaced by an empty one")
            elif not isinstance(value, str):
                raise PayloadError(item_id, where, f"is {type(value).__name__}; ABS only stores strings here")
            elif not value.strip() and not allow_clear:
                raise PayloadError(item_id, where, "is empty: a value is never replaced by an empty one")
        elif key in _ABS_BOOL_KEYS:
            if not isinstance(value, bool):
                raise PayloadError(
                    item_id, where, f"is {type(value).__name__}; ABS coerces anything to a bool"
                )
        elif key in ("narrators", "genres"):
            if not _all_str(value):
                raise PayloadError(
                    item_id, where, "must be a list of strings: one non-string drops the whole list"
                )
        elif key == "authors":
            _check_named_list(item_id, where, value, allow_clear)
        elif key == "series":
            _check_named_list(item_id, where, value, allow_clear)
            for i, s in enumerate(value):
                seq = s.get("sequence")
                if seq is not None and not isinstance(seq, str):
                    raise PayloadError(
                        item_id,
                        f"{where}[{i}].sequence",
                        f"is {type(seq).__name__} {seq!r}; ABS saves a non-string as null",
                    )
        else:
            raise PayloadError(
                item_id, where, "is not a field shelfmatch writes (ABS would ignore it silently)"
            )


def validate_batch(batch: Any, allow_clear: bool = False) -> None:
    """Validate a `batch/update` body: a non-empty list of {"id": str, "mediaPayload": {...}}, unique ids."""
    if not isinstance(batch, list) or not batch:
        raise PayloadError("<batch>", "body", "must be a non-empty list")
    seen: set[str] = set()
    for i, element in enumerate(batch):
        item_id = element.get("id") if isinstance(element, dict) else None
        if not isinstance(item_id, str) or not item_id:
            raise PayloadError(f"<batch element {i}>", "id", "is missing or not a string")
        if item_id in seen:
            raise PayloadError(item_id, "id", "appears twice in one batch (ABS answers 400)")
        seen.add(item_id)
        if "mediaPayload" not in element or element["mediaPayload"] is None:
            raise PayloadError(item_id, "mediaPayload", "is missing or null (crashes the whole ABS server)")
        validate_media_payload(item_id, element["mediaPayload"], allow_clear=allow_clear)


def _all_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _check_named_list(item_id: str, where: str, value: Any, allow_clear: bool) -> None:
    if not isinstance(value, list):
        raise PayloadError(item_id, where, f"is {type(value).__name__}, not a list of {{'name': str}}")
    if not value and not allow_clear:
        raise PayloadError(item_id, where, "is empty: that would remove every entry")
    for i, element in enumerate(value):
        if element is None:
            raise PayloadError(item_id, f"{where}[{i}]", "is null (crashes the whole ABS server)")
        if (
            not isinstance(element, dict)
            or not isinstance(element.get("name"), str)
            or not element["name"].strip()
        ):
            raise PayloadError(
                item_id, f"{where}[{i}]", "needs a non-empty string 'name' (ABS would drop the list)"
            )
