"""Deterministic small cover images for the emulated catalogue (the Hardcover emulator serves them).

Real Hardcover covers are jpegs on a CDN; these are tiny PNGs whose colours and size derive from a
key, so every run serves the same bytes for the same book or edition, and two books never share one.
"""

from __future__ import annotations

import hashlib
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def cover_png(key: str) -> bytes:
    """A 6×9 RGB PNG in two colours (a cover's proportions), derived from `key`."""
    digest = hashlib.sha256(key.encode()).digest()
    width, height = 6, 9
    top, bottom = digest[:3], digest[3:6]
    rows = b"".join(b"\x00" + (top if y < height // 2 else bottom) * width for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )
