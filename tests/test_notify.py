"""Sync notifications through real Prefect notification blocks, delivered to a receiver on loopback."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tasks.notify import redact, sync_message

WEBHOOK_SECRET = "T0KEN-in-the-webhook-path-7f3a"


class Receiver:
    """An HTTP endpoint on loopback that records what is posted to it and answers `status`."""

    def __init__(self, status: int = 200):
        self.status = status
        self.posts: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's naming
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                receiver.posts.append({"path": self.path, "body": raw.decode("utf-8", "replace")})
                self.send_response(receiver.status)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{WEBHOOK_SECRET}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as rec:
        yield rec


def save_webhook_block(name: str, url: str) -> str:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    CustomWebhookNotificationBlock(
        name="shelfmatch", url=url, json_data={"subject": "{{subject}}", "text": "{{body}}"}
    ).save(name, overwrite=True)
    return f"custom-webhook/{name}"


def save_mattermost_block(name: str, port: int) -> str:
    """An Apprise-backed block: Mattermost's incoming webhook is POST /hooks/<token> on its host."""
    from prefect.blocks.notifications import MattermostWebhook
    from pydantic import SecretStr

    MattermostWebhook(hostname="127.0.0.1", port=port, secure=False, token=SecretStr(WEBHOOK_SECRET)).save(
        name, overwrite=True
    )
    return f"mattermost-webhook/{name}"


def run_sync(**params):
    from flows.sync import sync

    state = sync(skip_listen=True, return_state=True, **params)
    return state, state.result(raise_on_failure=False)


def dead_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_message_names_every_reason_and_only_when_one_applies():
    counts = {"items_seen": 12, "pending": 3, "items_waiting_for_hardcover_budget": 4,
              "hardcover_budget_resets_at": "2026-12-08 03:00"}  # fmt: skip
    subject, body = sync_message(counts, {"extract": "ABS unreachable"}, new_for_review=3, review_at=2)
    assert subject == "shelfmatch sync failed (extract)"
    assert "extract: ABS unreachable" in body and "4 items wait" in body and "3 new items to review" in body
    assert sync_message({"items_seen": 12}, {}, new_for_review=1, review_at=2) is None
    assert sync_message({"items_seen": 12}, {}, new_for_review=9, review_at=0) is None
    assert sync_message({}, {}, new_for_review=2, review_at=2)[0] == "shelfmatch sync: 2 new items to review"


def test_redact_keeps_one_line_without_urls():
    text = f"HTTPStatusError: 500 for url 'http://127.0.0.1:9/hooks/{WEBHOOK_SECRET}'\nmore"
    assert redact(text) == "HTTPStatusError: 500 for url '<url>"


@pytest.mark.flow
def test_a_failed_sync_delivers_exactly_one_message(prefect_harness, receiver, monkeypatch, tmp_path):
    monkeypatch.setenv("SHELFMATCH_ABS_URL", f"http://127.0.0.1:{dead_port()}")
    monkeypatch.setenv("SHELFMATCH_ABS_API_KEY", "k")
    monkeypatch.setenv("SHELFMATCH_ABS_RETRIES", "0")
    monkeypatch.setenv("SHELFMATCH_NOTIFY_BLOCK", save_webhook_block("notify-failed", receiver.url))
    state, _ = run_sync()
    assert state.is_failed()
    assert len(receiver.posts) == 1, receiver.posts
    message = json.loads(receiver.posts[0]["body"])
    assert message["subject"] == "shelfmatch sync failed (extract)"
    assert "extract:" in message["text"]


@pytest.mark.flow
def test_a_capped_sync_delivers_exactly_one_message_through_an_apprise_block(
    prefect_harness, receiver, abs_server, abs_settings, hc_server, monkeypatch, caplog, tmp_path
):
    abs_settings(abs_server())
    hc_server.set_daily_remaining(1)
    monkeypatch.setenv("SHELFMATCH_NOTIFY_BLOCK", save_mattermost_block("notify-capped", receiver.port))
    monkeypatch.setenv("SHELFMATCH_LOG_FILE", str(tmp_path / "shelfmatch.log"))
    with caplog.at_level(logging.DEBUG):
        state, summary = run_sync()
    assert state.is_completed(), state.message
    assert summary["items_waiting_for_hardcover_budget"] > 0
    assert len(receiver.posts) == 1, receiver.posts
    post = receiver.posts[0]
    assert post["path"] == f"/hooks/{WEBHOOK_SECRET}"
    text = json.loads(post["body"])["text"]
    assert "daily cap" in text and f"{summary['items_waiting_for_hardcover_budget']} items wait" in text
    assert WEBHOOK_SECRET not in caplog.text
    assert WEBHOOK_SECRET not in json.dumps(_artifacts_text(state))


@pytest.mark.flow
def test_nothing_is_sent_when_no_block_is_configured(
    prefect_harness, receiver, abs_server, abs_settings, hc_server, monkeypatch
):
    abs_settings(abs_server())
    hc_server.set_daily_remaining(1)
    save_webhook_block("notify-unused", receiver.url)  # saved, but not named by the setting
    state, summary = run_sync()
    assert state.is_completed() and summary["items_waiting_for_hardcover_budget"] > 0
    assert receiver.posts == []


@pytest.mark.flow
@pytest.mark.parametrize("broken", ["refused", "error status", "missing block"])
def test_a_failing_notification_never_fails_the_sync(
    prefect_harness, abs_server, abs_settings, hc_server, monkeypatch, caplog, broken
):
    abs_settings(abs_server())
    hc_server.set_daily_remaining(1)
    with Receiver(status=500) as erroring:
        if broken == "refused":
            url = f"http://127.0.0.1:{dead_port()}/hooks/{WEBHOOK_SECRET}"
            block = save_webhook_block("notify-refused", url)
        elif broken == "error status":
            block = save_webhook_block("notify-500", erroring.url)
        else:
            block = "custom-webhook/no-such-block"
        monkeypatch.setenv("SHELFMATCH_NOTIFY_BLOCK", block)
        with caplog.at_level(logging.WARNING):
            state, _ = run_sync()
    assert state.is_completed(), state.message
    warnings = [r.getMessage() for r in caplog.records if "notification" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].startswith("notification not sent: "), warnings
    assert WEBHOOK_SECRET not in caplog.text
    if broken == "error status":
        assert len(erroring.posts) == 1


def _artifacts_text(state) -> list:
    from tests.prefect_reads import artifacts_of

    return [str(a.data) for a in artifacts_of(state).values()]


@pytest.mark.flow
def test_new_review_items_are_the_queue_rows_scored_since_the_sync_started(demo_warehouse, tmp_path):
    import shutil
    from datetime import timedelta

    from tasks.notify import new_review_items
    from tasks.warehouse import connect, now

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_warehouse.db_path, db)
    with connect(db) as con:
        [(queued,)] = con.execute("SELECT count(*) FROM match_review_queue").fetchall()
        [(last_scored,)] = con.execute("SELECT max(scored_at) FROM matches").fetchall()
    assert queued > 0
    assert new_review_items(db, last_scored - timedelta(days=365)) == queued
    assert new_review_items(db, now()) == 0
