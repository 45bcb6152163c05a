"""`shelfmatch demo`: the whole pipeline on this machine in a few minutes, with nothing to configure.

Generates an ABS library with known answers (emulators.corpus; a handful of items carry spoken
opening credits), serves it from the ABS emulator and the Hardcover catalogue from the Hardcover
emulator, both on loopback, points settings at them, runs the real `sync` flow (Prefect's ephemeral
API) and a dry-run `writeback`, then shows what happened and what to try next. Its warehouse is
`data/demo.duckdb`: a real warehouse is never touched.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from tasks.warehouse import connect, fetch_dicts, load_sql

if TYPE_CHECKING:  # the demo imports the emulators lazily, when it runs
    from emulators.corpus import GeneratedLibrary
    from tasks.settings import Settings

DEMO_ABS_KEY = "demo-abs-key"
DEMO_HC_TOKEN = "demo-hardcover-token"
FULL_ITEMS, QUICK_ITEMS, SPOKEN_ITEMS = 200, 80, 6
# The modules of pyproject's `demo` extra: the emulators import them, the product does not.
DEMO_EXTRA_MODULES = {"graphql"}


def _refuse_real_warehouse(db_path: Path) -> None:
    """The demo deletes and rebuilds its file: only ever a file that is clearly a demo's."""
    if "demo" not in db_path.name:
        raise SystemExit(
            f"refusing to use {db_path} for the demo: its name does not contain 'demo', so it may be a real "
            "warehouse. Pass --db data/demo.duckdb (the default)."
        )


def _build_library(
    n_items: int, spoken: int, seed: int, audio_root: Path | None
) -> tuple[GeneratedLibrary, list[str]]:
    from emulators.corpus import generate_library

    lib = generate_library(n_items, seed=seed, profile="default", audio_root=audio_root)
    spoken_ids: list[str] = []
    if spoken and audio_root is not None:
        # A few items with poor text but spoken credits: what the listen step is for.
        extra = generate_library(
            spoken,
            seed=seed + 1,
            profile="hostile",
            audio_root=audio_root,
            audio="speech",
            library_id=lib.library["id"],
        )
        lib.items.extend(extra.items)
        lib.truth.update(extra.truth)
        spoken_ids = [item["id"] for item in extra.items]
    return lib, spoken_ids


def _accuracy(db_path: Path, truth: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per tier: (items, items where the tier is right by the generated truth). Auto/pending are right
    when the matched book is the true one; reject is right when the true book is not in the catalogue."""
    with connect(db_path) as con:
        rows = fetch_dicts(con, load_sql("demo_matches"))
    out: dict[str, list[int]] = {}
    for r in rows:
        t = truth.get(r["item_id"])
        true_book = t.book_id if t is not None else None
        right = (
            true_book is None
            if r["tier"] == "reject"
            else (true_book is not None and r["book_id"] == true_book)
        )
        cell = out.setdefault(r["tier"], [0, 0])
        cell[0] += 1
        cell[1] += int(right)
    return {k: (v[0], v[1]) for k, v in out.items()}


def _listening(db_path: Path, spoken_ids: list[str], truth: dict[str, Any]) -> str | None:
    """One line on what the listen step heard, and how the spoken-credit items fared."""
    with connect(db_path) as con:
        rows = fetch_dicts(con, load_sql("demo_listen_results"))
    if not rows:
        return None
    verdicts = Counter(r["verdict"] for r in rows)
    heard = {r["item_id"]: r for r in rows}
    spoken = [i for i in spoken_ids if i in heard]
    right = sum(
        1 for i in spoken if heard[i]["book_id"] is not None and heard[i]["book_id"] == truth[i].book_id
    )
    text = ", ".join(f"{v} {k}" for k, v in verdicts.most_common())
    return (
        f"Listening: heard {len(rows)} items without a sure text match ({text}); "
        f"of the {len(spoken_ids)} items with spoken credits, {len(spoken)} were heard and {right} identified by ear."
    )


def _plan_sample(db_path: Path, run_id: str, limit: int = 8) -> list[dict[str, Any]]:
    with connect(db_path) as con:
        return fetch_dicts(con, load_sql("demo_plan_sample"), {"run_id": run_id, "limit": limit})


# What each kind of generated item is, and so what the right answer for it is.
KINDS = {
    "matchable": "whose audiobook edition is in the catalogue",
    "no_audio_edition": "whose book is in the catalogue without an audio edition",
    "distractor": "invented books the catalogue does not have",
    "same_title_trap": "with a catalogue book's title but another author (not in the catalogue)",
}


def library_line(truth: dict[str, Any]) -> str:
    """The generated library in words: how many items of each kind, largest first."""
    kinds = Counter(t.kind for t in truth.values())
    parts = [f"{n} {KINDS.get(kind, kind)}" for kind, n in kinds.most_common()]
    return (
        f"Library: {len(truth)} generated items with known answers — {'; '.join(parts)}. "
        "The last two kinds are right when rejected."
    )


def tier_lines(settings: Settings) -> list[str]:
    """How an item gets its tier, in two lines (the thresholds are the settings in use)."""
    return [
        f"auto: confidence ≥ {settings.auto_threshold} and nothing holds it back. pending: "
        f"{settings.pending_threshold}–{settings.auto_threshold}, or any confidence held back by a cap "
        "(capped_by: the author or series position disagrees, a runner-up is close, the sources disagree) — "
        "why an item at 0.997 can wait for review — or a weaker match that still agrees on the title, "
        "author or an identifier (low_confidence). reject: nothing plausible.",
    ]


def try_next(db_path: Path) -> list[str]:
    """Commands to run next, exactly as printed (from the project folder, as `make demo` leaves it)."""
    db = str(db_path)
    return [
        f'uv run shelfmatch sql --db {db} "SELECT abs_title, hc_title, confidence, capped_by '
        'FROM match_review_queue LIMIT 10"',
        f'uv run shelfmatch sql --db {db} "SELECT issue, count(*) AS items FROM metadata_issues GROUP BY ALL"',
        f"uv run shelfmatch sql --db {db} sql/analysis/authors_missing_narrators.sql",
        f"uv run shelfmatch report --db {db} --out demo-report.html    # plots; open it in a browser",
        f"uv run shelfmatch review --db {db}    # approve/reject the pending matches one by one",
        f"uv run shelfmatch serve --db {db}     # the same in the browser",
    ]


def where_to_look(db_path: Path, summary: dict[str, Any], accuracy: dict[str, Any]) -> list[str]:
    """For each number that needs a look (errors, rejects, pending), the query that shows the items."""
    db = str(db_path)
    lines = []
    if summary.get("errors"):
        lines.append(
            f"{summary['errors']} errors — what and where: uv run shelfmatch sql --db {db} "
            '"SELECT flow, kind, item_id, message FROM errors"'
        )
    rejects, rejects_right = accuracy.get("reject", (0, 0))
    if rejects > rejects_right:
        lines.append(
            f"{rejects - rejects_right} rejected items whose book the catalogue has: uv run shelfmatch sql "
            f'--db {db} "SELECT item_title, item_authors, book_title, confidence FROM matches_reject"'
        )
    pending, pending_right = accuracy.get("pending", (0, 0))
    if pending > pending_right:
        lines.append(
            f"{pending - pending_right} pending items whose best candidate is not the true book: that is what "
            "review is for (they are never written unless approved) — the first suggestion below lists them"
        )
    return lines


def _show(
    console: Console,
    summary: dict[str, Any],
    accuracy: dict[str, Any],
    plan: dict[str, Any],
    sample: list[dict[str, Any]],
    db_path: Path,
    seconds: float,
    settings: Settings,
) -> None:
    tiers = Table(title="Match tiers", title_justify="left")
    tiers.add_column("tier")
    tiers.add_column("items", justify="right")
    tiers.add_column("right, by the generated truth", justify="right")
    meaning = {"auto": "true book matched", "pending": "true book matched", "reject": "book not in catalogue"}
    for tier in ("auto", "pending", "reject"):
        n, right = accuracy.get(tier, (0, 0))
        tiers.add_row(tier, str(n), f"{right}/{n} {meaning[tier]}" if n else "–")
    console.print(tiers)
    for line in tier_lines(settings):
        console.print(line, soft_wrap=True, highlight=False)

    facts = Table(show_header=False, title="This sync", title_justify="left")
    listened = summary.get("items_listened")
    rows = {
        "items seen": summary.get("items_seen"),
        "items new or changed": summary.get("items_changed"),
        "Hardcover requests used": summary.get("hardcover_requests_used"),
        "Hardcover budget left today": summary.get("hardcover_budget_left"),
        "items listened to": "skipped (--quick)" if listened is None else listened,
        "errors": summary.get("errors"),
    }
    if summary.get("items_listen_failed"):
        rows["items whose audio could not be read"] = summary["items_listen_failed"]
    for key, value in rows.items():
        facts.add_row(key, str(value))
    console.print(facts)
    for line in where_to_look(db_path, summary, accuracy):
        console.print(line, soft_wrap=True, highlight=False)

    table = Table(title=f"Dry-run writeback plan: {plan.get('planned_fields', 0)} fields on "
                  f"{plan.get('planned_items', 0)} items (first rows; nothing was written)", title_justify="left")  # fmt: skip
    for col in ("item", "field", "before", "after"):
        table.add_column(col, overflow="fold", max_width=40)
    for row in sample:
        table.add_row(*(str(row[c] or "") for c in ("item", "field", "before", "after")))
    console.print(table)

    console.print(
        f"[bold]Done in {seconds:.0f} s.[/bold] The demo warehouse is {db_path}. Try next:", highlight=False
    )
    for line in try_next(db_path):
        console.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)
    console.print(
        "Run history and artifacts in Prefect's UI: `uv run prefect config set "
        "PREFECT_API_URL=http://127.0.0.1:4200/api`, then `uv run prefect server start` in another terminal, "
        "and run the demo again (README, 'Running it on a schedule').",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
    console.print("Your own library: README.md, 'Use it with your Audiobookshelf'.", highlight=False)


def run_demo(
    db_path: Path | str = Path("data/demo.duckdb"),
    quick: bool = False,
    n_items: int | None = None,
    seed: int = 7,
    console: Console | None = None,
) -> int:
    """Run the demo; returns the process exit code (0 = the sync and the dry-run completed)."""
    try:  # the emulators are test doubles: a clone of the repository has them, the installed package not
        from emulators.abs import run_abs_emulator
        from emulators.hardcover import Limits, run_hardcover_emulator
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing == "emulators":
            raise SystemExit(
                "the demo needs the ABS and Hardcover emulators, which come with a clone of the repository, "
                "not with the installed package: run `make demo` in a clone of shelfmatch"
            ) from None
        if missing in DEMO_EXTRA_MODULES:
            raise SystemExit(
                f"the demo's emulators need {missing!r}, which comes with the `demo` extra: "
                "run `uv sync --extra demo` (or `pip install -e '.[demo]'`) in the clone, or `make demo`"
            ) from None
        raise

    console = console or Console()
    started = time.monotonic()
    db_path = Path(db_path)
    _refuse_real_warehouse(db_path)
    n_items = n_items or (QUICK_ITEMS if quick else FULL_ITEMS)
    for suffix in ("", ".wal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shelfmatch-demo-")))
        console.print(f"[bold]shelfmatch demo[/bold]: generating a library of {n_items} items"
                      + ("" if quick else f" (+{SPOKEN_ITEMS} with spoken credits)") + " …")  # fmt: skip
        audio_root = None if quick else tmp / "audiobooks"
        lib, spoken = _build_library(n_items, 0 if quick else SPOKEN_ITEMS, seed, audio_root)
        abs_emu = stack.enter_context(
            run_abs_emulator(lib.items, api_key=DEMO_ABS_KEY, library=lib.library, audio_root=audio_root)
        )
        # The real Free plan's budget, but a faster per-minute refill so the demo does not wait a minute per 60 requests.
        hc = stack.enter_context(
            run_hardcover_emulator(token=DEMO_HC_TOKEN, limits=Limits(per_minute=1200, burst=50))
        )
        assert abs_emu.url is not None and hc.url is not None  # both set once started
        env = {
            "SHELFMATCH_ABS_URL": abs_emu.url,
            "SHELFMATCH_ABS_API_KEY": DEMO_ABS_KEY,
            "SHELFMATCH_HARDCOVER_URL": hc.url,
            "SHELFMATCH_HARDCOVER_TOKEN": DEMO_HC_TOKEN,
            "SHELFMATCH_DUCKDB_PATH": str(db_path.resolve()),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)

        def restore_environment() -> None:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

        stack.callback(restore_environment)
        console.print(
            f"ABS emulator at {abs_emu.url}, Hardcover emulator at {hc.url}; running sync (Prefect) …"
        )

        from prefect.client.schemas.objects import State

        from flows.sync import sync
        from flows.writeback import writeback

        state = sync(
            db_path=str(db_path), skip_listen=quick, max_listen=None if not quick else 0, return_state=True
        )
        if not state.is_completed():
            console.print(f"[red]✗ sync failed:[/red] {state.message}")
            return 1
        summary = state.result()

        async def plan_run() -> State[dict[str, Any]]:
            return await writeback(apply=False, db_path=str(db_path), return_state=True)

        plan_state = asyncio.run(plan_run())
        if not plan_state.is_completed():
            console.print(f"[red]✗ writeback dry-run failed:[/red] {plan_state.message}")
            return 1
        plan = plan_state.result()
        accuracy = _accuracy(db_path, lib.truth)
        sample = _plan_sample(db_path, plan["run_id"])
        console.print(library_line(lib.truth), soft_wrap=True, highlight=False)
        if (heard := _listening(db_path, spoken, lib.truth)) is not None:
            console.print(heard, soft_wrap=True)
        from tasks.settings import get_settings

        _show(console, summary, accuracy, plan, sample, db_path, time.monotonic() - started, get_settings())
    return 0
