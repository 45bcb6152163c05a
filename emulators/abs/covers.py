"""The cover routes of the ABS emulator (LibraryItemController uploadCover/updateCover/removeCover/getCover
and CoverManager in ABS 2.36.0), over an in-memory server disk `server_files` (path → bytes).

A `coverPath` the scanner found is on that disk with stand-in jpeg bytes. `POST /api/items/:id/cover`
takes a multipart field `cover` (the type is the file name's extension, the bytes are not checked) or
JSON `{"url"}` (downloaded through ABS's SSRF filter, then checked by magic bytes); it stores
`cover.<ext>` in the cover folder, removes the folder's other `cover.*` images and sets `coverPath`.
`PATCH …/cover {"cover": path}` points at a file already on the disk (copied into the cover folder when
it lies outside); `DELETE …/cover` clears `coverPath` and leaves the file. `GET …/cover` needs no auth.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from emulators.abs.common import json_response, media_of, now_ms, num, text
from emulators.abs.state import AbsState

COVER_ROUTE = re.compile(r"/api/items/[^/]+/cover")
_SUPPORTED_IMAGE_EXTS = ("png", "jpg", "jpeg", "webp")
_IMAGE_EXTS = (".jpeg", ".jpg", ".png", ".webp", ".jiff")  # CoverManager.removeOldCovers


# ABS's vendored image-type over file-type (server/libs/imageType): the signatures of the image types it
# keeps, in file-type's order (cr2 before tif, as there). A row matches when every (offset, bytes) run stands
# in the chunk; webp is known by "WEBP" at offset 8 alone. The rarer types (bpg, jp2, heic, dcm) are left
# out: the emulator calls them "Invalid image" where ABS names their type — a refusal either way.
_IMAGE_SIGNATURES: tuple[tuple[str, tuple[tuple[int, bytes], ...]], ...] = (
    ("jpg", ((0, b"\xff\xd8\xff"),)),
    ("png", ((0, b"\x89PNG\r\n\x1a\n"),)),
    ("gif", ((0, b"GIF"),)),
    ("webp", ((8, b"WEBP"),)),
    ("flif", ((0, b"FLIF"),)),
    ("cr2", ((0, b"II*\x00"), (8, b"CR"))),
    ("cr2", ((0, b"MM\x00*"), (8, b"CR"))),
    ("tif", ((0, b"II*\x00"),)),
    ("tif", ((0, b"MM\x00*"),)),
    ("bmp", ((0, b"BM"),)),
    ("jxr", ((0, b"II\xbc"),)),
    ("psd", ((0, b"8BPS"),)),
    ("ico", ((0, b"\x00\x00\x01\x00"),)),
    ("cur", ((0, b"\x00\x00\x02\x00"),)),
)


def image_type(data: bytes) -> str | None:
    """The `ext` CoverManager.checkFileIsValidImage gets from image-type for a file, or None (not an image).

    Any image type may come back; whether ABS takes it is the caller's check against SupportedImageTypes."""
    chunk = data[:12]  # readChunk(imagepath, 0, 12)
    if len(chunk) < 2:
        return None
    for ext, runs in _IMAGE_SIGNATURES:
        if all(chunk[at : at + len(run)] == run for at, run in runs):
            return ext
    return None


def _checked_image(data: bytes) -> tuple[str | None, str]:
    """CoverManager.checkFileIsValidImage: the image's type, or None and the error ABS answers with."""
    kind = image_type(data)
    if kind is None:
        return None, "Invalid image"
    if kind not in _SUPPORTED_IMAGE_EXTS:
        return None, f"Invalid image type {kind} (Supported: {','.join(_SUPPORTED_IMAGE_EXTS)})"
    return kind, ""


def stand_in_jpeg(path: str) -> bytes:
    """Bytes for a cover file the scanner found (jpeg magic, then a digest of the path): distinct per file."""
    return b"\xff\xd8\xff\xe0" + hashlib.sha256(path.encode()).digest() + b"\xff\xd9"


def _blocked_host(host: str) -> bool:
    """ssrf-req-filter's refusal: loopback, private, link-local and unspecified addresses."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_reserved


class CoverRoutes(AbsState):
    server_files: dict[str, bytes]
    metadata_path: str
    store_cover_with_item: bool
    ssrf_filter: bool
    ssrf_whitelist: set[str]

    def _register_cover_file(self, item: dict) -> None:
        path = media_of(item).get("coverPath")
        if isinstance(path, str) and path and path not in self.server_files:
            self.server_files[path] = stand_in_jpeg(path)

    def _cover_dir(self, item: dict) -> str:
        if self.store_cover_with_item and not item.get("isFile") and isinstance(item.get("path"), str):
            return item["path"]
        return f"{self.metadata_path}/items/{item['id']}"

    def _save_cover(self, item: dict, data: bytes, ext: str) -> str:
        folder = self._cover_dir(item)
        path = f"{folder}/cover.{ext}"
        for other in list(self.server_files):
            stem, _, suffix = PurePosixPath(other).name.rpartition(".")
            same_folder = str(PurePosixPath(other).parent) == folder
            if (
                same_folder
                and stem.lower() == "cover"
                and f".{suffix.lower()}" in _IMAGE_EXTS
                and other != path
            ):
                del self.server_files[other]
        self.server_files[path] = data
        return path

    def _set_cover_path(self, item: dict, path: str | None) -> None:
        item.setdefault("media", {})["coverPath"] = path
        item["updatedAt"] = max(now_ms(), int(num(item.get("updatedAt"))) + 1)
        self._invalidate(item["id"])

    async def get_cover(self, request: web.Request) -> web.Response:
        item = self.items.get(request.match_info["iid"])
        path = media_of(item).get("coverPath") if item else None
        data = self.server_files.get(path) if isinstance(path, str) else None
        if data is None:
            return text(404, "Not Found")
        kind = image_type(data) or "jpeg"
        return web.Response(body=data, content_type=f"image/{'jpeg' if kind == 'jpg' else kind}")

    async def upload_cover(self, request: web.Request) -> web.Response:
        item = self._item_to_change(request)
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            upload = form.get("cover")
            if not isinstance(upload, web.FileField):
                return text(400, "Invalid request no file or url")
            ext = PurePosixPath(upload.filename.lower()).suffix
            if not ext or ext[1:] not in _SUPPORTED_IMAGE_EXTS:
                return text(400, f"Invalid image type {ext} (Supported: {','.join(_SUPPORTED_IMAGE_EXTS)})")
            path = self._save_cover(item, upload.file.read(), ext[1:])
        else:
            body = await self._body(request)
            url = body.get("url") if isinstance(body, dict) else None
            if not url:
                return text(400, "Invalid request no file or url")
            data = await self._download(str(url))
            if data is None:
                return text(400, "Failed to download image from url")
            kind, error = _checked_image(data)
            if kind is None:
                return text(400, error)
            path = self._save_cover(item, data, kind)
        self._set_cover_path(item, path)
        return json_response({"success": True, "cover": path})

    async def _download(self, url: str) -> bytes | None:
        host = urlsplit(url).hostname or ""
        if self.ssrf_filter and host not in self.ssrf_whitelist and _blocked_host(host):
            return None  # real ABS logs "Call to <ip> is blocked" and answers the download failure
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
                session.get(url) as resp,
            ):
                return await resp.read() if resp.status == 200 else None
        except (aiohttp.ClientError, TimeoutError):
            return None

    async def update_cover(self, request: web.Request) -> web.Response:
        item = self._item_to_change(request)
        body = await self._body(request)
        path = body.get("cover") if isinstance(body, dict) else None
        if not path or not isinstance(path, str):
            return text(400, "Invalid request no cover path")
        if path.startswith(("http:", "https:")):
            return text(500, "Invalid cover path")
        path = path.replace("\\", "/")
        if media_of(item).get("coverPath") == path:
            return json_response({"success": True, "cover": path})
        data = self.server_files.get(path)
        if data is None:
            return text(500, "Cover path does not exist")
        kind, error = _checked_image(data)
        if kind is None:
            return text(500, error)
        if not path.startswith(self._cover_dir(item)):
            path = self._save_cover(item, data, kind)  # copied into the cover folder
        self._set_cover_path(item, path)
        return json_response({"success": True, "cover": path})

    async def remove_cover(self, request: web.Request) -> web.Response:
        item = self._item_to_change(request)
        if media_of(item).get("coverPath"):
            self._set_cover_path(item, None)
        return text(200, "OK")
