"""The ABS custom metadata provider (`/abs/search`, `/abs/browse/search`) served by the review app over a
copy of the demo warehouse: ABS's OpenAPI contract (requests and responses validated with openapi-core
against ABS's own specification.yaml), ABS 2.36's sanitising rules (reference/abs-api.md §5.4), and
Quick Match safety — a book shelfmatch is not sure of is never the first result of the safe endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
import yaml

SPEC = Path(__file__).resolve().parent / "data" / "abs-custom-metadata-provider" / "specification.yaml"
ABS_KEYS = {
    "title", "subtitle", "author", "narrator", "publisher", "publishedYear", "description", "cover", "isbn",
    "asin", "genres", "tags", "series", "language", "duration",
}  # fmt: skip
STRING_KEYS = {"title", "subtitle", "author", "narrator", "publisher", "publishedYear", "description", "cover",
               "isbn", "asin", "language"}  # fmt: skip


class _Request:
    """An HTTP request as openapi-core reads it."""

    def __init__(self, url: str, headers: dict[str, str]):
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        parts = urlsplit(url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.method = "get"
        self.body = None
        self.content_type = "application/json"
        query = httpx.QueryParams(parts.query)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(query.multi_items())),
            header=Headers(headers),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response):
        from werkzeug.datastructures import Headers

        self.data = response.content
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "").split(";")[0]
        self.headers = Headers(dict(response.headers))


@pytest.fixture(scope="module")
def contract(served_review):
    """ABS's specification with its server set to where ABS would call: <provider url> = <base>/abs."""
    from openapi_core import OpenAPI

    spec = yaml.safe_load(SPEC.read_text())
    spec["servers"] = [{"url": f"{served_review.url}/abs"}, {"url": f"{served_review.url}/abs/browse"}]
    return OpenAPI.from_dict(spec)


def call(
    served, contract, path: str, headers: dict | None = None, valid_request: bool = True, **params: Any
) -> httpx.Response:
    """GET as ABS's CustomProviderAdapter does (mediaType, query, author, isbn; Authorization as stored),
    validating the request and the response against the specification."""
    params = {"mediaType": "book", **{k: v for k, v in params.items() if v is not None}}
    url = f"{served.url}{path}?{urlencode(params)}"
    headers = {"Authorization": served.provider_key} if headers is None else headers
    response = httpx.get(url, headers=headers, timeout=30)
    if valid_request and "Authorization" in headers:
        contract.validate_request(_Request(url, headers))
    contract.validate_response(_Request(url, headers), _Response(response))
    return response


def abs_sanitise(match: dict) -> dict:
    """ABS 2.36's sanitising of one custom-provider match (reference/abs-api.md §5.4), as its rules read."""
    out: dict = {}
    for key, value in match.items():
        if key not in ABS_KEYS:
            continue
        if key in STRING_KEYS:
            if isinstance(value, bool) or not isinstance(value, str | int | float | list):
                continue
            out[key] = ", ".join(value) if isinstance(value, list) else str(value)
        elif key in ("genres", "tags"):
            items = value.split(",") if isinstance(value, str) else value
            if isinstance(items, list) and all(isinstance(v, str) for v in items):
                out[key] = list(dict.fromkeys(v.strip() for v in items if v.strip()))
        elif key == "series":
            if isinstance(value, list) and all(
                isinstance(s, dict) and isinstance(s.get("series"), str) for s in value
            ):
                out[key] = [
                    {
                        "series": s["series"],
                        **({"sequence": str(s["sequence"])} if s.get("sequence") is not None else {}),
                    }
                    for s in value
                ]
        elif key == "duration" and isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = value
    return out


def _known(db: Path, sql: str) -> list[tuple]:
    from tasks.warehouse import connect

    with connect(db, migrate_schema=False) as con:
        return con.execute(sql).fetchall()


def _item_query(db: Path, where: str) -> tuple[str, str, str | None, int]:
    """(ABS title, ABS "A, B" authors, isbn, matched book) of one item whose match satisfies `where`, whose
    title no other item shares."""
    rows = _known(
        db,
        "SELECT i.title, array_to_string(i.authors, ', '), i.isbn, m.book_id FROM matches m "
        "JOIN abs_items i USING (item_id) WHERE i.title IS NOT NULL AND i.removed_at IS NULL AND "
        f"m.book_id IS NOT NULL AND {where} AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.item_id = m.item_id) "
        "AND (SELECT count(*) FROM abs_items j WHERE lower(trim(j.title)) = lower(trim(i.title))) = 1 "
        "ORDER BY m.item_id LIMIT 1",
    )
    if not rows:
        pytest.fail(f"the demo warehouse has no item with {where}")
    return rows[0]


def test_an_auto_match_is_the_one_answer_and_sanitises_unchanged(served_review, contract):
    title, authors, _, book_id = _item_query(served_review.db_path, "m.tier = 'auto'")
    body = call(served_review, contract, "/abs/search", query=title, author=authors or None).json()
    [(book_title,)] = _known(served_review.db_path, f"SELECT title FROM hc_books WHERE book_id = {book_id}")
    assert [m["title"] for m in body["matches"]] == [book_title]
    match = body["matches"][0]
    assert abs_sanitise(match) == match  # nothing ABS would drop or change
    assert isinstance(match.get("author"), str) and match["author"]
    for s in match.get("series", []):
        assert isinstance(s["series"], str) and isinstance(s.get("sequence", ""), str)
    if "duration" in match:
        [(seconds,)] = _known(
            served_review.db_path,
            f"SELECT max(audio_seconds) FROM hc_editions WHERE book_id = {book_id} AND reading_format_id IN (2, 3)",
        )
        assert match["duration"] == round(seconds / 60)  # minutes, as ABS expects


def test_a_pending_match_gives_quick_match_nothing_but_the_browse_provider_ranks_it(served_review, contract):
    title, authors, _, book_id = _item_query(served_review.db_path, "m.tier = 'pending'")
    safe = call(served_review, contract, "/abs/search", query=title, author=authors or None).json()
    assert safe == {"matches": []}
    browse = call(served_review, contract, "/abs/browse/search", query=title, author=authors or None).json()
    [(book_title,)] = _known(served_review.db_path, f"SELECT title FROM hc_books WHERE book_id = {book_id}")
    assert browse["matches"] and browse["matches"][0]["title"] == book_title
    assert all(abs_sanitise(m) == m for m in browse["matches"])


def test_a_request_with_an_isbn_is_quick_match_so_the_browse_provider_answers_sure_only(
    served_review, contract
):
    title, authors, _, _ = _item_query(served_review.db_path, "m.tier = 'pending'")
    body = call(
        served_review,
        contract,
        "/abs/browse/search",
        query=title,
        author=authors or None,
        isbn="9780000000002",
    ).json()
    assert body == {"matches": []}


def test_an_approval_on_the_current_evidence_makes_the_match_sure(served_review, contract, tmp_path):
    from tasks.review import record_decision
    from tasks.warehouse import connect

    rows = _known(
        served_review.db_path,
        "SELECT m.item_id, i.title, array_to_string(i.authors, ', '), m.book_id, m.edition_id, m.evidence_hash "
        "FROM matches m JOIN abs_items i USING (item_id) WHERE m.tier = 'pending' AND m.book_id IS NOT NULL "
        "AND i.title IS NOT NULL AND (SELECT count(*) FROM abs_items j WHERE lower(trim(j.title)) = lower(trim(i.title))) = 1 "
        "AND NOT EXISTS (SELECT 1 FROM review_decisions d WHERE d.item_id = m.item_id) ORDER BY m.item_id DESC LIMIT 1",
    )
    item_id, title, authors, book_id, edition_id, evidence = rows[0]
    assert call(served_review, contract, "/abs/search", query=title, author=authors or None).json() == {
        "matches": []
    }
    with connect(served_review.db_path) as con:
        record_decision(con, item_id, "approve", book_id, edition_id, evidence, by="test")
    body = call(served_review, contract, "/abs/search", query=title, author=authors or None).json()
    assert len(body["matches"]) == 1
    with connect(served_review.db_path) as con:
        record_decision(con, item_id, "approve", book_id, edition_id, "another-evidence", by="test")
    assert call(served_review, contract, "/abs/search", query=title, author=authors or None).json() == {
        "matches": []
    }


def test_what_listening_heard_names_the_item(served_review, contract):
    """A title only the audio said (transcript evidence, as the listen flow stores it) finds the item."""
    from tasks.warehouse import connect, load_sql

    [(item_id, book_id)] = _known(
        served_review.db_path,
        "SELECT m.item_id, m.book_id FROM matches m WHERE m.tier = 'pending' AND m.book_id IS NOT NULL "
        "ORDER BY m.item_id DESC LIMIT 1",
    )
    heard = "A Title Only The Narrator Said"
    assert call(served_review, contract, "/abs/browse/search", query=heard).json() == {"matches": []}
    with connect(served_review.db_path) as con:
        con.execute(
            load_sql("listen_insert_evidence"),
            {
                "item_id": item_id,
                "field": "title",
                "value": heard,
                "ordinal": 0,
                "rule": "test.heard",
                "run_id": None,
            },
        )
    body = call(served_review, contract, "/abs/browse/search", query=heard.lower()).json()
    [(book_title,)] = _known(served_review.db_path, f"SELECT title FROM hc_books WHERE book_id = {book_id}")
    assert body["matches"] and body["matches"][0]["title"] == book_title
    assert call(served_review, contract, "/abs/search", query=heard).json() == {
        "matches": []
    }  # still pending


def test_a_query_no_item_has_is_scored_against_the_warehouse_books(served_review, contract):
    [(title, authors)] = _known(
        served_review.db_path,
        "SELECT b.title, (SELECT string_agg(c.author_name, ', ') FROM hc_contributions c WHERE c.contributable_type = 'Book' "
        "AND c.contributable_id = b.book_id) FROM hc_books b WHERE lower(trim(b.title)) NOT IN "
        "(SELECT lower(trim(title)) FROM abs_items WHERE title IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM item_evidence e "
        "WHERE e.field = 'title' AND lower(trim(e.value)) = lower(trim(b.title))) AND (SELECT count(*) FROM hc_books x "
        "WHERE lower(trim(x.title)) = lower(trim(b.title))) = 1 ORDER BY b.book_id LIMIT 1",
    )
    body = call(served_review, contract, "/abs/browse/search", query=title, author=authors).json()
    assert [m["title"] for m in body["matches"]][:1] == [title]


def test_auth_and_bad_requests_answer_the_specified_errors(served_review, contract):
    no_key = call(served_review, contract, "/abs/search", headers={}, query="Dune", valid_request=False)
    assert no_key.status_code == 401 and "error" in no_key.json()
    wrong = call(
        served_review, contract, "/abs/search", headers={"Authorization": "Bearer nope"}, query="Dune"
    )
    assert wrong.status_code == 401
    bearer = call(
        served_review,
        contract,
        "/abs/search",
        headers={"Authorization": f"Bearer {served_review.provider_key}"},
        query="Dune",
    )
    assert bearer.status_code == 200
    missing = call(served_review, contract, "/abs/search", query="", valid_request=False)
    assert missing.status_code == 400 and json.loads(missing.text)["error"]
    # The page's token does not open the provider, and the provider key opens no page.
    assert (
        httpx.get(f"{served_review.url}/", headers={"Authorization": served_review.provider_key}).status_code
        == 401
    )
