"""Real audio files for a generated library: silence, or spoken opening credits, tagged as the items say."""

from __future__ import annotations

from pathlib import Path

from emulators.corpus.library import Facts, GeneratedLibrary


def write_audio(
    lib: GeneratedLibrary,
    audio_root: Path,
    audio: str = "silent",
    seconds: float = 1.0,
    workers: int = 1,
    reuse: bool = False,
) -> None:
    """Write every item's audio files under `audio_root` (tagged as their metaTags say) and fix sizes.

    Rendering is espeak-ng / sox / ffmpeg subprocesses, so `workers` threads render files in parallel.
    Each file is written under a temporary name and renamed when complete (tags included), so with
    `reuse=True` a file already there is finished work from an earlier run of the same seed and is
    kept — benchmarks cache a speaking library across runs that way.
    """
    from concurrent.futures import ThreadPoolExecutor

    speech = None
    if audio == "speech":
        try:
            from emulators import speech  # owned by the listening work; optional here
        except ImportError:
            speech = None
    lib.audio_root = audio_root
    prefix = lib.folder.rstrip("/") + "/"
    jobs = [
        (item["id"], af, audio_root / af["metadata"]["path"][len(prefix) :])
        for item in lib.items
        for af in item["media"]["audioFiles"]
    ]

    def render(job: tuple[str, dict, Path]) -> None:
        item_id, af, local = job
        if reuse and local.exists():
            return
        _render_audio_file(local, af, lib.facts.get(item_id), speech, seconds)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(render, jobs))  # list(): re-raise the first failure
    for item in lib.items:
        for af in item["media"]["audioFiles"]:
            af["metadata"]["size"] = (audio_root / af["metadata"]["path"][len(prefix) :]).stat().st_size
        for lf in item["libraryFiles"]:
            match = next((af for af in item["media"]["audioFiles"] if af["ino"] == lf["ino"]), None)
            if match:
                lf["metadata"]["size"] = match["metadata"]["size"]
            else:  # a cover: a few real bytes so file routes can serve it
                local = audio_root / lf["metadata"]["path"][len(prefix) :]
                local.parent.mkdir(parents=True, exist_ok=True)
                local.write_bytes(b"\xff\xd8\xff\xe0" + bytes(60))
                lf["metadata"]["size"] = local.stat().st_size
        for track, af in zip(item["media"]["tracks"], item["media"]["audioFiles"], strict=True):
            track["metadata"] = dict(af["metadata"])
        item["media"]["size"] = sum(af["metadata"]["size"] for af in item["media"]["audioFiles"])
        item["size"] = sum(lf["metadata"]["size"] for lf in item["libraryFiles"])


def _render_audio_file(local: Path, af: dict, facts: Facts | None, speech, seconds: float) -> None:
    """One audio file: the true book's opening credits on a book's first file (for distractors: the
    invented book's), silence otherwise; tagged like its metaTags; renamed into place when complete."""
    from emulators.audio import silent_file, write_tags

    local.parent.mkdir(parents=True, exist_ok=True)
    partial = local.with_name(f".partial-{local.stem}{local.suffix}")
    if speech is not None and af["index"] == 1 and facts is not None:
        credited = speech.Credited(
            title=facts.title,
            author=facts.authors[0] if facts.authors else "",
            narrator=facts.narrators[0] if facts.narrators else None,
            series=facts.series,
            position=float(facts.position) if facts.position else None,
            publisher=facts.publisher,
        )
        segments = speech.book_segments(
            "intro", credited, body_seconds=max(2.0, seconds), seed=int(af["ino"])
        )
        speech.synthesise(segments, partial)
    else:
        silent_file(partial, seconds)
    tags = {k: v for k, v in af["metaTags"].items() if k not in ("tagEncoder", "tagTrack", "tagDisc")}
    if tags:
        write_tags(partial, tags)
    partial.replace(local)
