"""A corpus of spoken audiobook credits in many phrasings, voices, speeds and backgrounds.

The phrasings (`emulators/speech_phrasings.py`) are written from how publishers open and close
audiobooks, independently of the product's parser: neither module imports anything from `tasks/`.
They come in two splits: `dev`, used while developing listening, and `frozen`, never used while
developing and only reported (`bench/listen.py --split frozen`), so the figure says how listening
does on wording it was not tuned on.

An item is rendered with a seeded choice of espeak-ng voice, speed (140-200 words a minute), background
(none, a music bed or noise mixed at 10-20 dB SNR), and layout (credits at the start, after a chapter
heading, or only at the end; two books in five split over two or three files). Where a phrasing has a
music gap, its credits are broken by a few seconds of music with no voice, as publishers' stings do.
"""

from __future__ import annotations

import random
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emulators import speech
from emulators.speech_phrasings import PHRASINGS as PHRASINGS  # re-exported: the corpus's phrasings
from emulators.speech_phrasings import CorpusBook, Phrasing
from emulators.speech_phrasings import phrasings as phrasings

VOICES = ("en-us+m3", "en-us+f3", "en-gb+m4", "en-gb-x-rp+f2", "en-gb-scotland+m1", "en-029+m2")
PUBLISHERS = (
    "Tantor Audio",
    "Blackstone Audio",
    "Brilliance Audio",
    "Recorded Books",
    "Macmillan Audio",
    "HarperAudio",
    "Hachette Audio",
    "Podium Audio",
    "Penguin Random House Audio",
    "Audible Studios",
)
# A publisher's sting between its ident and the title, or between the credits and a copyright line, lasts
# a few seconds.
MUSIC_GAP_SECONDS = 4.0


@dataclass(frozen=True)
class Rendering:
    voice: str
    wpm: int
    background: str  # none, music, noise
    snr_db: float | None
    files: int


def choose_rendering(rng: random.Random) -> Rendering:
    background = rng.choice(("none", "none", "music", "noise"))
    return Rendering(
        voice=rng.choice(VOICES),
        wpm=rng.randint(140, 200),
        background=background,
        snr_db=round(rng.uniform(10, 20), 1) if background != "none" else None,
        files=rng.choice((1, 1, 1, 2, 3)),
    )


def credit_segments(phrasing: Phrasing, book: CorpusBook, publisher: str) -> list[speech.Segment]:
    """The credits as spoken, with music alone wherever the phrasing has a music gap."""
    out: list[speech.Segment] = []
    for i, part in enumerate(phrasing.parts(book, publisher)):
        if i:
            out.append(speech.music(MUSIC_GAP_SECONDS))
        out.append(speech.speech(part))
    return out


def _segments(phrasing: Phrasing, book: CorpusBook, publisher: str, seed: int) -> list[list[speech.Segment]]:
    """The book's audio as files of segments: credits where the phrasing puts them, prose elsewhere."""
    credits = credit_segments(phrasing, book, publisher)
    if phrasing.placement == "start":
        return [[speech.silence(0.5), *credits, speech.silence(1.0), speech.speech("Chapter One. ")]]
    if phrasing.placement == "after_heading":
        return [[speech.speech("Part One. Chapter One."), speech.silence(1.0), *credits, speech.silence(1.0)]]
    return [[speech.speech(speech.filler_text(8, seed)), speech.silence(1.0), *credits, speech.silence(0.5)]]


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)


def _write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(speech.SAMPLE_RATE)
        out.writeframes(np.clip(samples, -32768, 32767).astype(np.int16).tobytes())


def _bed(kind: str, n: int, seed: int) -> np.ndarray:
    """A background as long as the speech: a slow chord progression with tremolo, or pink-ish noise."""
    t = np.arange(n) / speech.SAMPLE_RATE
    if kind == "music":
        chords = ((261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6), (196.0, 246.9, 293.7))
        out = np.zeros(n)
        bar = int(2.0 * speech.SAMPLE_RATE)
        for start in range(0, n, bar):
            freqs = chords[(start // bar) % len(chords)]
            seg = t[start : start + bar]
            out[start : start + bar] = sum(np.sin(2 * np.pi * f * seg) for f in freqs)
        return out * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(n)
    # a moving average turns white noise into a softer hiss, closer to tape or room noise
    soft = np.convolve(white, np.ones(12) / 12, mode="same")
    return white * 0.3 + soft / (np.std(soft) or 1.0)


def mix(speech_wav: Path, out_wav: Path, kind: str, snr_db: float, seed: int = 0) -> None:
    """Speech plus a background at `snr_db` (RMS of the spoken parts over RMS of the background)."""
    voice = _read_wav(speech_wav)
    frame = int(0.05 * speech.SAMPLE_RATE)
    frames = voice[: len(voice) // frame * frame].reshape(-1, frame)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    spoken = rms[rms > 0.1 * (rms.max() or 1.0)]
    speech_rms = float(np.sqrt(np.mean(spoken**2))) if len(spoken) else 1000.0
    bed = _bed(kind, len(voice), seed)
    bed *= speech_rms / (float(np.sqrt(np.mean(bed**2))) or 1.0) / (10 ** (snr_db / 20))
    _write_wav(out_wav, voice + bed)


def render_item(
    phrasing: Phrasing,
    book: CorpusBook,
    folder: Path,
    seed: int,
    ext: str = ".m4b",
    rendering: Rendering | None = None,
    publisher: str | None = None,
) -> tuple[list[Path], Rendering]:
    """The item's audio files (in play order) under `folder`, and how they were rendered (seeded, unless
    `rendering` fixes it)."""
    rng = random.Random(f"{phrasing.name}:{seed}")
    rendering = rendering or choose_rendering(rng)
    publisher = publisher or rng.choice(PUBLISHERS)
    [credit_file] = _segments(phrasing, book, publisher, seed)
    body = [speech.speech(speech.filler_text(22, seed))]
    n = rendering.files
    if phrasing.placement == "end":
        files = [body] * (n - 1) + [credit_file]
    else:
        files = [credit_file + body] + [body] * (n - 1)
    paths = []
    with tempfile.TemporaryDirectory(prefix="shelfmatch-corpus-") as tmp:
        for i, segs in enumerate(files, start=1):
            wav = Path(tmp) / f"{i:02d}.wav"
            speech.render_wav(segs, wav, voice=rendering.voice, wpm=rendering.wpm)
            if rendering.background != "none":
                mixed = Path(tmp) / f"{i:02d}-mixed.wav"
                mix(wav, mixed, rendering.background, rendering.snr_db or 15.0, seed=seed * 10 + i)
                wav = mixed
            name = f"Track {i:02d}{ext}" if n > 1 else f"Track 01{ext}"
            paths.append(speech.encode(wav, folder / name))
    return paths, rendering


def background_only(kind: str, seconds: float, out_path: Path, seed: int = 0) -> Path:
    """A file of music or noise alone (no speech at all), encoded like the books."""
    n = int(seconds * speech.SAMPLE_RATE)
    with tempfile.TemporaryDirectory(prefix="shelfmatch-corpus-") as tmp:
        wav = Path(tmp) / "bed.wav"
        bed = _bed(kind, n, seed)
        _write_wav(wav, bed * 3000 / (float(np.sqrt(np.mean(bed**2))) or 1.0))
        return speech.encode(wav, out_path)
