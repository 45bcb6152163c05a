"""The review page's security model, against the served app: a token for every page, CSRF value and
origin for every state-changing request, escaped values (a title with <script> shows as text, in a real
Chromium too), the ABS key never reaching the page, and no listening beyond loopback without a user token."""

from __future__ import annotations

import re

import httpx
from typer.testing import CliRunner

XSS = '<script>window.__owned = 1</script><img src=x onerror="window.__owned = 2">'


def session(served) -> httpx.Client:
    client = httpx.Client(base_url=served.url, timeout=60)
    first = client.get(f"/?token={served.token}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert (
        "httponly" in first.headers["set-cookie"].lower()
        and "samesite=strict" in first.headers["set-cookie"].lower()
    )
    return client


def csrf_of(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', html).group(1)


def pending_item(db) -> str:
    from tasks.warehouse import connect

    with connect(db, migrate_schema=False) as con:
        return con.execute("SELECT item_id FROM match_review_queue ORDER BY item_id LIMIT 1").fetchone()[0]


def test_every_page_needs_the_token(review_page):
    for path in ("/", "/plan", "/runs", f"/item/{pending_item(review_page.db_path)}", "/cover/x"):
        response = httpx.get(review_page.url + path)
        assert response.status_code == 401, path
    assert httpx.get(f"{review_page.url}/?token=wrong", follow_redirects=False).status_code == 401
    assert (
        httpx.get(review_page.url + "/", headers={"X-Shelfmatch-Token": review_page.token}).status_code == 200
    )


def test_state_changes_need_the_csrf_value_and_this_origin(review_page):
    client = session(review_page)
    item_id = pending_item(review_page.db_path)
    csrf = csrf_of(client.get("/").text)

    def decisions() -> int:
        from tasks.warehouse import connect

        with connect(review_page.db_path, migrate_schema=False) as con:
            return con.execute(
                "SELECT count(*) FROM review_decisions WHERE item_id = ?", [item_id]
            ).fetchone()[0]

    before = decisions()
    form = {"decision": "reject", "evidence_hash": "x"}
    assert client.post(f"/item/{item_id}/decide", data=form).status_code == 403  # no CSRF value
    assert client.post(f"/item/{item_id}/decide", data={**form, "csrf": "0" * 64}).status_code == 403
    evil = {"Origin": "http://evil.example"}
    assert (
        client.post(f"/item/{item_id}/decide", data={**form, "csrf": csrf}, headers=evil).status_code == 403
    )
    assert client.post("/bulk", data={"decision": "approve", "csrf": "nope"}).status_code == 403
    # Without the session cookie a right CSRF value is not enough.
    assert (
        httpx.post(f"{review_page.url}/item/{item_id}/decide", data={**form, "csrf": csrf}).status_code == 401
    )
    assert decisions() == before
    # With both, a stale page (other evidence) is refused in one line and nothing is recorded.
    stale = client.post(f"/item/{item_id}/decide", data={**form, "csrf": csrf})
    assert stale.status_code == 409 and "evidence changed" in stale.text
    assert decisions() == before


def test_values_are_escaped_on_every_page(review_page, browser):
    from tasks.warehouse import connect

    item_id = pending_item(review_page.db_path)
    with connect(review_page.db_path, migrate_schema=False) as con:
        [(old,)] = con.execute("SELECT title FROM abs_items WHERE item_id = ?", [item_id]).fetchall()
        con.execute("UPDATE abs_items SET title = ? WHERE item_id = ?", [XSS, item_id])
    try:
        client = session(review_page)
        for path in ("/?sort=title", f"/item/{item_id}"):
            html = client.get(path).text
            assert XSS not in html and "<script>window.__owned" not in html
            assert "&lt;script&gt;window.__owned = 1&lt;/script&gt;" in html
        page = browser.new_page()
        page.goto(review_page.login_url(f"/item/{item_id}"))
        assert page.locator("h1").inner_text() == XSS  # shown as text
        assert page.evaluate("window.__owned") is None  # and never run
        page.close()
    finally:
        with connect(review_page.db_path, migrate_schema=False) as con:
            con.execute("UPDATE abs_items SET title = ? WHERE item_id = ?", [old, item_id])


def test_the_cover_comes_through_the_app_and_the_key_never_reaches_the_page(review_page):
    client = session(review_page)
    item_id = pending_item(review_page.db_path)
    html = client.get(f"/item/{item_id}").text
    assert review_page.env["SHELFMATCH_ABS_API_KEY"] not in html
    cover = client.get(f"/cover/{item_id}")
    assert cover.status_code in (200, 302)
    if cover.status_code == 200:
        assert cover.headers["content-type"].startswith("image/") and len(cover.content) > 8


def test_beyond_loopback_needs_a_token_the_user_set(monkeypatch):
    from flows.cli import app

    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "SHELFMATCH_SERVE_TOKEN" in result.output and "Traceback" not in result.output
