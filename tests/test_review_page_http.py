"""The review page over HTTP (the served app, a copy of the demo warehouse): choosing another candidate
or entering a Hardcover id, and filters that cannot be used answered in one line."""

from __future__ import annotations

import re

import httpx


def session(served) -> httpx.Client:
    client = httpx.Client(base_url=served.url, timeout=60)
    client.get(f"/?token={served.token}")
    return client


def csrf_of(html: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', html).group(1)


def test_entering_another_book_and_approving_it_records_that_book(review_page):
    from tasks.warehouse import connect

    with connect(review_page.db_path, migrate_schema=False) as con:
        item_id, matched, evidence = con.execute(
            "SELECT item_id, hc_book_id, m.evidence_hash FROM match_review_queue JOIN matches m USING (item_id) "
            "ORDER BY item_id LIMIT 1"
        ).fetchone()
        [(other, other_title)] = con.execute(
            "SELECT book_id, title FROM hc_books WHERE book_id <> ? AND title IS NOT NULL ORDER BY book_id LIMIT 1",
            [matched],
        ).fetchall()
    client = session(review_page)
    csrf = csrf_of(client.get("/").text)
    entered = client.post(
        f"/item/{item_id}/enter", data={"csrf": csrf, "key": str(other)}, follow_redirects=False
    )
    assert entered.status_code == 303 and entered.headers["location"].endswith(f"book={other}")
    page = client.get(entered.headers["location"]).text
    assert "chosen instead of the match" in page and f'name="book_id" value="{other}"' in page
    assert other_title.replace("&", "&amp;").replace("'", "&#39;") in page
    client.post(
        f"/item/{item_id}/decide",
        data={"csrf": csrf, "decision": "approve", "book_id": str(other), "evidence_hash": evidence},
    )
    with connect(review_page.db_path, migrate_schema=False) as con:
        book_id, note, via = con.execute(
            "SELECT book_id, note, via FROM review_decisions WHERE item_id = ? ORDER BY seq DESC LIMIT 1",
            [item_id],
        ).fetchone()
    assert (book_id, via) == (other, "web") and note == f"chose book {other} over the matched {matched}"

    unknown = client.post(f"/item/{item_id}/enter", data={"csrf": csrf, "key": "no-such-book-slug"})
    assert (
        unknown.status_code == 404 and "No book &#39;no-such-book-slug&#39; in the warehouse" in unknown.text
    )


def test_filters_that_cannot_be_used_are_one_line_errors(review_page):
    client = session(review_page)
    for query, words in (
        ("min_confidence=lots", "min_confidence must be a number"),
        ("max_confidence=1.5", "max_confidence must be between 0 and 1"),
        ("tier=maybe", "tier must be one of"),
        ("sort=random", "sort must be one of"),
        ("page=0", "page must be a positive whole number"),
    ):
        response = client.get(f"/?{query}")
        assert response.status_code == 400 and words in response.text and "Traceback" not in response.text
    assert client.get("/?min_confidence=90%25&max_confidence=1").status_code == 200
    assert client.get("/item/no-such-item").status_code == 404
