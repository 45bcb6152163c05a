"""Benchmark the listen step on a speech corpus whose phrasings the parser was not written from.

    uv run python bench/listen.py --split dev      # the phrasings used while developing
    uv run python bench/listen.py --split frozen   # written once, never used while developing: report only

Books with no usable text metadata, identified from their spoken credits alone. For each phrasing of
the split (`emulators/speech_corpus.py`), `--books` catalogue books (English; some with numerals in the
title, some with non-English author names) are rendered by espeak-ng in a seeded voice, speed
(140-200 wpm) and background (none, music bed or noise at 10-20 dB SNR), with the credits at the start,
after a chapter heading or only at the end, one in four split over several files; plus a music-only
and a noise-only item, which must never be matched. Files are m4b with no tags, in folders named
"Unknown 0001". The pipeline then runs for real against the emulators: extract_abs (ABS emulator) ->
fetch_candidates (Hardcover emulator, real limits) -> listen (audio streamed from ABS with HTTP Range,
tiny.en int8 with the decoding settings in force (`model` in the RESULT), lookups from the spoken credits within the per-item request cap) -> score (the shipped
model).

Counted per item from `matches` after the listen flow's re-score: identified = the true book at tier
auto or pending (the transcript is the item's only evidence, so listening decided it); identified_auto
= at tier auto; wrong_positive = another book at tier auto, or the listen verdict `identified` naming
another book. CPU seconds are Whisper's process CPU per 30 s window (exact with --workers 1). Ends with
one `RESULT {json}` line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.listen_cluster import dask_cluster, process_cpu_seconds, workers_cpu_seconds  # noqa: E402
from bench.queries import bench_sql  # noqa: E402

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

LIBRARY, FOLDER = "lib-bench-listen", "fol-bench-listen"


def pick_books(n: int, seed: int):
    """N speakable catalogue books with an audio edition and a narrator: a third with a numeral in the
    title, a third by an author whose name is not English, the rest any."""
    from emulators.catalogue import load_catalogue

    def speakable(text: str | None) -> bool:
        return bool(text) and re.fullmatch(r"[^\W_][\w ,.'&:-]*", text) is not None

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
    rng = random.Random(seed)
    numerals = [b for b in pool if re.search(r"\d", b[0].title)]
    foreign = [b for b in pool if not b[0].authors[0].isascii()]
    if len(foreign) < n // 3:  # the catalogue spells most names in ASCII: a name English does not spell
        foreign += [
            b
            for b in pool
            if re.search(r"(?i)\b\w*(?:sz|cz|ij|ae|oe|uo|ski|vich|escu|ez)\b", b[0].authors[0])
        ]
    picked: list = []
    for group, k in ((numerals, n // 3), (foreign, n // 3), (pool, n)):
        for b in rng.sample(group, len(group)):
            if k <= 0 or len(picked) >= n:
                break
            if b not in picked:
                picked.append(b)
                k -= 1
    rng.shuffle(picked)
    return picked[:n]


def corpus_book(book, edition):
    """What the corpus says of a catalogue book: its title, first author and narrator, series, year."""
    from emulators import speech_corpus

    return speech_corpus.CorpusBook(
        title=book.title,
        author=book.authors[0],
        narrator=edition.narrators[0],
        series=book.series_name if book.position is not None else None,
        position=int(book.position)
        if book.position is not None and float(book.position).is_integer()
        else None,
        year=book.release_year,
    )


def synthesise_books(split: str, books_per_phrasing: int, seed: int, root: Path):
    from emulators import speech, speech_corpus

    phrasings = speech_corpus.phrasings(split)
    books = pick_books(books_per_phrasing * len(phrasings), seed)
    items, truth = [], {}
    i = 0
    for k, phrasing in enumerate(phrasings):
        for book, edition in books[k * books_per_phrasing : (k + 1) * books_per_phrasing]:
            i += 1
            spoken = corpus_book(book, edition)
            name = f"Unknown {i:04d}"
            paths, rendering = speech_corpus.render_item(phrasing, spoken, root / name, seed=seed * 1000 + i)
            item = speech.expanded_item(f"li-bench-{i:04d}", paths, root, LIBRARY, FOLDER, title=name)
            items.append(item)
            truth[item["id"]] = {
                "book_id": book.book_id,
                "phrasing": phrasing.name,
                "title": book.title,
                "rendering": rendering.__dict__,
            }
    for kind in ("music", "noise"):
        i += 1
        name = f"Unknown {i:04d}"
        path = speech_corpus.background_only(kind, 40, root / name / "Track 01.m4b", seed=i)
        item = speech.expanded_item(f"li-bench-{i:04d}", [path], root, LIBRARY, FOLDER, title=name)
        items.append(item)
        truth[item["id"]] = {"book_id": None, "phrasing": f"{kind}_only", "title": None, "rendering": {}}
    return items, truth


def _runner(kind: str, workers: int):
    """The task runner for `thread` and `process`; None for `dask`, reached through its address."""
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    if kind == "process":
        return ProcessPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        return None
    return ThreadPoolTaskRunner(max_workers=workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "frozen"], default="dev")
    parser.add_argument("--books", type=int, default=3, help="books per phrasing")
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
    items, truth = synthesise_books(args.split, args.books, args.seed, audio_root)
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
        runner = _runner(args.runner, args.workers)
        with ExitStack() as stack:
            # Dask: the flow finds the cluster by SHELFMATCH_DASK_ADDRESS, as deployed.
            client = stack.enter_context(dask_cluster(args.workers)) if runner is None else None

            def cpu() -> float:
                return process_cpu_seconds() + (workers_cpu_seconds(client) if client else 0.0)

            cpu0, wall0 = cpu(), time.perf_counter()
            summary = (listen if runner is None else listen.with_options(task_runner=runner))(db_path=str(db))
            cpu1, wall1 = cpu(), time.perf_counter()

    from tasks.warehouse import connect, fetch_dicts

    with connect(db) as con:
        results = fetch_dicts(
            con,
            bench_sql("listen_run_results"),
            [summary["run_id"]],
        )
        errors = con.execute(bench_sql("flow_error_count"), ["listen"]).fetchone()[0]
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"items": 0, "identified": 0, "auto": 0, "wrong": 0})
    identified = auto = wrong = 0
    for r in results:
        t = truth[r["item_id"]]
        right = t["book_id"] is not None and r["match_book"] == t["book_id"]
        is_id = right and r["tier"] in ("auto", "pending")
        is_auto = right and r["tier"] == "auto"
        is_wrong = (
            r["match_book"] is not None and r["match_book"] != t["book_id"] and r["tier"] == "auto"
        ) or (r["verdict"] == "identified" and r["book_id"] != t["book_id"])
        p = per[t["phrasing"]]
        p["items"] += 1
        p["identified"] += is_id
        p["auto"] += is_auto
        p["wrong"] += is_wrong
        identified, auto, wrong = identified + is_id, auto + is_auto, wrong + is_wrong
        if t["book_id"] is not None and not is_id:
            print(
                f"not identified: {t['title']!r} ({t['phrasing']}, {t['rendering']}) -> listen {r['verdict']}, "
                f"match {r['match_book']} {r['tier']} (true {t['book_id']})",
                file=sys.stderr,
            )
    books = [r for r in results if truth[r["item_id"]]["book_id"] is not None]
    audio = sum(r["audio_seconds"] for r in results)
    cpu = sum(r["cpu_seconds"] for r in results)
    result = {
        "split": args.split,
        "items": len(books),
        "background_only_items": len(results) - len(books),
        "identified": identified,
        "identified_rate": round(identified / len(books), 4) if books else None,
        "identified_auto_rate": round(auto / len(books), 4) if books else None,
        "wrong_positive": wrong,
        # the listen step's own verdict (before scoring): the right book identified by containment
        "listen_identified_rate": round(
            sum(
                1
                for r in books
                if r["verdict"] == "identified" and r["book_id"] == truth[r["item_id"]]["book_id"]
            )
            / len(books),
            4,
        )
        if books
        else None,
        "median_cpu_seconds_per_item": round(statistics.median(r["cpu_seconds"] for r in books), 3),
        "realtime_factor": round(audio / cpu, 1) if cpu else None,
        "audio_seconds": round(audio, 1),
        "cpu_seconds": round(cpu, 1),
        "windows": sum(r["windows"] for r in results),
        "searched": sum(1 for r in results if r["searched"]),
        "search_requests": summary.get("search_requests"),
        "search_requests_per_item": round((summary.get("search_requests") or 0) / len(results), 2),
        "errors": errors,
        "per_phrasing": {
            k: {
                "items": v["items"],
                "identified_rate": round(v["identified"] / v["items"], 3),
                "identified_auto_rate": round(v["auto"] / v["items"], 3),
                "wrong_positive": v["wrong"],
            }
            for k, v in sorted(per.items())
        },
        "process_cpu_seconds_listen_flow": round(cpu1 - cpu0, 1),
        "wall_seconds_listen_flow": round(wall1 - wall0, 1),
        "workers": args.workers,
        "runner": args.runner,
        "model": _model_label(),
    }
    print("RESULT " + json.dumps(result))


def _model_label() -> str:
    """What heard the corpus: the model and the decoding settings in force (the environment's)."""
    from tasks.listen.asr import model_name
    from tasks.settings import get_settings

    st = get_settings()
    return (
        f"{model_name(st.resolved_asr_model_path(), st.asr_compute_type)}, beam {st.asr_beam_size}, "
        f"VAD {'on' if st.asr_vad_filter else 'off'}, {st.asr_cpu_threads} thread(s)"
    )


if __name__ == "__main__":
    main()
