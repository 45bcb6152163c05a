"""The expanded ABS 2.36 item every generator assembles: ids from the seeded generator, audio file
entries, library files, tracks and chapters, the item itself and its library.

The corpus and the generator families lay books out differently but build the same item shape from
that layout, so the shape lives here once.
"""

from __future__ import annotations

import copy
import gc
import json
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "abs-2.36.0"
_LIBRARY_ADDED_MS = 1_795_480_000_000

_FORMAT_INFO = {  # ext -> (ffprobe format, codec, mimeType, bitRate, timeBase, language)
    ".m4b": ("QuickTime / MOV", "aac", "audio/mp4", 64_000, "1/22050", "und"),
    ".m4a": ("QuickTime / MOV", "aac", "audio/mp4", 64_000, "1/22050", "und"),
    ".mp3": ("MP2/3 (MPEG audio layer 2/3)", "mp3", "audio/mpeg", 64_000, "1/14112000", None),
    ".flac": ("raw FLAC", "flac", "audio/flac", 320_000, "1/22050", None),
    ".ogg": ("Ogg", "vorbis", "audio/ogg", 48_000, "1/22050", None),
    ".opus": ("Ogg", "opus", "audio/ogg", 32_000, "1/48000", None),
}


def seeded_uuid(key: str) -> str:
    """A version-4 UUID that depends only on `key` (library and folder ids agree across calls)."""
    return str(uuid.UUID(int=random.Random(key).getrandbits(128), version=4))


class SeededIds:
    """Ids and inode numbers of one generated library, all from its seeded `rng`."""

    rng: random.Random
    ino: int
    library_id: str
    folder_id: str

    def uuid(self) -> str:
        # A version-4 UUID from the seeded RNG, formatted by hand (uuid.UUID is a hot spot at 50k items).
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"

    def next_ino(self) -> str:
        self.ino += 1 + self.rng.randrange(3)
        return str(self.ino)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Generation makes millions of small acyclic dicts: the cyclic GC would rescan them over and over
    (3x slower at 50k items), so it is off while they are made."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def file_metadata(name: str, ext: str, path: str, rel: str, size: int, ts: int) -> dict:
    return {
        "filename": name,
        "ext": ext,
        "path": path,
        "relPath": rel,
        "size": size,
        "mtimeMs": ts,
        "ctimeMs": ts,
        "birthtimeMs": ts - 500,
    }


def library_file(ino: str, metadata: dict, ts: int, file_type: str) -> dict:
    return {
        "ino": ino,
        "metadata": metadata,
        "isSupplementary": None,
        "addedAt": ts + 8000,
        "updatedAt": ts + 8000,
        "fileType": file_type,
    }


def audio_file(
    ids: SeededIds,
    path: str,
    rel: str,
    index: int,
    seconds: float,
    tags: dict,
    ts: int,
    disc: int | None,
    track: int | None,
) -> dict:
    """One `media.audioFiles` entry as ABS's probe records it (size from the format's bit rate)."""
    name = rel.rsplit("/", 1)[-1]
    ext = "." + name.rsplit(".", 1)[-1].lower()
    fmt, codec, mime, bitrate, time_base, lang = _FORMAT_INFO.get(ext, _FORMAT_INFO[".mp3"])
    size = int(seconds * bitrate / 8) + 4096
    return {
        "index": index,
        "ino": ids.next_ino(),
        "metadata": file_metadata(name, ext, path, rel, size, ts),
        "addedAt": ts + 9000,
        "updatedAt": ts + 9000,
        "trackNumFromMeta": int(tags["tagTrack"].split("/")[0]) if "tagTrack" in tags else None,
        "discNumFromMeta": int(tags["tagDisc"].split("/")[0]) if "tagDisc" in tags else None,
        "trackNumFromFilename": track,
        "discNumFromFilename": disc,
        "manuallyVerified": False,
        "exclude": False,
        "error": None,
        "format": fmt,
        "duration": round(seconds, 6),
        "bitRate": bitrate,
        "language": lang,
        "codec": codec,
        "timeBase": time_base,
        "channels": 1,
        "channelLayout": "mono",
        "chapters": [],
        "embeddedCoverArt": None,
        "metaTags": tags,
        "mimeType": mime,
    }


def audio_library_files(audio_files: list[dict], ts: int) -> list[dict]:
    return [library_file(af["ino"], dict(af["metadata"]), ts, "audio") for af in audio_files]


def tracks_and_chapters(item_id: str, audio_files: list[dict]) -> tuple[list[dict], list[dict], float]:
    """The item's tracks, one chapter per file when there are several, and the total duration."""
    chapters, tracks, offset = [], [], 0.0
    for i, af in enumerate(audio_files):
        track = dict(af)
        track.update(
            title=af["metadata"]["filename"],
            startOffset=round(offset, 6),
            contentUrl=f"/api/items/{item_id}/file/{af['ino']}",
        )
        tracks.append(track)
        if len(audio_files) > 1:
            title = af["metaTags"].get("tagTitle") or af["metadata"]["filename"].rsplit(".", 1)[0]
            chapters.append(
                {"id": i, "start": round(offset, 6), "end": round(offset + af["duration"], 6), "title": title}
            )
        offset += af["duration"]
    return tracks, chapters, offset


def even_chapters(duration: float, every: float) -> list[dict]:
    """Chapters of about `every` seconds across one file, as a chaptered single-file release has."""
    k = max(1, int(duration // every))
    step = duration / k
    return [
        {
            "id": c,
            "start": round(c * step, 6),
            "end": round(min(duration, (c + 1) * step), 6),
            "title": f"Chapter {c + 1}",
        }
        for c in range(k)
    ]


@dataclass
class ItemDraft:
    """An item being assembled: its id, where it lies, when it was made, and the files found there."""

    item_id: str
    path: str
    rel: str
    is_file: bool
    ts: int
    audio_files: list[dict] = field(default_factory=list)
    side_files: list[dict] = field(default_factory=list)  # library files besides the audio (cover, text)
    cover_path: str | None = None

    @classmethod
    def start(cls, ids: SeededIds, folder: str, rel: str, is_file: bool, base_ms: int) -> ItemDraft:
        item_id = ids.uuid()
        path = f"{folder}/{rel}" if folder != "/" else f"/{rel}"
        return cls(item_id, path, rel, is_file, base_ms + ids.rng.randrange(2_000_000_000))

    def file_path(self, rel: str) -> str:
        """Where a file of the item lies (a single-file item is its own file)."""
        return self.path if self.is_file else f"{self.path}/{rel}"

    def add_side_file(self, ids: SeededIds, name: str, size: int, file_type: str) -> None:
        ext = "." + name.rsplit(".", 1)[-1].lower()
        meta = file_metadata(name, ext, f"{self.path}/{name}", name, size, self.ts)
        self.side_files.append(library_file(ids.next_ino(), meta, self.ts, file_type))
        if name == "cover.jpg":
            self.cover_path = meta["path"]


def expanded_item(
    ids: SeededIds,
    draft: ItemDraft,
    *,
    updated: int,
    metadata: dict,
    last_scan: int,
    chapter_every: float = 0,
) -> dict:
    """The item as `GET /api/items/:id?expanded=1` shows it (the fixtures' key set and order).

    With `chapter_every`, a single-file item gets chapters of about that many seconds."""
    item_id, audio_files, ts = draft.item_id, draft.audio_files, draft.ts
    tracks, chapters, duration = tracks_and_chapters(item_id, audio_files)
    if chapter_every and len(audio_files) == 1:
        chapters = even_chapters(duration, chapter_every)
    library_files = audio_library_files(audio_files, ts) + draft.side_files
    n = len(audio_files)
    ino = audio_files[0]["ino"] if draft.is_file else ids.next_ino()
    media_id = ids.uuid()
    return {
        "id": item_id,
        "ino": ino,
        "oldLibraryItemId": None,
        "libraryId": ids.library_id,
        "folderId": ids.folder_id,
        "path": draft.path,
        "relPath": draft.rel,
        "isFile": draft.is_file,
        "mtimeMs": ts,
        "ctimeMs": ts,
        "birthtimeMs": ts - 700,
        "addedAt": ts + 9500,
        "updatedAt": updated,
        "isMissing": False,
        "isInvalid": False,
        "mediaType": "book",
        "media": {
            "id": media_id,
            "metadata": metadata,
            "coverPath": draft.cover_path,
            "tags": [],
            "numTracks": n,
            "numAudioFiles": n,
            "numChapters": len(chapters),
            "duration": round(duration, 6),
            "size": sum(af["metadata"]["size"] for af in audio_files),
            "libraryItemId": item_id,
            "audioFiles": audio_files,
            "chapters": chapters,
            "ebookFile": None,
            "tracks": tracks,
        },
        "numFiles": len(library_files),
        "size": sum(lf["metadata"]["size"] for lf in library_files),
        "lastScan": last_scan,
        "scanVersion": "2.36.0",
        "libraryFiles": library_files,
    }


def library_dict(library_id: str, folder_id: str, folder: str, name: str) -> dict:
    """The recorded library, renamed, with one folder; the watcher is off (nothing rescans on its own)."""
    lib = json.loads((DATA_DIR / "get_library.json").read_text())["response"]
    lib = copy.deepcopy(lib)
    lib["id"], lib["name"] = library_id, name
    lib["folders"] = [
        {"id": folder_id, "fullPath": folder, "libraryId": library_id, "addedAt": _LIBRARY_ADDED_MS}
    ]
    lib["settings"]["disableWatcher"] = True
    return lib
