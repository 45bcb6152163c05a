"""Benchmark the corpus generator and evidence parsing (the CPU part of extract that is ours).

    uv run python bench/corpus.py --items 50000 --profile default

Generates N expanded ABS items (emulators.corpus.generate_library), then runs
tasks.evidence.evidence_for_item over every item. Also reports how often the evidence (without the
item's current ABS metadata) contains the true book's title and first author, for the matchable
items — a quality check on the parsers against the generator's known truth.
Ends with one `RESULT {json}` line.
"""

from __future__ import annotations

import gc
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli import library_parser, print_result  # noqa: E402


def main() -> None:
    parser = library_parser(__doc__, items=50_000)
    args = parser.parse_args()

    from emulators.catalogue import load_catalogue
    from emulators.corpus import generate_library
    from tasks.evidence import evidence_for_item
    from tasks.normalise import name_key, normalise_title

    started = time.perf_counter()
    cat = load_catalogue()
    catalogue_seconds = time.perf_counter() - started

    # Wall and CPU seconds both: the machine is shared, and CPU time is what load does not inflate.
    started, cpu = time.perf_counter(), time.process_time()
    lib = generate_library(args.items, seed=args.seed, profile=args.profile)
    generate_seconds, generate_cpu = time.perf_counter() - started, time.process_time() - cpu

    # The library is input, not work: move it out of the cyclic GC's sight, as extract (which holds
    # one batch at a time) never has 50,000 items on its heap. Without this, gen-2 collections over
    # the whole library triple the evidence time.
    gc.freeze()
    started, cpu = time.perf_counter(), time.process_time()
    evidence = [evidence_for_item(item) for item in lib.items]
    evidence_seconds, evidence_cpu = time.perf_counter() - started, time.process_time() - cpu

    matchable = title_found = author_found = 0
    for item, rows in zip(lib.items, evidence, strict=True):
        truth = lib.truth[item["id"]]
        if truth.book_id is None:
            continue
        book = cat.by_id[truth.book_id]
        matchable += 1
        titles = {normalise_title(e.value) for e in rows if e.field == "title" and e.source != "abs"}
        authors = {name_key(e.value) for e in rows if e.field == "author" and e.source != "abs"}
        title_found += normalise_title(book.title) in titles
        author_found += bool(book.authors) and name_key(book.authors[0]) in authors

    result = {
        "items": len(lib.items),
        "profile": args.profile,
        "catalogue_seconds": round(catalogue_seconds, 2),
        "generate_seconds": round(generate_seconds, 2),
        "generate_cpu_seconds": round(generate_cpu, 2),
        "evidence_seconds": round(evidence_seconds, 2),
        "evidence_cpu_seconds": round(evidence_cpu, 2),
        "evidence_rows": sum(len(r) for r in evidence),
        "evidence_cpu_us_per_item": round(evidence_cpu / max(1, len(lib.items)) * 1e6, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "matchable": matchable,
        "true_title_in_evidence": round(title_found / max(1, matchable), 4),
        "true_author_in_evidence": round(author_found / max(1, matchable), 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print_result(result)


if __name__ == "__main__":
    main()
