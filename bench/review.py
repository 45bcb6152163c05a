"""The review page and the ABS provider on a large warehouse built by the real pipeline.

    uv run python bench/review.py --items 50000 [--db /tmp/review-50k.duckdb]

Setup (not timed; skipped when --db names a warehouse this bench built before): a generated library
(`emulators.corpus.generate_library`) served by the ABS emulator → extract_abs's code
(`tasks.extract.fetch.run_extract`) → fetch_candidates against the Hardcover emulator (Free-plan request shapes,
raised refill, burst and daily cap so 50,000 items finish in minutes; `tasks.candidates.fetch.fetch_candidates_for`)
→ the score step (`tasks.scoring.store.score_warehouse`). The timings run on a copy of that file.

Timed, over HTTP against `shelfmatch serve`'s app under uvicorn (a thread of this process; the client
is httpx in the main thread):
- `page_p95_ms.queue`: the queue page over filters, sorts and pages; `page_p95_ms.item`: item pages of
  queue items picked at random; `page_p95_ms.all` both together (target ≤ 300 ms);
- `bulk_approve_seconds`: a bulk approve of the ~1,000 most confident queue items (pending and near
  misses) through the page
  (the preview with its count and checks, then the confirmation that records them), `bulk_items` how many;
- `provider_p95_ms`: `/abs/search` for known items (title and author as ABS sends them), answered from
  the warehouse (target ≤ 200 ms); `provider_browse_p95_ms` the same on `/abs/browse/search`.
`queue_items` is the queue's size. Ends with `RESULT {json}`.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli import library_parser, print_result  # noqa: E402
from bench.queries import bench_sql  # noqa: E402

TOKEN = "bench-token"
PROVIDER_KEY = "bench-provider-key"


def build_warehouse(db: Path, items: int, seed: int, profile: str) -> dict:
    from emulators.abs import run_abs_emulator
    from emulators.corpus import generate_library
    from emulators.hardcover import HardcoverEmulator, Limits, run_hardcover_emulator
    from tasks.candidates.fetch import fetch_candidates_for
    from tasks.extract.fetch import run_extract
    from tasks.scoring.store import score_warehouse
    from tasks.settings import get_settings

    seconds = {}
    t = time.perf_counter()
    lib = generate_library(items, seed=seed, profile=profile)
    seconds["generate"] = time.perf_counter() - t
    t = time.perf_counter()
    with run_abs_emulator(lib.items, library=lib.library) as abs_emu:
        run_extract(
            get_settings(abs_url=abs_emu.url, abs_api_key="test-key", duckdb_path=db), db, "bench-extract"
        )
    seconds["extract"] = time.perf_counter() - t
    del lib
    t = time.perf_counter()
    emu = HardcoverEmulator(token="bench-hc", limits=Limits(per_minute=600_000, burst=50, daily=1_000_000))
    with run_hardcover_emulator(emu):
        settings = get_settings(hardcover_url=emu.url, hardcover_token="bench-hc", duckdb_path=db)
        fetched = fetch_candidates_for(str(db), settings, run_id="bench-fetch")
    seconds["fetch"] = time.perf_counter() - t
    t = time.perf_counter()
    scored = score_warehouse(db, "bench-score", None, get_settings(duckdb_path=db))
    seconds["score"] = time.perf_counter() - t
    return {
        "setup_seconds": {k: round(v, 1) for k, v in seconds.items()},
        "hardcover_requests": fetched.requests_total,
        "tiers": scored.tiers,
    }


def p95(values: list[float]) -> float:
    return (
        round(statistics.quantiles(values, n=20, method="inclusive")[-1] * 1000, 1)
        if len(values) > 1
        else 0.0
    )


def timed(client, method: str, url: str, **kwargs) -> tuple[float, object]:
    t = time.perf_counter()
    response = client.request(method, url, **kwargs)
    elapsed = time.perf_counter() - t
    if response.status_code >= 400:
        raise SystemExit(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
    return elapsed, response


def measure(db: Path, queue_requests: int, item_requests: int, provider_requests: int, seed: int) -> dict:
    import httpx

    from flows.cli_serve import build_app
    from tasks.warehouse import connect
    from tests.plugins.web_fixtures import _serve

    os.environ["SHELFMATCH_PROVIDER_KEY"] = PROVIDER_KEY
    app, settings, security = build_app(str(db), token=TOKEN)
    server, thread, url = _serve(app)
    rng = random.Random(seed)
    try:
        with connect(db, migrate_schema=False) as con:
            queue = [r[0] for r in con.execute(bench_sql("review_queue_ids")).fetchall()]
            [(queue_items,)] = con.execute(
                bench_sql("review_queue_count"), [max(0.0, settings.pending_threshold - 0.2)]
            ).fetchall()
            authors = [r[0] for r in con.execute(bench_sql("first_authors"), [200]).fetchall()]
            series = [r[0] for r in con.execute(bench_sql("first_series"), [200]).fetchall()]
            unique_titles = con.execute(bench_sql("matched_titles"), [provider_requests]).fetchall()
        client = httpx.Client(base_url=url, timeout=120, headers={"X-Shelfmatch-Token": TOKEN})
        client.get("/")  # warm: templates compiled, first connection
        variants = [
            {},
            {"tier": "pending"},
            {"tier": "reject"},
            {"sort": "title"},
            {"sort": "margin"},
            {"sort": "confidence_asc"},
            {"cap": "runner_up"},
            {"min_confidence": "0.8", "max_confidence": "0.9"},
            {"page": "7"},
        ]
        queue_times = []
        for n in range(queue_requests):
            params = dict(variants[n % len(variants)])
            if n % 4 == 1 and authors:
                params["author"] = rng.choice(authors)
            if n % 4 == 3 and series:
                params["series"] = rng.choice(series)
            queue_times.append(timed(client, "GET", "/", params=params)[0])
        item_times = [timed(client, "GET", f"/item/{rng.choice(queue)}")[0] for _ in range(item_requests)]

        # A bulk approve of about 1,000 items: the most confident ones in the queue (pending and near misses).
        from tasks.web.queue import Filters, queue_item_ids

        with connect(db, migrate_schema=False) as con:
            top = queue_item_ids(con, settings, Filters())[:1000]
            [(cut,)] = con.execute(bench_sql("min_confidence_of"), [top]).fetchall()
        form = {"decision": "approve", "min_confidence": repr(cut), "csrf": security.csrf}
        t = time.perf_counter()
        _, preview = timed(client, "POST", "/bulk", data=form)
        digest = re.search(r'name="confirm" value="([0-9a-f]+)"', preview.text).group(1)
        bulk_items = int(re.search(r"approve (\d+) item\(s\)", preview.text).group(1))
        timed(client, "POST", "/bulk", data={**form, "confirm": digest}, follow_redirects=False)
        bulk_seconds = time.perf_counter() - t

        provider = httpx.Client(base_url=url, timeout=120, headers={"Authorization": PROVIDER_KEY})
        safe_times, browse_times, answered = [], [], 0
        for title, author in unique_titles:
            params = {"mediaType": "book", "query": title, **({"author": author} if author else {})}
            elapsed, response = timed(provider, "GET", "/abs/search", params=params)
            safe_times.append(elapsed)
            answered += bool(response.json()["matches"])
            browse_times.append(timed(provider, "GET", "/abs/browse/search", params=params)[0])
        return {
            "queue_items": queue_items,
            "page_p95_ms": {
                "queue": p95(queue_times),
                "item": p95(item_times),
                "all": p95(queue_times + item_times),
            },
            "page_median_ms": {
                "queue": round(statistics.median(queue_times) * 1000, 1),
                "item": round(statistics.median(item_times) * 1000, 1),
            },
            "page_requests": {"queue": len(queue_times), "item": len(item_times)},
            "bulk_approve_seconds": round(bulk_seconds, 2),
            "bulk_items": bulk_items,
            "provider_p95_ms": p95(safe_times),
            "provider_browse_p95_ms": p95(browse_times),
            "provider_requests": len(safe_times),
            "provider_sure_answers": answered,
        }
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def main() -> None:
    ap = library_parser(__doc__, items=50_000)
    ap.add_argument("--db", type=Path, help="keep the built warehouse here (reused when it exists)")
    ap.add_argument("--queue-requests", type=int, default=90)
    ap.add_argument("--item-requests", type=int, default=100)
    ap.add_argument("--provider-requests", type=int, default=200)
    args = ap.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    for key in [k for k in os.environ if k.startswith("SHELFMATCH_")]:
        del os.environ[key]

    result: dict = {"items": args.items, "profile": args.profile}
    with tempfile.TemporaryDirectory() as tmp:
        built = args.db or Path(tmp) / "review-built.duckdb"
        if not built.exists():
            result.update(build_warehouse(built, args.items, args.seed, args.profile))
            print(f"built {built}: {json.dumps(result)}", flush=True)
        db = Path(tmp) / "review.duckdb"
        shutil.copy(built, db)  # the bulk approve writes: time a copy
        result.update(measure(db, args.queue_requests, args.item_requests, args.provider_requests, args.seed))
        result["db_mb"] = round(db.stat().st_size / 2**20, 1)
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    print_result(result)


if __name__ == "__main__":
    main()
