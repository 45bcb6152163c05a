"""Compare Whisper decoding configurations on the credit windows of the dev speech corpus.

    uv run python bench/asr_decode.py                      # every configuration
    uv run python bench/asr_decode.py --configs base beam3 # some of them

The audio is what `bench/listen.py --split dev` listens to (same books, seeds, voices, speeds and
music/noise beds, rendered by espeak-ng through `emulators/speech_corpus.py`; dev phrasings only),
rendered once and cached as 16 kHz samples under `--cache`. Each item contributes its credit window:
the first 30 s of the file that holds the credits (the first file, or the last for closing credits),
decoded from the m4b the way the product reads it. The two background-only items (music, noise)
contribute their first window, where any word is a hallucination.

Containment, the grade (independent of the product's parser): text is folded to lower-case ASCII
words (accents stripped, digits spelled out, punctuation dropped); a field's containment is the share
of its words that occur among the transcript's words; `full` is the share of fields (title, author,
narrator of every item) whose words all occur. CPU seconds are this process's CPU time per window
(one model thread unless the configuration says otherwise). Ends with one `RESULT {json}` line.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.listen import corpus_book, pick_books  # noqa: E402

WINDOW_SECONDS = 30.0
PROMPT = "Audiobook credits: title, author, narrator."

# name -> (transcribe keyword arguments over BASE, options of the harness itself)
BASE: dict[str, Any] = {
    "language": "en",
    "beam_size": 1,
    "temperature": 0.0,
    "vad_filter": False,
    "condition_on_previous_text": False,
    "without_timestamps": False,
}
CONFIGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "base": ({}, {"retry": True}),
    "base_noretry": ({}, {}),
    "beam2": ({"beam_size": 2}, {"retry": True}),
    "beam3": ({"beam_size": 3}, {"retry": True}),
    "beam5": ({"beam_size": 5}, {"retry": True}),
    "beam5_patience2": ({"beam_size": 5, "patience": 2.0}, {"retry": True}),
    "beam3_lp0.8": ({"beam_size": 3, "length_penalty": 0.8}, {"retry": True}),
    "beam3_lp1.2": ({"beam_size": 3, "length_penalty": 1.2}, {"retry": True}),
    "fallback_best5": ({"temperature": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], "best_of": 5}, {"retry": True}),
    "vad": ({"vad_filter": True}, {"retry": True}),
    "vad_500ms": ({"vad_filter": True, "vad_parameters": {"min_silence_duration_ms": 500}}, {"retry": True}),
    "beam2_vad": ({"beam_size": 2, "vad_filter": True}, {"retry": True}),
    "prompt": ({"initial_prompt": PROMPT}, {"retry": True}),
    "condition_prev": ({"condition_on_previous_text": True}, {"retry": True}),
    "no_timestamps": ({"without_timestamps": True}, {}),
    "no_suppress_blank": ({"suppress_blank": False}, {"retry": True}),
    "threads2": ({}, {"retry": True, "cpu_threads": 2}),
    "int8_float32": ({}, {"retry": True, "compute_type": "int8_float32"}),
    "float32": ({}, {"retry": True, "compute_type": "float32"}),
    "loudnorm": ({}, {"retry": True, "pre": "loudnorm"}),
    "bandpass": ({}, {"retry": True, "pre": "bandpass"}),
    "bandpass_loudnorm": ({}, {"retry": True, "pre": "bandpass+loudnorm"}),
}


# --- grading -----------------------------------------------------------------------------------------
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spell(n: int) -> str:
    """0..9999 in words (years as two pairs, as they are spoken)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if 1100 <= n <= 9999 and n % 100 and n // 100 % 10:
        return spell(n // 100) + " " + spell(n % 100)
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + spell(n % 100))
    return spell(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + spell(n % 1000))


def words(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    ascii_text = re.sub(
        r"\d+", lambda m: " " + spell(int(m.group())) + " " if len(m.group()) <= 4 else " ", ascii_text
    )
    return re.findall(r"[a-z]+", ascii_text.replace("'", ""))


def containment(field: str, transcript_words: set[str]) -> float:
    want = words(field)
    return sum(w in transcript_words for w in want) / len(want) if want else 1.0


# --- audio -------------------------------------------------------------------------------------------
def save_window(audio_file: Path, npy: Path) -> Path:
    """The file's first window, decoded the way the product reads it, saved as samples."""
    from tasks.listen.audio import AudioWindows

    with AudioWindows(audio_file) as audio:
        np.save(npy, audio.read(0.0, WINDOW_SECONDS))
    return npy


def render(cache: Path, seed: int, books_per_phrasing: int) -> list[dict[str, Any]]:
    """The dev corpus's credit windows as cached samples: [{name, fields, phrasing, background, npy}]."""
    index = cache / "index.json"
    if index.exists():
        return json.loads(index.read_text())
    from emulators import speech_corpus

    cache.mkdir(parents=True, exist_ok=True)
    phrasings = speech_corpus.phrasings("dev")
    books = pick_books(books_per_phrasing * len(phrasings), seed)
    rows: list[dict[str, Any]] = []
    i = 0
    with tempfile.TemporaryDirectory(prefix="bench-asr-") as tmp:
        for k, phrasing in enumerate(phrasings):
            for book, edition in books[k * books_per_phrasing : (k + 1) * books_per_phrasing]:
                i += 1
                spoken = corpus_book(book, edition)
                paths, rendering = speech_corpus.render_item(
                    phrasing, spoken, Path(tmp) / f"item{i:04d}", seed=seed * 1000 + i
                )
                credit_file = paths[-1] if phrasing.placement == "end" else paths[0]
                npy = save_window(credit_file, cache / f"item{i:04d}.npy")
                rows.append(
                    {
                        "name": f"item{i:04d}",
                        "phrasing": phrasing.name,
                        "background": rendering.background,
                        "fields": {
                            "title": spoken.title,
                            "author": spoken.author,
                            "narrator": spoken.narrator,
                        },
                        "npy": str(npy),
                    }
                )
        for kind in ("music", "noise"):
            i += 1
            path = speech_corpus.background_only(kind, 40, Path(tmp) / f"bg{i}.m4b", seed=i)
            npy = save_window(path, cache / f"item{i:04d}.npy")
            rows.append(
                {
                    "name": f"item{i:04d}",
                    "phrasing": f"{kind}_only",
                    "background": kind,
                    "fields": {},
                    "npy": str(npy),
                }
            )
    index.write_text(json.dumps(rows, indent=1))
    return rows


def bandpass(samples: np.ndarray, low: float = 300.0, high: float = 3400.0) -> np.ndarray:
    """The telephone speech band, by zeroing FFT bins outside it."""
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(len(samples), 1 / 16_000)
    spectrum[(freqs < low) | (freqs > high)] = 0
    return np.fft.irfft(spectrum, n=len(samples)).astype(np.float32)


def loudnorm(samples: np.ndarray, target_rms: float = 0.1) -> np.ndarray:
    """Scale so the loud half-second frames sit at `target_rms`, clipped to [-1, 1]."""
    n = 8000
    frames = samples[: len(samples) // n * n].reshape(-1, n)
    if len(frames) == 0:
        return samples
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = rms[rms >= np.median(rms)]
    level = float(np.sqrt(np.mean(loud**2))) if len(loud) else 0.0
    return samples if level < 1e-4 else np.clip(samples * (target_rms / level), -1, 1).astype(np.float32)


def preprocess(samples: np.ndarray, pre: str | None) -> np.ndarray:
    for step in (pre or "").split("+"):
        if step == "bandpass":
            samples = bandpass(samples)
        elif step == "loudnorm":
            samples = loudnorm(samples)
    return samples


# --- decoding ----------------------------------------------------------------------------------------
_MODELS: dict[tuple[str, int], Any] = {}


def model_for(compute_type: str, threads: int) -> Any:
    from faster_whisper import WhisperModel

    from tasks.settings import Settings

    key = (compute_type, threads)
    if key not in _MODELS:
        path = Settings().resolved_asr_model_path()
        _MODELS[key] = WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=threads)
    return _MODELS[key]


def decode(model: Any, samples: np.ndarray, kwargs: dict[str, Any]) -> str:
    segments, _ = model.transcribe(samples, **kwargs)
    return " ".join(s.text.strip() for s in segments).strip()


def sound_seconds(samples: np.ndarray) -> float:
    n = 8000
    frames = samples[: len(samples) // n * n].reshape(-1, n)
    return float(np.count_nonzero(np.sqrt(np.mean(frames**2, axis=1)) > 0.02) * 0.5)


def run_config(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    overrides, options = CONFIGS[name]
    kwargs = {**BASE, **overrides}
    model = model_for(options.get("compute_type", "int8"), options.get("cpu_threads", 1))
    decode(model, np.zeros(16_000, dtype=np.float32), kwargs)  # warm-up, not counted
    per_field: dict[str, list[float]] = {"title": [], "author": [], "narrator": []}
    by_background: dict[str, list[float]] = {}
    cpu: list[float] = []
    hallucinated = 0
    texts = {}
    for row in rows:
        samples = preprocess(np.load(row["npy"]), options.get("pre"))
        t0 = time.process_time()
        text = decode(model, samples, kwargs)
        sound = sound_seconds(samples)
        if options.get("retry") and sound >= 4 and len(text.split()) < 0.8 * sound:
            retry = decode(model, samples, {**kwargs, "without_timestamps": True})
            text = retry if len(retry.split()) > len(text.split()) else text
        cpu.append(time.process_time() - t0)
        texts[row["name"]] = text
        if not row["fields"]:
            hallucinated += len(words(text))
            continue
        heard = set(words(text))
        for field, value in row["fields"].items():
            c = containment(value, heard)
            per_field[field].append(c)
            by_background.setdefault(row["background"], []).append(c)
    all_fields = [c for v in per_field.values() for c in v]
    return {
        "config": name,
        "containment": round(statistics.mean(all_fields), 3),
        "full": round(sum(c == 1.0 for c in all_fields) / len(all_fields), 3),
        **{f: round(statistics.mean(v), 3) for f, v in per_field.items()},
        **{f"bg_{k}": round(statistics.mean(v), 3) for k, v in sorted(by_background.items())},
        "cpu_median": round(statistics.median(cpu), 3),
        "cpu_mean": round(statistics.mean(cpu), 3),
        "background_only_words": hallucinated,
        "texts": texts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "bench-asr-decode-dev")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--books", type=int, default=3, help="books per phrasing")
    parser.add_argument("--texts", type=Path, help="write every transcript here (JSON)")
    args = parser.parse_args()
    rows = render(args.cache, args.seed, args.books)
    print(f"{len(rows)} windows from {args.cache}", file=sys.stderr)
    results = []
    for name in args.configs:
        r = run_config(name, rows)
        results.append(r)
        shown = {k: v for k, v in r.items() if k != "texts"}
        print(json.dumps(shown), file=sys.stderr, flush=True)
    if args.texts:
        args.texts.write_text(json.dumps({r["config"]: r["texts"] for r in results}, indent=1))
    print("RESULT " + json.dumps([{k: v for k, v in r.items() if k != "texts"} for r in results]))


if __name__ == "__main__":
    main()
