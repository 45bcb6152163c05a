"""The Hardcover emulator enforces the real API's rules (reference/hardcover-api.md §1–2)."""

from __future__ import annotations

import json

import aiohttp
import pytest

from emulators.catalogue import load_catalogue
from emulators.hardcover import HardcoverEmulator, Limits
from emulators.hardcover.where import indexed_ids
from tests.plugins.hardcover_fixtures import HC_TOKEN

AUTH = {"authorization": f"Bearer {HC_TOKEN}"}


async def post(url: str, query: str, variables: dict | None = None, headers: dict | None = None):
    async with (
        aiohttp.ClientSession() as s,
        s.post(
            url,
            json={"query": query, "variables": variables or {}},
            headers=AUTH if headers is None else headers,
        ) as r,
    ):
        return r.status, dict(r.headers), json.loads(await r.text())


def books_fields(n: int) -> str:
    return "query { " + " ".join(f"b{i}: books(limit: 1) {{ id }}" for i in range(n)) + " }"


async def test_five_root_fields_pass_and_six_are_refused_with_403(hc_emulator):
    status, _, body = await post(hc_emulator.url, books_fields(5))
    assert status == 200 and len(body["data"]) == 5
    status, _, body = await post(hc_emulator.url, books_fields(6))
    assert status == 403
    assert "top_level_limit_exceeded" in body["errors"][0]["message"]
    assert [e.cost for e in hc_emulator.request_log] == [5, 6]  # the refused request still counts


async def test_a_second_search_in_one_request_is_refused(hc_emulator):
    q = 'query { a: search(query: "Dune") { ids } b: search(query: "Emma") { ids } }'
    status, _, body = await post(hc_emulator.url, q)
    assert status == 403
    assert "search_query_limit_exceeded" in body["errors"][0]["message"]


async def test_aliases_count_as_requests_in_the_ratelimit_header(hc_emulator):
    _, headers, _ = await post(hc_emulator.url, books_fields(1))
    _, headers2, _ = await post(hc_emulator.url, books_fields(3))
    daily = lambda h: int(h["RateLimit"].split('"daily";r=')[1].split(";")[0])  # noqa: E731
    assert daily(headers) - daily(headers2) == 3
    assert headers["RateLimit-Policy"] == '"Free";q=1200;w=60;burst=10, "daily";q=5000;w=86400'


async def test_disabled_operators_are_rejected(hc_emulator):
    status, _, body = await post(
        hc_emulator.url, 'query { books(where: {title: {_ilike: "%dune%"}}) { id } }'
    )
    assert status == 200
    assert body["data"] is None or body["data"].get("books") is None
    assert "_ilike" in body["errors"][0]["message"]


async def test_schema_invalid_query_is_a_validation_error_and_garbage_is_a_400(hc_emulator):
    status, _, body = await post(hc_emulator.url, "query { books { no_such_field } }")
    assert status == 200 and body["errors"][0]["extensions"]["code"] == "validation-failed"
    status, _, body = await post(hc_emulator.url, "query { books { id ")
    assert status == 400 and body["error"] == "invalid_query"


async def test_wrong_token_is_401_invalid_token(hc_emulator):
    status, headers, body = await post(
        hc_emulator.url, books_fields(1), headers={"authorization": "Bearer nope"}
    )
    assert status == 401 and body["error"] == "invalid_token"
    assert "RateLimit" in headers


async def test_search_with_a_bad_sort_returns_null_results_and_an_error(hc_emulator):
    q = 'query { search(query: "Dune", sort: "users_count") { error results ids } }'
    status, _, body = await post(hc_emulator.url, q)
    assert status == 200 and "errors" not in body
    assert body["data"]["search"]["results"] is None
    assert "sort_by" in body["data"]["search"]["error"]


async def test_search_ranks_the_title_first_with_typesense_shaped_documents(hc_emulator):
    q = 'query { search(query: "The Hunger Games", per_page: 5) { error ids results } }'
    _, _, body = await post(hc_emulator.url, q)
    res = body["data"]["search"]
    doc = res["results"]["hits"][0]["document"]
    assert doc["title"] == "The Hunger Games" and isinstance(doc["id"], str)
    assert res["ids"][0] == int(doc["id"])
    assert "Suzanne Collins" in doc["author_names"] and "Narrator" in doc["contribution_types"]
    assert doc["featured_series"]["series"]["name"] == "The Hunger Games"


async def test_nested_relationship_filters_and_selections(hc_emulator):
    q = """query($names: [String!]!) { books(where: {contributions: {author: {name: {_in: $names}}}}, order_by: {id: asc}) {
             id title contributions { contribution author { name } }
             editions(where: {reading_format_id: {_eq: 2}}) { asin audio_seconds contributions { contribution author { name } } }
             book_series { position series { name } } } }"""
    _, _, body = await post(hc_emulator.url, q, {"names": ["Frank Herbert"]})
    books = body["data"]["books"]
    assert any(b["title"] == "Dune" for b in books)
    dune = next(b for b in books if b["title"] == "Dune")
    assert dune["contributions"][0] == {"contribution": None, "author": {"name": "Frank Herbert"}}
    assert all(c["contribution"] == "Narrator" for e in dune["editions"] for c in e["contributions"])
    assert [b["id"] for b in books] == sorted(b["id"] for b in books)


async def test_a_50_id_lookup_answers_from_the_id_index(hc_emulator):
    books = load_catalogue().books[:50]
    ids = [b.book_id for b in books]
    q = "query($ids: [Int!]!) { books(where: {id: {_in: $ids}}) { id title editions { id asin isbn_13 } } }"
    _, _, body = await post(hc_emulator.url, q, {"ids": ids})
    assert sorted(b["id"] for b in body["data"]["books"]) == sorted(ids)
    assert {b["id"]: b["title"] for b in body["data"]["books"]} == {b.book_id: b.title for b in books}
    # The rows come from the index alone (no full scan of the table): exactly the ids asked for.
    assert indexed_ids(hc_emulator.db, "books", {"id": {"_in": ids}}) == set(ids)


async def test_the_burst_bucket_answers_429_with_retry_after():
    emu = HardcoverEmulator(token=HC_TOKEN, limits=Limits(per_minute=6, burst=3))
    url = await emu.start()
    try:
        statuses = [(await post(url, books_fields(1)))[0] for _ in range(3)]
        status, headers, body = await post(url, books_fields(1))
    finally:
        await emu.stop()
    assert statuses == [200, 200, 200]
    assert status == 429 and body["error"] == "Too Many Requests"
    assert int(headers["Retry-After"]) >= 1
    assert '"Free";r=0' in headers["RateLimit"]
    assert [v.reason for v in emu.violations()] == ["burst"]


@pytest.mark.parametrize("remaining", [0])
async def test_an_empty_daily_bucket_answers_429_until_reset(remaining):
    emu = HardcoverEmulator(token=HC_TOKEN, limits=Limits(per_minute=600))
    emu.set_daily_remaining(remaining)
    url = await emu.start()
    try:
        status, headers, _ = await post(url, books_fields(1))
    finally:
        await emu.stop()
    assert status == 429 and '"daily";r=0' in headers["RateLimit"]
    assert int(headers["Retry-After"]) > 3600


async def test_hasura_filter_semantics_order_distinct_and_by_pk(hc_emulator):
    q = """query($sid: Int!) {
      bs: book_series(where: {series_id: {_eq: $sid}, position: {_is_null: false}},
                      order_by: [{position: desc}, {book: {users_count: desc}}], distinct_on: [position]) {
        position book { id title } }
      audio: editions(where: {_and: [{reading_format_id: {_eq: 2}}, {audio_seconds: {_gt: 50000}}],
                              _not: {edition_format: {_eq: "Audio CD"}}}, limit: 3, offset: 1, order_by: {id: asc}) {
        id reading_format_id audio_seconds edition_format }
      pk: books_by_pk(id: 107919) { id title default_audio_edition { reading_format { format } } }
      none: editions_by_pk(id: 1) { id }
      others: authors(where: {name: {_in: ["Suzanne Collins", "Nobody Atall"]}, id: {_nin: [1]}}) { name books_count }
    }"""
    sid = load_catalogue().by_id[107919].series_id
    status, _, body = await post(hc_emulator.url, q, {"sid": sid})
    assert status == 200 and "errors" not in body, body.get("errors")
    data = body["data"]
    positions = [r["position"] for r in data["bs"]]
    assert positions == sorted(set(positions), reverse=True)
    assert len(data["audio"]) == 3
    assert all(
        e["reading_format_id"] == 2 and e["audio_seconds"] > 50000 and e["edition_format"] != "Audio CD"
        for e in data["audio"]
    )
    assert data["audio"] == sorted(data["audio"], key=lambda e: e["id"])
    assert data["pk"]["id"] == 107919 and data["none"] is None
    assert [a["name"] for a in data["others"]] == ["Suzanne Collins"] and data["others"][0]["books_count"] > 0


async def test_python_m_emulators_hardcover_serves_the_catalogue_with_the_given_token_and_limits():
    import asyncio
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulators.hardcover", "--token", "cli-token", "--daily", "77"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        line = await asyncio.to_thread(proc.stdout.readline)
        started = json.loads(line)
        assert started["books"] == len(load_catalogue())
        status, headers, body = await post(
            started["url"], books_fields(1), headers={"authorization": "Bearer cli-token"}
        )
        assert status == 200 and len(body["data"]["b0"]) == 1
        assert '"daily";q=77' in headers["RateLimit-Policy"]
        status, _, _ = await post(started["url"], books_fields(1), headers=AUTH)
        assert status == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
