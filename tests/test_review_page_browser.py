"""The review page in a real Chromium (Debian's package, driven by Playwright), as a person uses it:
load the queue, filter, open an item, untick a field, approve with the keyboard, bulk-approve a filtered
set, see the plan change, apply, roll back — checking what the page shows, what lands in the warehouse
and what the ABS emulator holds. The warehouse is a copy of the demo warehouse (the real pipeline)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# Where the README's pictures come from: SHELFMATCH_SCREENSHOT_DIR=docs/img uv run pytest tests/test_review_page_browser.py
# (resolved here, before the tests change into their temporary folders).
SCREENSHOTS = os.environ.get("SHELFMATCH_SCREENSHOT_DIR") and str(
    Path(os.environ["SHELFMATCH_SCREENSHOT_DIR"]).resolve()
)


def sql(db: Path, query: str, params: list | None = None) -> list[tuple]:
    from tasks.warehouse import connect

    with connect(db, migrate_schema=False) as con:
        return con.execute(query, params or []).fetchall()


def queue_count(db: Path, where: str = "TRUE") -> int:
    [(n,)] = sql(
        db,
        "SELECT count(*) FROM matches m JOIN abs_items i USING (item_id) "
        "LEFT JOIN (SELECT * FROM review_decisions QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY seq DESC) = 1) d "
        "USING (item_id) WHERE m.book_id IS NOT NULL AND i.removed_at IS NULL "
        "AND (m.tier = 'pending' OR (m.tier = 'reject' AND m.confidence >= 0.5)) "
        f"AND (d.item_id IS NULL OR d.evidence_hash IS DISTINCT FROM m.evidence_hash) AND {where}",
    )
    return n


def item_with_two_writes(db: Path, settings) -> tuple[str, list[str]]:
    """A pending item whose plan would write at least two fields (one to untick, one to write)."""
    from tasks.warehouse import connect
    from tasks.web.item import item_view

    ids = [r[0] for r in sql(db, "SELECT item_id FROM match_review_queue ORDER BY confidence DESC, item_id")]
    with connect(db, migrate_schema=False) as con:
        for item_id in ids:
            offered = [f.field for f in item_view(con, settings, item_id).fields if f.offered]
            if len(offered) >= 2 and "title" not in offered:
                return item_id, offered
    pytest.fail("no pending item in the demo warehouse would write two fields")


def shows(page, selector: str, timeout: float = 20_000) -> None:
    """Wait for `selector`; when it never comes, fail with what the page says instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_selector(selector, timeout=timeout)
    except PlaywrightTimeout:
        pytest.fail(f"{selector} not shown at {page.url}: {page.content()[:800]}")


def test_review_journey(review_page, browser):
    served, db = review_page, review_page.db_path
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())

    # --- the queue: counts as in SQL ---
    page.goto(served.login_url())
    assert page.url == f"{served.url}/"  # the token left the address bar for a cookie
    total = queue_count(db)
    assert total > 5
    assert page.locator("[data-count=all]").inner_text() == str(total)
    assert page.locator("table.queue tbody tr").count() == min(total, 50)

    # --- the plan before any decision here ---
    page.goto(f"{served.url}/plan")
    page.click("#make-plan")
    shows(page, "#plan-summary")
    before_plan = {
        (r.get_attribute("data-item"), r.get_attribute("data-field"))
        for r in page.locator("table.plan tbody tr").all()
    }

    # --- filter by an author: the rows and the count follow ---
    item_id, offered = item_with_two_writes(db, served.settings)
    [(author,)] = sql(db, "SELECT authors[1] FROM abs_items WHERE item_id = ?", [item_id])
    page.goto(f"{served.url}/")
    if author:
        page.fill("input[name=author]", author)
    page.select_option("select[name=tier]", "pending")
    page.click(".filters button[type=submit]")
    shown = int(page.locator("[data-count=shown]").inner_text())
    where = "m.tier = 'pending'" + (
        f" AND (array_to_string(i.authors, ', ') ILIKE '%{author.replace(chr(39), chr(39) * 2)}%' OR EXISTS (SELECT 1 FROM hc_contributions c "
        f"WHERE c.contributable_type = 'Book' AND c.contributable_id = m.book_id AND c.author_name ILIKE '%{author.replace(chr(39), chr(39) * 2)}%'))"
        if author
        else ""
    )
    assert shown == queue_count(db, where)
    assert page.locator(f"tr[data-item='{item_id}']").count() == 1

    # --- open the item: both sides, both covers, the reason ---
    page.click(f"tr[data-item='{item_id}'] a.open")
    shows(page, "#decide")
    assert "/item/" in page.url
    assert page.locator("#why li").count() >= 1
    for img in ("#abs-cover", "#hc-cover"):  # an image, or the placeholder when the browser cannot show it
        page.wait_for_function(
            f"document.querySelector('{img}').complete && document.querySelector('{img}').naturalWidth > 0"
        )
    # ABS's cover came through the app, fetched with the server-side key: the bytes ABS holds.
    assert served.abs.count("GET", f"/api/items/{item_id}/cover") >= 1
    cover_path = served.abs.items[item_id]["media"].get("coverPath")
    proxied = page.request.get(f"{served.url}/cover/{item_id}")
    if cover_path:
        assert proxied.ok and proxied.body() == served.abs.server_files[cover_path]
    else:
        assert proxied.url.endswith("/static/no-cover.svg")
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / "review-item.png"), full_page=True)

    # --- untick one field, approve with the keyboard ---
    unticked, kept = offered[0], offered[1]
    page.uncheck(f"#write-{unticked}")
    assert page.is_checked(f"#write-{kept}")
    page.locator("body").click(position={"x": 5, "y": 5})  # focus out of the form controls
    with page.expect_navigation():
        page.keyboard.press("a")
    assert f"approved {item_id}" in page.locator(".flash").inner_text()
    [(decision, via, evidence, current)] = sql(
        db,
        "SELECT d.decision, d.via, d.evidence_hash, m.evidence_hash FROM review_decisions d JOIN matches m USING (item_id) "
        "WHERE d.item_id = ? ORDER BY d.seq DESC LIMIT 1",
        [item_id],
    )
    assert (decision, via, evidence) == ("approve", "web", current)
    choices = dict(
        sql(
            db,
            "SELECT field, write FROM review_field_choices WHERE decision_seq = "
            "(SELECT max(seq) FROM review_decisions WHERE item_id = ?)",
            [item_id],
        )
    )
    assert choices[unticked] is False and choices[kept] is True

    # --- bulk-approve a filtered set: count, confirm, recorded ---
    [(cut,)] = sql(db, "SELECT quantile_disc(confidence, 0.5) FROM match_review_queue")
    expected = queue_count(db, f"m.tier = 'pending' AND m.confidence >= {cut}")
    page.goto(f"{served.url}/?tier=pending&min_confidence={cut}")
    assert int(page.locator("[data-count=shown]").inner_text()) == expected
    page.click("#bulk-approve")
    assert f"approve {expected} item(s)" in page.locator("#bulk-summary").inner_text()
    seq_before = sql(db, "SELECT coalesce(max(seq), 0) FROM review_decisions")[0][0]
    page.click("#bulk-confirm")
    assert f"approved {expected} item(s)" in page.locator(".flash").inner_text()
    assert (
        sql(db, "SELECT count(*) FROM review_decisions WHERE seq > ? AND decision = 'approve'", [seq_before])[
            0
        ][0]
        == expected
    )
    assert queue_count(db, f"m.tier = 'pending' AND m.confidence >= {cut}") == 0

    # --- the plan changed: the approved item is in it, without the unticked field ---
    page.goto(f"{served.url}/plan")
    page.click("#make-plan")
    shows(page, "#plan-summary")
    after_plan = {
        (r.get_attribute("data-item"), r.get_attribute("data-field"))
        for r in page.locator("table.plan tbody tr").all()
    }
    assert (item_id, kept) in after_plan and (item_id, kept) not in before_plan
    assert (item_id, unticked) not in after_plan
    [(run_id,)] = sql(db, "SELECT run_id FROM runs WHERE flow = 'writeback' ORDER BY started_at DESC LIMIT 1")
    assert (
        sql(
            db,
            "SELECT count(*) FROM writeback_plans WHERE run_id = ? AND item_id = ? AND field = ?",
            [run_id, item_id, unticked],
        )[0][0]
        == 0
    )

    # --- apply: the outcome page, the journal, and ABS ---
    abs_before = json.loads(json.dumps(served.abs.items[item_id]["media"]["metadata"]))
    with page.expect_navigation():
        page.click("#apply")
    assert "completed" in page.locator("#run-status").inner_text()
    verified = int(page.locator("[data-key=verified]").inner_text())
    assert verified > 0
    [(apply_run,)] = sql(
        db, "SELECT run_id FROM runs WHERE flow = 'writeback' ORDER BY started_at DESC LIMIT 1"
    )
    written = dict(
        sql(
            db,
            "SELECT field, after FROM writeback_log WHERE run_id = ? AND item_id = ? AND status = 'verified'",
            [apply_run, item_id],
        )
    )
    assert kept in written and unticked not in written
    meta = served.abs.items[item_id]["media"]["metadata"]
    from tasks.writeback.payload import FIELDS, from_abs_metadata

    now_values, old_values = from_abs_metadata(meta), from_abs_metadata(abs_before)
    assert now_values[kept] == json.loads(written[kept])
    assert now_values[unticked] == old_values[unticked]  # the unticked field was left alone in ABS

    # --- roll back from the history ---
    page.goto(f"{served.url}/runs")
    with page.expect_navigation():
        page.click(f"tr[data-run='{apply_run}'] button.rollback")
    assert "rollback" in page.locator("h1").inner_text().lower()
    assert "completed" in page.locator("#run-status").inner_text()
    restored = from_abs_metadata(served.abs.items[item_id]["media"]["metadata"])
    assert {f: restored[f] for f in FIELDS} == {f: old_values[f] for f in FIELDS}
    if SCREENSHOTS:
        page.goto(f"{served.url}/")
        page.screenshot(path=str(Path(SCREENSHOTS) / "review-queue.png"))
    page.close()
