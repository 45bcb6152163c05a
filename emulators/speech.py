"""Real audiobook audio for tests, benchmarks and the demo: espeak-ng speech, sox music/noise, ffmpeg encoding.

Nothing here is a recording of a real book: a "book" is a short sequence of segments (spoken credits,
filler prose, silence, music, noise) rendered to one 22.05 kHz mono WAV and encoded by ffmpeg to the
container ABS libraries hold (m4b/m4a, mp3, flac, ogg, opus) with every tag stripped, so the only way
to learn what the book is, is to listen to it. Also: m4b with the `moov` atom at the end (what ffmpeg
writes without `+faststart`, and what some rippers produce) and corrupt files.

Needs the `espeak-ng`, `sox` and `ffmpeg` executables (`make setup` installs them).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import mutagen

from emulators.abs_scanner import empty_book_metadata

SAMPLE_RATE = 22050  # espeak-ng's native rate; ffmpeg resamples per codec where needed
WORDS_PER_MINUTE = 140
# A male US voice, a little slow, with a short gap between words: what tiny.en reads most reliably
# among espeak-ng's voices (names and "book one" survive; see docs/benchmarks.md).
VOICE = "en-us+m3"
WORD_GAP = 4  # espeak-ng -g, in 10 ms units

# Spelled here, not imported from the product: test data never shares code with the parser it tests.
_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
)  # fmt: skip

# Plain prose for the body of a "chapter": no names, titles or credit phrases, so it never looks like credits.
_FILLER = (
    "The rain had not stopped for three days and the river was rising along the old stone wall.",
    "She walked down to the harbour before dawn, when the boats were still dark and quiet.",
    "Nobody in the village could remember a winter as long as this one had been.",
    "He counted the coins twice, then put them back into the small wooden box under the bed.",
    "The road climbed slowly through the pine trees until the valley opened below them.",
    "There was a letter on the kitchen table, folded once, with no name on the outside.",
    "By the time the lamps were lit, the market square was nearly empty.",
    "The old dog followed them as far as the bridge and then sat down to watch them go.",
    "It was the kind of silence that makes you listen for something you cannot name.",
    "They ate bread and cheese on the steps of the chapel while the bells rang noon.",
    "The wind changed in the afternoon and brought the smell of salt from the sea.",
    "Every door on the street was painted a different colour, and every one was closed.",
    "The clock in the hall had stopped at a quarter past four, and nobody had wound it since.",
    "A cart went by slowly, loaded with barrels, its wheels loud on the wet cobbles.",
    "She kept the map folded inside her coat, close to her heart, where it would stay dry.",
    "In the morning the frost lay white on the fields and the sky was very clear.",
)

FORMATS = {  # extension -> ffmpeg codec arguments (tags are stripped separately)
    ".m4b": ["-c:a", "aac", "-b:a", "48k", "-f", "mp4"],
    ".m4a": ["-c:a", "aac", "-b:a", "48k", "-f", "mp4"],
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "48k", "-id3v2_version", "0", "-write_xing", "1"],
    ".flac": ["-c:a", "flac"],
    ".ogg": ["-c:a", "libvorbis", "-q:a", "2"],
    ".opus": ["-c:a", "libopus", "-b:a", "32k"],
    ".wma": ["-c:a", "wmav2", "-b:a", "48k", "-f", "asf"],
}


class SpeechToolMissing(RuntimeError):
    """espeak-ng, sox or ffmpeg is not installed."""


@dataclass(frozen=True)
class Segment:
    """One piece of a book's audio: `speech` (text), `silence`, `music` or `noise` (seconds)."""

    kind: str
    text: str = ""
    seconds: float = 0.0


def speech(text: str) -> Segment:
    return Segment("speech", text=text)


def silence(seconds: float) -> Segment:
    return Segment("silence", seconds=seconds)


def music(seconds: float) -> Segment:
    return Segment("music", seconds=seconds)


def noise(seconds: float) -> Segment:
    return Segment("noise", seconds=seconds)


def number_words(n: float | int | None) -> str:
    """`1` -> "one" as a narrator says it; fractions and large numbers stay digits."""
    if n is None:
        return ""
    if float(n).is_integer() and 0 <= int(n) < len(_NUMBER_WORDS):
        return _NUMBER_WORDS[int(n)]
    return f"{n:g}"


@dataclass(frozen=True)
class Credited:
    """The book a recording's credits name, as a narrator reads them (every layout speaks the same one)."""

    title: str = ""
    author: str = ""
    narrator: str | None = None
    series: str | None = None
    position: float | None = None
    publisher: str | None = None
    audible: bool = True  # the "This is Audible." opener and the Audible closer


def intro_credits(book: Credited) -> str:
    """The opening credits in the common Audible shape (matching-peers.md §6.1)."""
    parts = ["This is Audible." if book.audible else ""]
    lead = f"{book.publisher} presents " if book.publisher else ""
    series_part = (
        f", {book.series} book {number_words(book.position)}"
        if book.series and book.position is not None
        else ""
    )
    parts.append(f"{lead}{book.title}{series_part}, written by {book.author}.")
    if book.narrator:
        parts.append(f"Narrated by {book.narrator}.")
    return " ".join(p for p in parts if p)


def outro_credits(book: Credited) -> str:
    text = f"This has been {book.title}, written by {book.author}."
    if book.narrator:
        text += f" Narrated by {book.narrator}."
    if book.audible:
        text += " Audible hopes you have enjoyed this program."
    return text


def filler_text(seconds: float, seed: int = 0) -> str:
    """About `seconds` of spoken prose (at espeak-ng's rate), deterministic for a seed."""
    rng = random.Random(seed)
    words_needed = seconds * WORDS_PER_MINUTE / 60.0
    sentences, words = [], 0
    while words < words_needed:
        sentence = rng.choice(_FILLER)
        sentences.append(sentence)
        words += len(sentence.split())
    return " ".join(sentences)


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SpeechToolMissing(f"`{tool}` is not installed; run `make setup` (apt: ffmpeg espeak-ng sox).")
    return path


def _run(args: list[str]) -> None:
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")


def _render_segment(segment: Segment, wav_path: Path, voice: str, wpm: int) -> None:
    if segment.kind == "speech":
        _run(
            [
                _require("espeak-ng"),
                "-v",
                voice,
                "-s",
                str(wpm),
                "-g",
                str(WORD_GAP),
                "-w",
                str(wav_path),
                segment.text,
            ]
        )
        return
    sox = _require("sox")
    # -R: repeatable (noise seeded the same every run); -D: no dither — sox otherwise adds random
    # dither when writing 16 bits, so "silence" is faint noise that differs on every render and tips
    # tiny.en between "Mistborn book one" and "missed foreign book when" from run to run.
    common = [
        sox,
        "-R",
        "-D",
        "-n",
        "-r",
        str(SAMPLE_RATE),
        "-b",
        "16",
        "-c",
        "1",
        str(wav_path),
        "synth",
        f"{segment.seconds:.3f}",
    ]
    if segment.kind == "silence":
        _run([*common, "sine", "0", "vol", "0"])
    elif segment.kind == "music":  # a C-major chord with tremolo: tonal, speech-free
        _run([*common, "sine", "261.6", "sine", "329.6", "sine", "392", "tremolo", "3", "60", "vol", "0.4"])
    elif segment.kind == "noise":
        _run([*common, "pinknoise", "vol", "0.2"])
    else:
        raise ValueError(f"unknown segment kind {segment.kind!r} (speech, silence, music, noise)")


def render_wav(
    segments: Sequence[Segment], wav_path: Path, voice: str = VOICE, wpm: int = WORDS_PER_MINUTE
) -> float:
    """Render segments into one mono 16-bit WAV; returns its duration in seconds."""
    wav_path = Path(wav_path)
    frames = bytearray()
    with tempfile.TemporaryDirectory(prefix="shelfmatch-speech-") as tmp:
        for i, segment in enumerate(segments):
            part = Path(tmp) / f"{i:03d}.wav"
            _render_segment(segment, part, voice, wpm)
            with wave.open(str(part), "rb") as w:
                if w.getframerate() != SAMPLE_RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
                    raise RuntimeError(f"unexpected WAV format from {segment.kind}: {w.getparams()}")
                frames += w.readframes(w.getnframes())
    with wave.open(str(wav_path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(bytes(frames))
    return len(frames) / 2 / SAMPLE_RATE


def encode(wav_path: Path, out_path: Path, moov_at_end: bool = False) -> Path:
    """Encode a WAV to the container named by `out_path`'s extension, with no tags at all.

    mp4 (m4b/m4a): `moov` first (`+faststart`, how most shops ship) unless `moov_at_end` (ffmpeg's default
    layout, so a reader must seek to the end of the file before it can decode anything).
    """
    out_path = Path(out_path)
    ext = out_path.suffix.lower()
    if ext not in FORMATS:
        raise ValueError(f"cannot encode {out_path.name}: supported extensions are {', '.join(FORMATS)}")
    args = [_require("ffmpeg"), "-y", "-loglevel", "error", "-i", str(wav_path), "-map_metadata", "-1"]
    args += ["-fflags", "+bitexact", "-flags:a", "+bitexact", *FORMATS[ext]]
    if ext in (".m4b", ".m4a") and not moov_at_end:
        args += ["-movflags", "+faststart"]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    _run([*args, str(out_path)])
    # Encoders still leave their own name behind (Vorbis/Opus `encoder` comments): strip every tag.
    tagged = mutagen.File(out_path)
    if tagged is not None and tagged.tags:
        tagged.delete()
    return out_path


def synthesise(
    segments: Sequence[Segment], out_path: Path, moov_at_end: bool = False, voice: str = VOICE
) -> Path:
    """Segments -> an encoded, tag-free audio file at `out_path`."""
    with tempfile.TemporaryDirectory(prefix="shelfmatch-speech-") as tmp:
        wav = Path(tmp) / "book.wav"
        render_wav(segments, wav, voice=voice)
        return encode(wav, out_path, moov_at_end=moov_at_end)


def corrupt(out_path: Path, like: Path | None = None, seed: int = 0) -> Path:
    """A file that claims to be audio and is not: a real file's first 64 bytes (its magic) then random bytes.

    Without `like`, pure random bytes. Either way no decoder can get audio out of it.
    """
    rng = random.Random(seed)
    head = Path(like).read_bytes()[:64] if like else b""
    body = bytes(rng.getrandbits(8) for _ in range(16_384))
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(head + body)
    return out_path


def book_segments(
    layout: str, book: Credited = Credited(), body_seconds: float = 30.0, seed: int = 0
) -> list[Segment]:
    """The segments of a typical book of one layout:

    - `intro`: spoken credits, then `body_seconds` of prose (the common case);
    - `outro`: a cold open straight into prose (`body_seconds`), closing credits at the very end;
    - `music` / `noise`: no speech at all (a soundtrack or a hiss) - nothing to identify;
    - `prose`: speech without any credits.
    """
    if layout == "intro":
        return [
            silence(0.5),
            speech(intro_credits(book)),
            silence(1.0),
            speech("Chapter one. " + filler_text(body_seconds, seed)),
        ]
    if layout == "outro":
        return [
            speech("Chapter one. " + filler_text(body_seconds, seed)),
            silence(1.0),
            speech("The end. " + outro_credits(book)),
            silence(0.5),
        ]
    if layout == "music":
        return [music(body_seconds)]
    if layout == "noise":
        return [noise(body_seconds)]
    if layout == "prose":
        return [speech(filler_text(body_seconds, seed))]
    raise ValueError(f"unknown layout {layout!r} (intro, outro, music, noise, prose)")


# --- ABS items over synthesised files ------------------------------------------------------------------


def probe_duration(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return (container.duration or 0) / av.time_base


def expanded_item(
    item_id: str,
    files: Sequence[Path],
    audio_root: Path,
    library_id: str,
    folder_id: str,
    library_path: str = "/audiobooks",
    title: str | None = None,
) -> dict:
    """An expanded ABS 2.36 item (the shape of `get_item_expanded_*.json`) over real files under `audio_root`.

    Server paths are `library_path` + the file's path relative to `audio_root`, so the ABS emulator
    (with `audio_root`) serves the bytes and a path map `{library_path: audio_root}` finds them locally.
    Metadata is blank except `title` (by default the folder name): nothing usable to match on.
    """
    import json
    from copy import deepcopy

    fixture = (
        Path(__file__).resolve().parent / "data" / "abs-2.36.0" / "get_item_expanded_Project_Hail_Mary.json"
    )
    item = deepcopy(json.loads(fixture.read_text())["response"])
    folder = Path(files[0]).parent
    rel_folder = folder.relative_to(audio_root).as_posix()
    item_path = f"{library_path.rstrip('/')}/{rel_folder}"
    base_ino = 5_000_000 + (int.from_bytes(item_id.encode()[-4:].rjust(4, b"\0"), "big") % 1_000_000) * 10
    audio_files, library_files = [], []
    template = item["media"]["audioFiles"][0]
    for index, path in enumerate(files, start=1):
        path = Path(path)
        meta = {
            "filename": path.name,
            "ext": path.suffix,
            "path": f"{item_path}/{path.name}",
            "relPath": path.name,
            "size": path.stat().st_size,
            "mtimeMs": 0,
            "ctimeMs": 0,
            "birthtimeMs": 0,
        }
        af = deepcopy(template)
        af.update(
            index=index,
            ino=str(base_ino + index),
            metadata=meta,
            duration=round(probe_duration(path), 3),
            metaTags={},
        )
        af["mimeType"] = {
            ".mp3": "audio/mpeg",
            ".flac": "audio/flac",
            ".ogg": "audio/ogg",
            ".opus": "audio/ogg",
        }.get(path.suffix.lower(), "audio/mp4")
        audio_files.append(af)
        library_files.append(
            {
                "ino": af["ino"],
                "metadata": meta,
                "isSupplementary": None,
                "addedAt": 0,
                "updatedAt": 0,
                "fileType": "audio",
            }
        )
    media = item["media"]
    media["metadata"].update(
        empty_book_metadata(title or folder.name),
        authorName="",
        authorNameLF="",
        narratorName="",
        seriesName="",
    )
    media.update(
        audioFiles=audio_files, tracks=[], chapters=[], numTracks=len(files), numAudioFiles=len(files)
    )
    media["duration"] = sum(af["duration"] for af in audio_files)
    media["size"] = sum(af["metadata"]["size"] for af in audio_files)
    media["libraryItemId"] = item_id
    item.update(
        id=item_id,
        ino=str(base_ino),
        libraryId=library_id,
        folderId=folder_id,
        path=item_path,
        relPath=rel_folder,
        libraryFiles=library_files,
        numFiles=len(files),
        size=media["size"],
    )
    return item
