"""An Audiobookshelf 2.36.0 emulator (aiohttp) for tests, benchmarks and the demo.

It serves a list of EXPANDED item dicts (the shape of `emulators/data/abs-2.36.0/get_item_expanded_*.json`
→ `response`) with the response shapes and quirks recorded from a real ABS 2.36.0 server:

- auth: `Authorization: Bearer <key>` or `?token=<key>`; no/bad key → 401 text "Unauthorized";
- reads: `/api/libraries[/:id]`, `/api/libraries/:id/items` (the *minified* list shape; `limit=0` = all,
  `page`, `sort`, `desc`, `filter=missing.<base64>`; an un-encoded filter value matches everything),
  `/api/items/:id[?expanded=1]`, `POST /api/items/batch/get` (unknown ids silently dropped);
- writes: `PATCH /api/items/:id/media` and `POST /api/items/batch/update` with ABS's observed rules
  (`updated` absent when nothing changed, wrong types silently ignored, numeric series sequence → null,
  whole batch 404 on one unknown id, updatedAt bump);
- crashes: payloads that kill real ABS (`authors:[null]`, `series:[null]`, a batch element without a
  `mediaPayload`, a series name holding U+0000) drop the connection and the server stops listening
  until `restart()`. The U+0000 crash comes after ABS saved the item's other fields (observed on
  2.36: `SQLITE_ERROR: unrecognized token`): they stay changed, `updatedAt` does not move;
- files: `GET /api/items/:id/file/:ino` with HTTP Range, from `audio_root` (the library folder on disk);
- covers (LibraryItemController uploadCover/updateCover/removeCover/getCover, CoverManager in 2.36.0),
  over an in-memory server disk `server_files` (path → bytes; a `coverPath` the scanner found is there
  with stand-in jpeg bytes, or read from `audio_root` when it maps):
  `POST /api/items/:id/cover` takes a multipart field `cover` (the type is the file name's extension:
  png/jpg/jpeg/webp, else 400 "Invalid image type .x (Supported: png,jpg,jpeg,webp)"; the bytes are not
  checked) or JSON `{"url"}` (downloaded; the SSRF filter refuses loopback and private hosts unless
  `ssrf_whitelist` names the host or `ssrf_filter=False` — 400 "Failed to download image from url"; the
  bytes must be a png/jpeg/webp by their magic: not an image → 400 "Invalid image", another image type →
  400 "Invalid image type gif (Supported: …)"), neither → 400 "Invalid request no file or url"; it stores
  `cover.<ext>` in the cover folder (`<metadata_path>/items/<id>`, or the item folder with
  `store_cover_with_item` for a non-single-file item), removes the folder's other `cover.*` images, sets
  `coverPath`, bumps updatedAt → `{success: true, cover: <path>}`.
  `PATCH …/cover {"cover": path}`: no path → 400; an http(s) URL → 500 "Invalid cover path"; the current
  path → `{success, cover}` with nothing changed; a path not on the disk → 500 "Cover path does not
  exist"; not an image or an unsupported type → 500 with the same errors as for a URL; outside the cover
  folder → copied in as `cover.<ext>` and that copy becomes `coverPath`. `DELETE …/cover` clears
  `coverPath` (the file stays) → 200 "OK".
  `GET …/cover` needs no auth; `raw=1` sends the stored bytes, 404 without a cover or its file (without
  `raw` real ABS sends a resized webp/jpeg; the emulator sends the stored bytes then too).
  POST and PATCH need the update permission and DELETE the delete permission: `readonly_keys` have neither.

Malformed items (missing `media`, nulls in lists, wrong types) are just data here: the emulator serves
them as they are, like a server whose database holds odd values, and never fails on them.

Fault knobs: `drop_connection_on` (request numbers, 1-based) / `drop_paths` (path prefixes),
`delay_seconds`, `fail_next(n, status)` (a 5xx burst), `fail_ids` (items whose reads answer 500).
Use `run_abs_emulator(items, ...)` from sync code: it runs the server on its own loop in a thread.

Modules: `server` (the emulator, its route table and lifecycle), `routes` (server, libraries and reads), `writes` (item
writes and their rules), `covers`, `faults` (fault knobs and crashes), `state` (what the routes share),
`shapes` (the JSON shapes), `fixtures` (the recorded items), `__main__` (`python -m emulators.abs`).
"""

from emulators.abs.common import ROUTER_BASE_PATH, SERVER_VERSION
from emulators.abs.covers import image_type, stand_in_jpeg
from emulators.abs.fixtures import (
    FIXTURES,
    TRUE_TITLES,
    clone_fixture_items,
    fixture_items,
    fixture_library,
    load_items,
)
from emulators.abs.server import AbsEmulator, run_abs_emulator
from emulators.abs.shapes import default_library, minified, old_json, refresh_derived

__all__ = [
    "FIXTURES",
    "ROUTER_BASE_PATH",
    "SERVER_VERSION",
    "TRUE_TITLES",
    "AbsEmulator",
    "clone_fixture_items",
    "default_library",
    "fixture_items",
    "fixture_library",
    "image_type",
    "load_items",
    "minified",
    "old_json",
    "refresh_derived",
    "run_abs_emulator",
    "stand_in_jpeg",
]
