"""What a run shows people: Prefect artifacts in the UI and rich output in the terminal.

Any flow (sync or async) can call these helpers:

- `publish_summary(key, title, counts, sections=...)` — a markdown artifact: a title, a table of
  counts, optional extra tables (e.g. errors by kind) and notes.
- `publish_table(key, rows, description)` — a table artifact (list of dicts).
- `with progress(total, "Transcribing") as bar: ... bar.advance()` — a Prefect progress artifact
  (updated at most every few percent, so a 50,000-item run does not make 50,000 API calls) and a
  rich progress bar when the terminal is interactive. When only the work function learns the total
  (extract after listing ABS, candidates after picking the items), open it with `progress(None, ...)`
  and pass `bar.update` as the function's `on_progress(done, total)` callback.

Outside a Prefect run (plain function calls in tests, the CLI before a flow starts) the artifact
calls are skipped and the helpers still return the markdown / do the terminal part, so the work
functions never depend on an API being up.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

_KEY_OK = re.compile(r"[^a-z0-9-]+")


def artifact_key(text: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return _KEY_OK.sub("-", text.lower()).strip("-") or "shelfmatch"


def in_prefect_run() -> bool:
    """True inside a flow or task run (where artifacts attach to the run in the UI)."""
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def _cell(value: Any) -> Any:
    """Table cells Prefect can serialise and people can read."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return (
            value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else value.isoformat()
        )
    if isinstance(value, list | tuple):
        return ", ".join(str(_cell(v)) for v in value)
    return str(value)


def markdown_table(rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> str:
    """A GitHub-flavoured markdown table; `|` in values is escaped so cells cannot break the table."""
    rows = list(rows)
    if not rows:
        return "_none_\n"
    columns = columns or list(rows[0].keys())

    def fmt(v: Any) -> str:
        text = "" if v is None else str(_cell(v))
        return text.replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    body = "".join("| " + " | ".join(fmt(r.get(c)) for c in columns) + " |\n" for r in rows)
    return head + body


def summary_markdown(
    title: str,
    counts: Mapping[str, Any],
    sections: Mapping[str, Any] | None = None,
    notes: Iterable[str] = (),
) -> str:
    """Markdown for a run summary: counts as a two-column table, then one table (or text) per section."""
    parts = [f"# {title}\n\n"]
    simple = [
        {"what": k.replace("_", " "), "value": v} for k, v in counts.items() if not isinstance(v, dict | list)
    ]
    parts.append(markdown_table(simple, ["what", "value"]))
    for name, content in (sections or {}).items():
        parts.append(f"\n## {name}\n\n")
        if isinstance(content, Mapping):
            parts.append(markdown_table([{"": k, "count": v} for k, v in content.items()], ["", "count"]))
        elif isinstance(content, list):
            parts.append(markdown_table(content))
        else:
            parts.append(f"{content}\n")
    for note in notes:
        parts.append(f"\n{note}\n")
    return "".join(parts)


def publish_summary(
    key: str,
    title: str,
    counts: Mapping[str, Any],
    sections: Mapping[str, Any] | None = None,
    notes: Iterable[str] = (),
    description: str | None = None,
) -> str:
    """Publish a markdown summary artifact (inside a run) and return its markdown either way."""
    markdown = summary_markdown(title, counts, sections, notes)
    if in_prefect_run():
        from prefect.artifacts import create_markdown_artifact

        # _sync=True: the same helper works from async flows (writeback, rollback) and sync ones.
        create_markdown_artifact(  # type: ignore[call-arg]  # Prefect's dispatch takes _sync, untyped
            markdown=markdown, key=artifact_key(key), description=description or title, _sync=True
        )
    return markdown


def publish_table(
    key: str, rows: Sequence[Mapping[str, Any]], description: str | None = None
) -> list[dict[str, Any]]:
    """Publish a table artifact (inside a run); returns the cleaned rows either way."""
    clean = [{k: _cell(v) for k, v in row.items()} for row in rows]
    if in_prefect_run():
        from prefect.artifacts import create_table_artifact

        # An empty table still shows the column-less "nothing here" state in the UI, which is the truth.
        create_table_artifact(table=clean, key=artifact_key(key), description=description, _sync=True)  # type: ignore[call-arg]  # Prefect's dispatch takes _sync, untyped
    return clean


@dataclass
class ProgressHandle:
    """What `progress()` yields: call `advance()` per unit of work done, or `update(done, total)`.

    `total` None means not known yet (0 % until the first `update`); 0 means nothing to do (100 %).
    """

    total: int | None
    description: str
    done: int = 0
    _artifact_id: Any = None
    _bar: Progress | None = None
    _bar_task: Any = None
    _last_pct: float = 0.0
    _last_time: float = field(default_factory=time.monotonic)
    min_step_pct: float = 5.0
    min_step_seconds: float = 2.0

    @property
    def percent(self) -> float:
        if self.total is None:
            return 0.0
        return 100.0 if self.total <= 0 else min(100.0, 100.0 * self.done / self.total)

    def advance(self, n: int = 1) -> None:
        self.update(self.done + n, self.total)

    def update(self, done: int, total: int | None) -> None:
        """Absolute progress (`done` of `total`): the `on_progress` callback the work functions take."""
        self.done, self.total = done, total
        if self._bar is not None:
            self._bar.update(self._bar_task, completed=done, total=total)
        pct = self.percent
        # Throttle API calls: every few percent or every few seconds, and once on reaching 100 %.
        due = (
            abs(pct - self._last_pct) >= self.min_step_pct
            or time.monotonic() - self._last_time >= self.min_step_seconds
        )
        if self._artifact_id is not None and (due or pct >= 100.0 > self._last_pct):
            self._push(pct)

    def _push(self, pct: float) -> None:
        from prefect.artifacts import update_progress_artifact

        update_progress_artifact(artifact_id=self._artifact_id, progress=pct, _sync=True)  # type: ignore[call-arg]  # Prefect's dispatch takes _sync, untyped
        self._last_pct, self._last_time = pct, time.monotonic()


@contextmanager
def progress(total: int | None, description: str, console: Console | None = None) -> Iterator[ProgressHandle]:
    """Report progress of a long step: a Prefect progress artifact in the UI, a rich bar in a terminal."""
    handle = ProgressHandle(total=total, description=description)
    if in_prefect_run():
        from prefect.artifacts import create_progress_artifact

        handle._artifact_id = create_progress_artifact(  # type: ignore[call-arg]  # Prefect's dispatch takes _sync, untyped
            progress=0.0, description=description, _sync=True
        )
    console = console or Console(stderr=True)
    # A bar only for people watching a terminal; workers' logs get the Prefect artifact instead.
    if console.is_terminal:
        handle._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        handle._bar.start()
        handle._bar_task = handle._bar.add_task(description, total=total)  # None: not known yet
    try:
        yield handle
    finally:
        if handle._bar is not None:
            handle._bar.stop()
        if handle._artifact_id is not None and handle._last_pct < 100.0:
            # Finished (or failed part-way): the artifact shows where it stopped.
            handle._push(handle.percent)
