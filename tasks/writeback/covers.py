"""Covers: set the matched book's image on an item, read it back, and put the previous one back on rollback.

shelfmatch downloads the catalogue image itself and uploads the bytes (`POST /api/items/:id/cover`,
multipart) rather than handing ABS the URL: ABS's SSRF filter refuses images on loopback and private
hosts (a self-hosted mirror, or the emulators in tests), an ABS without outbound internet cannot fetch
them, and with the bytes in hand the read-back compares the very image (`GET …/cover?raw=1`) instead
of trusting that a download happened.

Every image is kept by content in `cover_images`: the one set, and the one it replaced, read from ABS
before the replacement. An item's cover whose bytes cannot be read is never replaced (it could not be
put back). Journal rows use field `cover` with `before`/`after` = `{"path", "sha256", "ext"}` (or null
for no cover); the intent's `after` also names the source `url`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import aiohttp
import duckdb

from tasks.abs import AbsClient, AbsError, AbsNotFound, AbsUnavailable
from tasks.http_session import SessionClient
from tasks.warehouse import load_sql, now, record_error
from tasks.writeback.conflicts import COVER
from tasks.writeback.journal import log_row, log_rows

MAX_IMAGE_BYTES = 20 * 1024 * 1024
# ABS 2.36 takes png, jpg/jpeg and webp covers (utils/globals.js SupportedImageTypes).
SUPPORTED = ("png", "jpg", "webp")


class ImageError(RuntimeError):
    """A catalogue image could not be had or is not an image ABS accepts; the message says which."""


def image_ext(data: bytes) -> str | None:
    """The image type from its magic bytes, as ABS checks it (png, jpg, webp), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_image(con: duckdb.DuckDBPyConnection, data: bytes, ext: str) -> str:
    """Keep an image by content (idempotent); returns its sha256."""
    digest = sha256(data)
    con.execute(load_sql("cover_image_put"), [digest, ext, len(data), data, now()])
    return digest


def stored_image(con: duckdb.DuckDBPyConnection, digest: str) -> tuple[bytes, str] | None:
    rows = con.execute(load_sql("cover_image_get"), [digest]).fetchall()
    return (bytes(rows[0][0]), rows[0][1]) if rows else None


@dataclass(frozen=True)
class Image:
    sha256: str
    ext: str
    data: bytes

    def describe(self, path: str | None = None, url: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"path": path, "sha256": self.sha256, "ext": self.ext}
        if url:
            out["url"] = url
        return out


class CatalogueImages(SessionClient):
    """Downloads catalogue images once: a URL already fetched is read from the warehouse."""

    def __init__(self, con: duckdb.DuckDBPyConnection, timeout: float = 30.0) -> None:
        self.con = con
        self.timeout = timeout

    def _new_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))

    async def get(self, url: str) -> Image:
        rows = self.con.execute(load_sql("cover_source_get"), [url]).fetchall()
        if rows:
            kept = stored_image(self.con, rows[0][0])
            if kept is not None:
                return Image(rows[0][0], kept[1], kept[0])
        assert self._session is not None, "use `async with CatalogueImages(...)`"
        try:
            async with self._session.get(url) as resp:
                if resp.status != 200:
                    raise ImageError(f"the cover image {url} answered HTTP {resp.status}")
                data = await resp.content.read(MAX_IMAGE_BYTES + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ImageError(f"the cover image {url} could not be downloaded ({type(exc).__name__})") from exc
        if len(data) > MAX_IMAGE_BYTES:
            raise ImageError(f"the cover image {url} is larger than {MAX_IMAGE_BYTES // 1024**2} MB")
        ext = image_ext(data)
        if ext is None:
            raise ImageError(f"the cover image {url} is not a png, jpeg or webp image")
        digest = store_image(self.con, data, ext)
        self.con.execute(load_sql("cover_source_put"), [url, digest, now()])
        return Image(digest, ext, data)


async def read_cover(client: AbsClient, item_id: str) -> Image | None:
    """The item's cover as ABS stores it, or None when ABS serves no image for it."""
    data = await client.get_cover(item_id)
    if not data:
        return None
    return Image(sha256(data), image_ext(data) or "jpg", data)


def cover_path(item: dict[str, Any] | None) -> str | None:
    media = (item or {}).get("media")
    return (media.get("coverPath") or None) if isinstance(media, dict) else None


async def put_cover(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    run_id: str,
    flow: str,
    item_id: str,
    image: Image | None,
) -> tuple[str, dict[str, Any] | None, str | None, dict[str, Any] | None]:
    """Make ABS's cover of the item `image` (None: no cover) and read it back.

    Returns (status, what ABS holds now as a journal value, error, the item read back): status `ok`,
    `mismatch`, `missing` (ABS has no such item) or `failed` (ABS refused). AbsUnavailable propagates.
    """
    try:
        if image is None:
            await client.delete_cover(item_id)
        else:
            await client.upload_cover(item_id, image.data, f"cover.{image.ext}")
    except AbsUnavailable:
        raise
    except AbsNotFound:
        return "missing", None, "ABS has no such item (404)", None
    except AbsError as exc:
        record_error(
            con, run_id, flow, item_id, "abs_cover_failed", f"ABS refused the cover of {item_id}: {exc}"
        )
        return "failed", None, str(exc), None
    try:
        item = await client.get_item(item_id)
    except AbsNotFound:
        return "missing", None, "the item vanished from ABS before it could be read back", None
    path = cover_path(item)
    now_image = await read_cover(client, item_id) if path else None
    holds = now_image.describe(path) if now_image else ({"path": path} if path else None)
    if image is None:
        ok = path is None
    else:
        ok = path is not None and now_image is not None and now_image.sha256 == image.sha256
    return ("ok" if ok else "mismatch"), holds, None if ok else f"read back {holds}", item


async def write_covers(
    con: duckdb.DuckDBPyConnection,
    client: AbsClient,
    run_id: str,
    plans: list[Any],
    live: dict[str, dict[str, Any]],
    counts: dict[str, int],
    images: CatalogueImages,
    flow: str = "writeback",
) -> list[dict[str, Any]]:
    """Set the planned covers (field `cover` of ItemPlan.changes): keep the current image, journal the
    intent, upload, read back. Returns the items as read back (their updatedAt is our write's)."""

    def bump(key: str) -> None:
        counts[key] = counts.get(key, 0) + 1

    read_back = []
    for plan in plans:
        change = next((c for c in plan.changes if c.field == COVER), None)
        if change is None:
            continue
        item_id, url = plan.item_id, change.after["url"]
        try:
            target = await images.get(url)
        except ImageError as exc:
            message = f"{exc}; the cover of {item_id} was not set"
            record_error(con, run_id, flow, item_id, "cover_unavailable", message)
            log_rows(con, [log_row(run_id, item_id, COVER, change.before, {"url": url}, "failed", message)])
            bump("failed")
            continue
        path = cover_path(live.get(item_id))
        current = await read_cover(client, item_id) if path else None
        if path and current is None:
            message = (
                f"the cover ABS has for {item_id} ({path}) cannot be read, so it could not be put back: "
                "not replaced"
            )
            record_error(con, run_id, flow, item_id, "cover_unreadable", message)
            log_rows(con, [log_row(run_id, item_id, COVER, {"path": path}, {"url": url}, "refused", message)])
            bump("refused")
            continue
        if current is not None:
            store_image(con, current.data, current.ext)  # before anything replaces it
            if current.sha256 == target.sha256:
                bump("already_equal")
                continue
        before = current.describe(path) if current else None
        log_rows(con, [log_row(run_id, item_id, COVER, before, target.describe(None, url), "intent")])
        bump("covers_set")
        status, holds, error, item = await put_cover(con, client, run_id, flow, item_id, target)
        after = target.describe((holds or {}).get("path"), url)
        status = "verified" if status == "ok" else status
        log_rows(con, [log_row(run_id, item_id, COVER, before, after, status, error)])
        bump(status)
        if status == "verified":
            bump("covers_verified")
        if item is not None:
            read_back.append(item)
    return read_back


async def cover_holds(client: AbsClient, item: dict[str, Any], value: Any) -> bool:
    """True when ABS's cover of `item` is the journal value `value` (an image descriptor, or null)."""
    path = cover_path(item)
    if not isinstance(value, dict) or not value.get("sha256"):
        return path is None and not (isinstance(value, dict) and value.get("path"))
    if path is None:
        return False
    now_image = await read_cover(client, item["id"])
    return now_image is not None and now_image.sha256 == value["sha256"]
