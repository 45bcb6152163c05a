"""Notifications: one message through a saved Prefect notification block when a sync needs a person.

A sync sends at most one message, and only when `SHELFMATCH_NOTIFY_BLOCK` names a block
(`<block type>/<name>`, as `prefect block ls` shows it: `slack-webhook/shelfmatch`,
`custom-webhook/shelfmatch`, `discord-webhook/…` — any Prefect `NotificationBlock`). It goes out when
the sync failed a step, stopped at Hardcover's daily cap, or added at least
`SHELFMATCH_NOTIFY_NEW_REVIEW_ITEMS` items to the review queue. Sending is best effort: a block that
cannot be loaded or a receiver that refuses logs one warning line and the sync's outcome stays what
it was. The webhook URL lives in the block (a SecretStr for the Apprise-backed ones) and never in
the message, the warning, the logs or the artifacts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.settings import get_settings
from tasks.warehouse import connect, fetch_dicts, load_sql

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def new_review_items(db_path: Path | str, since: datetime) -> int:
    """Items the review queue gained since `since` (pending matches scored after it, no decision yet)."""
    with connect(db_path) as con:
        [row] = fetch_dicts(con, load_sql("notify_new_review_items"), {"since": since})
    return int(row["items"] or 0)


def sync_message(
    counts: dict[str, Any], failures: dict[str, str], new_for_review: int, review_at: int
) -> tuple[str, str] | None:
    """(subject, body) of the sync's one message, or None when nothing needs a person."""
    reasons = []
    if failures:
        reasons.append("failed: " + "; ".join(f"{step}: {why}" for step, why in failures.items()))
    waiting = counts.get("items_waiting_for_hardcover_budget") or 0
    if waiting:
        resets = counts.get("hardcover_budget_resets_at")
        when = f"; the budget resets at {resets}" if resets else ""
        reasons.append(f"stopped at Hardcover's daily cap: {waiting} items wait for the next run{when}")
    if review_at and new_for_review >= review_at:
        reasons.append(f"{new_for_review} new items to review: `shelfmatch review`")
    if not reasons:
        return None
    if failures:
        subject = f"shelfmatch sync failed ({', '.join(failures)})"
    elif waiting:
        subject = "shelfmatch sync stopped at Hardcover's daily cap"
    else:
        subject = f"shelfmatch sync: {new_for_review} new items to review"
    totals = ", ".join(
        f"{key.replace('_', ' ')} {counts[key]}"
        for key in ("items_seen", "items_changed", "auto", "pending", "reject", "errors")
        if counts.get(key) is not None
    )
    body = "\n".join([*(f"- {r}" for r in reasons), "", totals])
    return subject, body


def redact(text: str) -> str:
    """One line of an error, with any URL (a webhook's token lives in it) replaced."""
    first = (text or "").strip().splitlines()
    return _URL.sub("<url>", first[0] if first else "")[:200]


@contextmanager
def _transport_logs_quiet() -> Iterator[None]:
    """The HTTP libraries a block sends with log the full request URL (a webhook's token is in it):
    httpx at INFO, urllib3 and apprise at DEBUG. While sending they log warnings only."""
    names = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "urllib3": logging.WARNING,
             "apprise": logging.INFO}  # fmt: skip
    loggers = {name: logging.getLogger(name) for name in names}
    before = {name: logger.level for name, logger in loggers.items()}
    for name, logger in loggers.items():
        logger.setLevel(max(names[name], logger.level))
    try:
        yield
    finally:
        for name, logger in loggers.items():
            logger.setLevel(before[name])


def send(block_name: str, subject: str, body: str) -> str | None:
    """Send through the named block; None when sent, else why not (one line, no URL)."""
    from prefect.blocks.abstract import NotificationBlock
    from prefect.blocks.core import Block

    if "/" not in block_name:
        return f"{block_name!r} is not `<block type>/<name>` (see `prefect block ls`)"
    try:
        # Prefect's sync_compatible takes _sync; its types do not say so.
        block = Block.load(block_name, _sync=True)  # type: ignore[call-arg]
    except Exception as exc:  # a missing block or an unreachable API: the sync's result stands
        return f"the block {block_name!r} could not be loaded: {type(exc).__name__}: {redact(str(exc))}"
    if not isinstance(block, NotificationBlock):
        return f"the block {block_name!r} is a {type(block).__name__}, not a notification block"
    try:
        with _transport_logs_quiet(), block.raise_on_failure():
            # Prefect's sync_compatible takes _sync and then runs the call; its types see a coroutine.
            block.notify(body, subject=subject, _sync=True)  # type: ignore[call-arg, unused-coroutine]
    except Exception as exc:  # noqa: BLE001 — a receiver's failure must not fail the sync
        why = getattr(exc, "log", "") or str(exc)
        return f"{type(exc).__name__}: {redact(why)}" if redact(why) else type(exc).__name__
    return None


@task(name="notify", cache_policy=NO_CACHE)
def notify_sync(db_path: str, since: datetime, counts: dict[str, Any], failures: dict[str, str]) -> bool:
    """Send the sync's one message when one is due and a block is configured; True when it was sent."""
    settings = get_settings()
    if not settings.notify_block:
        return False
    logger = get_run_logger()
    try:
        fresh = new_review_items(db_path, since) if settings.notify_new_review_items else 0
    except Exception as exc:  # noqa: BLE001 — an unreadable warehouse is already the sync's own failure
        logger.warning("notification: could not count new review items (%s)", type(exc).__name__)
        fresh = 0
    message = sync_message(counts, failures, fresh, settings.notify_new_review_items)
    if message is None:
        return False
    problem = send(settings.notify_block, *message)
    if problem:
        logger.warning("notification not sent: %s", problem)
        return False
    logger.info("notification sent through %s", settings.notify_block)
    return True
