"""Short real audio files with real tags, for tests, the corpus generator and the demo.

`silent_file()` encodes a few seconds of silence with ffmpeg into the container named by the file's
extension (m4b/m4a, mp3, flac, ogg, opus, wma); one encode per (format, length) is cached and copied, so a
library of hundreds of files costs a handful of ffmpeg runs. `write_tags()` writes metaTags-style
values (`tagAlbum`, `tagArtist`, ..., plus `tagNarrator`) with mutagen in each format's audiobook
conventions, the same ones `tasks.evidence.read_file_tags()` reads back:

- MP4: ©alb ©nam ©ART aART ©wrt (composer) ©nrt (narrator) ©grp ©day ©gen desc, and freeform
  `----:com.apple.iTunes:` ASIN / ISBN / SERIES / SERIES-PART / PUBLISHER / LANGUAGE / SUBTITLE.
- ID3 (mp3): TALB TIT2 TIT3 TPE1 TPE2 TCOM TCON TDRC TPUB TLAN GRP1 MVNM/MVIN, TXXX:ASIN / ISBN /
  NARRATOR / SERIES / SERIES-PART.
- ASF (wma), the attribute names Windows Media Player writes: Title Author WM/AlbumTitle WM/AlbumArtist
  WM/Composer WM/Genre WM/Year WM/Publisher WM/TrackNumber WM/PartOfSet Description.
- Vorbis comments (flac, ogg, opus): ALBUM TITLE ARTIST ALBUMARTIST COMPOSER NARRATOR SERIES
  SERIES-PART ASIN ISBN DATE PUBLISHER GROUPING GENRE LANGUAGE SUBTITLE.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

FORMATS = {  # extension -> ffmpeg arguments for a small, valid file
    ".m4b": ["-c:a", "aac", "-b:a", "24k", "-f", "mp4", "-movflags", "+faststart"],
    ".m4a": ["-c:a", "aac", "-b:a", "24k", "-f", "mp4", "-movflags", "+faststart"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "32k", "-id3v2_version", "0"],
    ".flac": ["-c:a", "flac"],
    ".ogg": ["-c:a", "libvorbis", "-q:a", "0"],
    ".opus": ["-c:a", "libopus", "-b:a", "16k"],
    ".wma": ["-c:a", "wmav2", "-b:a", "32k", "-f", "asf"],
}

_cache_dir: Path | None = None
_cache_lock = threading.Lock()


class AudioToolMissing(RuntimeError):
    """ffmpeg is not installed."""


def _template(ext: str, seconds: float) -> Path:
    global _cache_dir
    with _cache_lock:
        if _cache_dir is None:
            _cache_dir = Path(tempfile.mkdtemp(prefix="shelfmatch-silence-"))
        path = _cache_dir / f"silence-{seconds:.2f}{ext}"
        if not path.exists():
            ffmpeg = shutil.which("ffmpeg")
            if ffmpeg is None:
                raise AudioToolMissing(
                    "ffmpeg is needed to write audio files; install it (apt-get install ffmpeg)"
                )
            tmp = path.with_name("tmp-" + path.name)
            args = [ffmpeg, "-y", "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono"]
            args += ["-t", f"{seconds:.3f}", "-map_metadata", "-1", *FORMATS[ext], str(tmp)]
            proc = subprocess.run(args, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RuntimeError(f"ffmpeg could not write {ext} silence: {proc.stderr.strip()[-300:]}")
            _strip_tags(tmp)
            tmp.replace(path)
        return path


def _strip_tags(path: Path) -> None:
    import mutagen

    audio = mutagen.File(path)
    if audio is not None and audio.tags:
        audio.delete()


def silent_file(path: str | Path, seconds: float = 1.0) -> Path:
    """A real, tag-free audio file of `seconds` of silence at `path` (format from the extension)."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise ValueError(f"cannot write {path.name}: supported extensions are {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template(ext, seconds), path)
    return path


_MP4_KEYS = {
    "tagAlbum": "©alb",
    "tagTitle": "©nam",
    "tagArtist": "©ART",
    "tagAlbumArtist": "aART",
    "tagComposer": "©wrt",
    "tagNarrator": "©nrt",
    "tagGrouping": "©grp",
    "tagDate": "©day",
    "tagGenre": "©gen",
    "tagDescription": "desc",
    "tagComment": "©cmt",
}
_MP4_FREEFORM = {
    "tagASIN": "ASIN",
    "tagIsbn": "ISBN",
    "tagSeries": "SERIES",
    "tagSeriesPart": "SERIES-PART",
    "tagPublisher": "PUBLISHER",
    "tagLanguage": "LANGUAGE",
    "tagSubtitle": "SUBTITLE",
}
_ID3_FRAMES = {
    "tagAlbum": "TALB",
    "tagTitle": "TIT2",
    "tagSubtitle": "TIT3",
    "tagArtist": "TPE1",
    "tagAlbumArtist": "TPE2",
    "tagComposer": "TCOM",
    "tagGenre": "TCON",
    "tagDate": "TDRC",
    "tagPublisher": "TPUB",
    "tagLanguage": "TLAN",
    "tagGrouping": "GRP1",
    "tagSeries": "MVNM",
    "tagSeriesPart": "MVIN",
}
_ID3_TXXX = {
    "tagASIN": "ASIN",
    "tagIsbn": "ISBN",
    "tagNarrator": "NARRATOR",
    "tagSeries": "SERIES",
    "tagSeriesPart": "SERIES-PART",
}
_ASF = {
    "tagTitle": "Title",
    "tagArtist": "Author",
    "tagAlbum": "WM/AlbumTitle",
    "tagAlbumArtist": "WM/AlbumArtist",
    "tagComposer": "WM/Composer",
    "tagGenre": "WM/Genre",
    "tagDate": "WM/Year",
    "tagPublisher": "WM/Publisher",
    "tagComment": "Description",
}
_VORBIS = {
    "tagAlbum": "ALBUM",
    "tagTitle": "TITLE",
    "tagSubtitle": "SUBTITLE",
    "tagArtist": "ARTIST",
    "tagAlbumArtist": "ALBUMARTIST",
    "tagComposer": "COMPOSER",
    "tagNarrator": "NARRATOR",
    "tagSeries": "SERIES",
    "tagSeriesPart": "SERIES-PART",
    "tagASIN": "ASIN",
    "tagIsbn": "ISBN",
    "tagDate": "DATE",
    "tagPublisher": "PUBLISHER",
    "tagGrouping": "GROUPING",
    "tagGenre": "GENRE",
    "tagLanguage": "LANGUAGE",
    "tagDescription": "DESCRIPTION",
    "tagComment": "COMMENT",
}


def write_tags(path: str | Path, tags: dict[str, str]) -> Path:
    """Write metaTags-style `tags` into the file at `path` (replacing any tags it had)."""
    import mutagen
    from mutagen import id3
    from mutagen.mp4 import MP4, MP4FreeForm

    path = Path(path)
    values = {k: str(v) for k, v in tags.items() if v not in (None, "")}
    ext = path.suffix.lower()
    if ext in (".m4b", ".m4a", ".mp4"):
        atoms: dict[str, list[Any]] = {}
        for key, value in values.items():
            if key in _MP4_KEYS:
                atoms[_MP4_KEYS[key]] = [value]
            elif key in _MP4_FREEFORM:
                atoms[f"----:com.apple.iTunes:{_MP4_FREEFORM[key]}"] = [MP4FreeForm(value.encode("utf-8"))]
        _replace_tags(MP4(path), atoms)
    elif ext == ".mp3":
        tag = id3.ID3()
        for key, value in values.items():
            if key in _ID3_FRAMES:
                frame = getattr(id3, _ID3_FRAMES[key])
                tag.add(frame(encoding=3, text=[value]))
            if key in _ID3_TXXX:
                tag.add(id3.TXXX(encoding=3, desc=_ID3_TXXX[key], text=[value]))
            if key == "tagComment":
                tag.add(id3.COMM(encoding=3, lang="eng", desc="", text=[value]))
        tag.save(path, v2_version=4)
    elif ext == ".wma":
        from mutagen.asf import ASF

        _replace_tags(ASF(path), {_ASF[key]: [value] for key, value in values.items() if key in _ASF})
    else:
        audio = mutagen.File(path)
        if audio is None:
            raise ValueError(f"cannot tag {path}: not an audio file mutagen recognises")
        _replace_tags(audio, {_VORBIS[key]: [value] for key, value in values.items() if key in _VORBIS})
    return path


def _replace_tags(audio: Any, tags: dict[str, list[Any]]) -> None:
    """Clear a mutagen file's tags (adding a tag block if it has none), put `tags` in, and save."""
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    for name, values in tags.items():
        audio.tags[name] = values
    audio.save()


def corrupt_file(path: str | Path, ext_like: str = ".m4b", size: int = 4096, seed: int = 0) -> Path:
    """A file named like audio whose bytes are not audio (for TagReadError and listen error tests)."""
    import random

    rng = random.Random(seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {".m4b": b"\x00\x00\x00\x20ftypM4B ", ".mp3": b"ID3\x04\x00\x00\x00\x00\x7f\x7f", ".flac": b"fLaC"}
    path.write_bytes(head.get(ext_like, b"") + rng.randbytes(size))
    return path
