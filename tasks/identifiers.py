"""Book identifiers in the forms catalogues file them under: ISBN-10 ⇄ ISBN-13, and ASINs.

Hardcover matches identifiers exactly, so an item's ISBN is asked for in both lengths; the scorer
compares either form with either form for the same reason.
"""

from __future__ import annotations

import re


def normalise_asin(raw: str) -> str | None:
    """The ASIN in upper case without separators; None for anything that is not ten characters with
    a letter in them (an all-digit value is an ISBN-10)."""
    value = re.sub(r"[^0-9A-Za-z]", "", raw or "").upper()
    return value if len(value) == 10 and not value.isdigit() else None


def isbn10_to_13(isbn10: str) -> str | None:
    """The 978-prefixed ISBN-13 of an ISBN-10 (separators ignored); None when it is not ten characters."""
    digits = re.sub(r"[^0-9Xx]", "", isbn10 or "")
    if len(digits) != 10:
        return None
    body = "978" + digits[:9]  # the ISBN-10's own check digit is dropped: ISBN-13 has its own
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str(-weighted % 10)


def isbn13_to_10(isbn13: str) -> str | None:
    """The ISBN-10 of a 978-prefixed ISBN-13; None for 979 (which has no ISBN-10) or another length."""
    if len(isbn13) != 13 or not isbn13.startswith("978"):
        return None
    core = isbn13[3:12]
    total = sum((10 - i) * int(c) for i, c in enumerate(core))
    check = (11 - total % 11) % 11
    return core + ("X" if check == 10 else str(check))


def isbn_forms(raw: str) -> tuple[str | None, str | None]:
    """(isbn13, isbn10) for one raw ISBN of either length; ASIN-looking values give (None, None)."""
    value = re.sub(r"[^0-9Xx]", "", raw or "").upper()
    if len(value) == 10 and value[:9].isdigit():
        return isbn10_to_13(value), value
    if len(value) == 13 and value.isdigit():
        return value, isbn13_to_10(value)
    return None, None
