"""Checks of the values inside one ABS item: the right type, decodable text, a sane length.

Each check names the field in its error (`media.metadata.authors[2].name is null`), so the one
`errors` row a malformed item becomes says what to fix in ABS.
"""

from __future__ import annotations

import math
import re
from typing import Any, TypeGuard

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BAD_TEXT = re.compile(r"[\ud800-\udfff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MOJIBAKE = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u02c6-\u02dc\u20ac\u2122]")


class MalformedItem(ValueError):
    """An item ABS sent that cannot be stored as it is; `str()` is the reason, naming the field."""


def is_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v: Any) -> bool:
    return (is_int(v) or isinstance(v, float)) and not (isinstance(v, float) and not math.isfinite(v))


def text_problem(value: str) -> str | None:
    """Why a piece of text looks undecodable (None when it is fine)."""
    if not _BAD_TEXT.search(value):  # one scan for the common, clean case
        return None
    if _SURROGATE.search(value):
        return "holds bytes that are not valid UTF-8 (surrogate escapes from an undecodable file name or tag)"
    if "\ufffd" in value:
        return "holds U+FFFD replacement characters (it was decoded with the wrong encoding)"
    if _CONTROL.search(value):
        return "holds control characters"
    return None


def looks_mis_decoded(value: str) -> bool:
    """UTF-8 read as Latin-1/CP1252 ('FranÃ§ois'): the text round-trips to different, valid UTF-8."""
    if not _MOJIBAKE.search(value):
        return False
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = value.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != value:
            return True
    return False


def check_text(where: str, value: Any, limit: int | None, nullable: bool = True) -> str | None:
    if value is None:
        if nullable:
            return None
        raise MalformedItem(f"{where} is missing")
    if not isinstance(value, str):
        raise MalformedItem(f"{where} is {type_name(value)}, expected text")
    problem = text_problem(value)
    if problem:
        raise MalformedItem(f"{where} {problem}: {value[:60]!r}")
    if limit is not None and len(value) > limit:
        raise MalformedItem(
            f"{where} is {len(value):,} characters long (limit {limit:,}): a corrupt tag or the wrong field"
        )
    return value


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        dict: "an object",
        list: "a list",
        bool: "a boolean",
        str: "text",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def check_list(where: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedItem(f"{where} is {type_name(value)}, expected a list")
    for i, element in enumerate(value):
        if element is None:
            raise MalformedItem(f"{where}[{i}] is null")
    return value


def opt_bool(where: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise MalformedItem(f"{where} is {type_name(value)}, expected true/false")


def _wrong_kind(where: str, value: Any, expected: str) -> MalformedItem:
    """The error for a value of another kind than `expected`, showing the start of it."""
    return MalformedItem(f"{where} is {type_name(value)} {str(value)[:30]!r}, expected {expected}")


def opt_int(where: str, value: Any) -> int | None:
    if value is None or is_int(value):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _wrong_kind(where, value, "a whole number")


def opt_float(where: str, value: Any) -> float | None:
    if value is None or is_num(value):
        return None if value is None else float(value)
    raise _wrong_kind(where, value, "a number")


def opt_id(where: str, value: Any) -> str | None:
    if value is None or is_int(value):
        return None if value is None else str(value)
    return check_text(where, value, 200)


def file_meta(where: str, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise MalformedItem(f"{where} is {type_name(entry)}, expected an object")
    meta = entry.get("metadata")
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise MalformedItem(f"{where}.metadata is {type_name(meta)}, expected an object")
    return meta
