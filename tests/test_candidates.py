"""fetch_candidates finds the true book for items, cheaply, and resumes after the daily cap."""

from __future__ import annotations

import json

import pytest

from emulators.hardcover import HardcoverEmulator, run_hardcover_emulator
from tasks.candidates.fetch import fetch_candidates_for, search_for_item
from tasks.candidates.items import load_items
from tasks.candidates.titles import name_variants
from tasks.retry import RetryPolicy
from tasks.settings import get_settings
from tasks.warehouse import connect
from tests.plugins.hardcover_fixtures import (
    HC_TOKEN,
    catalogue_items,
    fast_limits,
    searching_items,
    seed_items,
)


def settings_for(emu, db_path):
    return get_settings(hardcover_url=emu.url, hardcover_token=HC_TOKEN, duckdb_path=db_path)


def candidates_by_item(db_path) -> dict[str, list[int]]:
    with connect(db_path) as con:
        return dict(
            con.execute("SELECT item_id, list(book_id ORDER BY rank) FROM candidates GROUP BY 1").fetchall()
        )


def sent_requests(emu) -> list[str]:
    return [e.query + json.dumps(e.variables, sort_keys=True) for e in emu.request_log if e.status == 200]


def test_author_name_variants_cover_inversions_and_initial_spacing():
    assert "J.R.R. Tolkien" in name_variants("Tolkien, J. R. R.")
    assert "J. K. Rowling" in name_variants("J.K. Rowling")
    assert "Frank Herbert" in name_variants("frank herbert")


@pytest.mark.parametrize(
    ("glued", "filed"),
    [
        ("J K Rowling", "J.K. Rowling"),
        ("C S Lewis", "C.S. Lewis"),
        ("George R R Martin", "George R.R. Martin"),
    ],
)
def test_initials_that_lost_their_dots_with_a_folder_name_s_separators_are_asked_with_them(glued, filed):
    assert filed in name_variants(glued)


def test_a_leading_article_is_not_taken_for_an_initial():
    assert name_variants("A Bad Name") == ["A Bad Name"]


def test_placeholder_titles_are_not_searched_but_short_real_titles_are():
    from tasks.normalise import is_placeholder_title

    assert all(is_placeholder_title(t) for t in ["51515", "rip_67414", "book79832", "Part 1", "Track 03"])
    assert all(is_placeholder_title(t) for t in ["Unknown 0042", "Untitled 2", "Unknown Album"])
    assert not any(is_placeholder_title(t) for t in ["1984", "11/22/63", "2001", "The 5th Wave", "Dune"])
    assert not any(is_placeholder_title(t) for t in ["The Unknown", "Unknown Soldier", "Untitled Love Story"])


# What recorders, file managers and scratch folders name things, and the bare word a file is left with
# once its number is read as a track number; real titles with the same words stay searchable.
PLACEHOLDERS = ["New Recording 907", "recording 894", "New folder (2) 280", "New Folder", "tmp 194"]
PLACEHOLDERS += [
    "download 392",
    "book",
    "AUDIO",
    "Voice Memo 3",
    "untitled",
    "untitled folder 379",
    "Audiobooks",
]
REAL_TITLES = ["Book of Mormon", "The Book Thief", "Recording Angel", "Download", "Temp", "The Audiobook"]
REAL_TITLES += ["Untitled Love Story", "The Untitled"]


@pytest.mark.parametrize("title", PLACEHOLDERS)
def test_recorder_file_manager_and_scratch_names_are_placeholders(title):
    from tasks.normalise import is_placeholder_title

    assert is_placeholder_title(title)


@pytest.mark.parametrize("title", REAL_TITLES)
def test_real_titles_with_placeholder_words_are_not(title):
    from tasks.normalise import is_placeholder_title

    assert not is_placeholder_title(title)


def test_an_item_with_only_a_placeholder_title_costs_no_request_and_says_why(db_path):
    seed_items(db_path, [{"item_id": "li_x", "title": "rip_67414", "authors": [], "truth": None}])
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        summary = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r")
        assert emu.request_log == []
    with connect(db_path) as con:
        kind, message = con.execute("SELECT kind, message FROM errors").fetchone()
    assert summary.items_done == 1 and kind == "no_usable_title" and "rip_67414" in message


def test_candidates_contain_the_true_book_for_cheaply_and_a_rerun_asks_nothing(db_path):
    items = catalogue_items(120, start=2000)
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        first = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r1")
        sent_first = len(emu.request_log)
        second = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r2")
        assert len(emu.request_log) == sent_first  # unchanged re-run: zero requests
        assert emu.violations() == []
    found = candidates_by_item(db_path)
    missed = [it["item_id"] for it in items if it["truth"] not in found.get(it["item_id"], [])]
    assert missed == []
    assert first.items_done == 120 and first.errors == 0 and first.stopped_by_budget == 0
    assert first.requests_total / len(items) <= 0.35
    assert {"editions_by_identifiers", "books_by_authors"} <= set(first.requests)
    assert second.skipped_unchanged == 120 and second.requests_total == 0
    with connect(db_path) as con:
        asin_item = next(it for it in items if it.get("asin"))
        strategy = con.execute(
            "SELECT strategy, edition_id FROM candidates WHERE item_id = ? AND rank = 1",
            [asin_item["item_id"]],
        ).fetchone()
        narrators = con.execute(
            "SELECT count(*) FROM hc_contributions WHERE contribution = 'Narrator'"
        ).fetchone()[0]
    assert strategy[0] == "asin" and strategy[1] is not None
    assert narrators > 0


def test_changed_evidence_is_fetched_again_and_only_that_item(db_path):
    items = catalogue_items(10, start=3000)
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r1")
        changed = dict(items[3], title="Completely Different Title", asin=None, isbn=None)
        seed_items(db_path, [changed])
        again = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r2")
    assert again.items == 1 and again.skipped_unchanged == 9


def test_identifiers_answered_in_one_mix_are_not_asked_again_in_another(db_path):
    """Each ASIN's and ISBN's editions are remembered on their own: when some items come back (their
    evidence changed, e.g. listening heard a title), their identifiers, asked before among others, are
    not asked again, and they still bring the same editions."""
    items = catalogue_items(12, start=3100)
    with_ids = [it for it in items if it.get("asin") or it.get("isbn")]
    assert len(with_ids) >= 4
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        first = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r1")
        assert first.requests["editions_by_identifiers"] == 1
        before = candidates_by_item(db_path)
        seed_items(db_path, [dict(it, title=f"{it['title']} (heard)") for it in with_ids[1:3]])
        again = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r2")
        asked = [e.variables for e in emu.request_log if "editions" in e.root_fields]
    assert again.items == 2 and "editions_by_identifiers" not in again.requests
    assert len(asked) == 1  # the first run's, with every item's identifiers
    after = candidates_by_item(db_path)
    for it in with_ids[1:3]:
        assert it["truth"] in before[it["item_id"]] and it["truth"] in after[it["item_id"]]


def test_the_daily_cap_stops_the_run_and_the_next_run_resumes_without_repeating_a_request(db_path):
    # Items that need a title search each (a typo, no author, no identifiers): the cap falls mid-run.
    items = searching_items(12, start=4000)
    seed_items(db_path, items)
    emu = HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())
    emu.set_daily_remaining(7)
    with run_hardcover_emulator(emu):
        stopped = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="day1")
        assert stopped.stopped_by_budget == 12
        assert "daily request cap" in stopped.message and "12 items remain" in stopped.message
        assert candidates_by_item(db_path) == {}
        day1 = sent_requests(emu)
        emu.set_daily_remaining(5000)  # the next day
        resumed = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="day2")
        day2 = sent_requests(emu)[len(day1) :]
    assert len(day1) == 7 and all(e.status == 200 for e in emu.request_log)
    assert set(day1).isdisjoint(day2) and len(set(day2)) == len(day2)
    assert resumed.stopped_by_budget == 0 and resumed.items_done == 12
    assert resumed.cache_hits.get("books_by_titles", 0) + resumed.cache_hits.get("search", 0) == 7
    found = candidates_by_item(db_path)
    assert sum(it["truth"] in found.get(it["item_id"], []) for it in items) >= 11


def test_a_run_cap_stops_like_the_daily_cap(db_path):
    items = searching_items(5, start=4500)
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        summary = fetch_candidates_for(str(db_path), settings_for(emu, db_path), max_requests=2, run_id="r")
    assert summary.requests_total == 2 and summary.stopped_by_budget == 5
    assert "request cap" in summary.message


def test_a_failed_request_fails_its_items_with_a_reason_and_the_rest_go_on(db_path):
    items = searching_items(3, start=5000)
    seed_items(db_path, items)
    emu = HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())
    # After the exact-title lookup, the first search fails twice: its only attempt and its one retry.
    emu.inject_5xx(2, status=500, after=1)
    with run_hardcover_emulator(emu):
        summary = fetch_candidates_for(
            str(db_path),
            settings_for(emu, db_path),
            run_id="r",
            client_options={"policy": RetryPolicy(attempts=2, backoff=0.01)},
        )
    assert summary.errors == 1 and summary.items_done == 2
    with connect(db_path) as con:
        errors = con.execute("SELECT item_id, kind, message FROM errors").fetchall()
        status = con.execute("SELECT count(*) FROM hc_item_status").fetchone()[0]
    assert errors[0][0] == items[0]["item_id"] and errors[0][1] == "hardcover_request"
    assert "Hardcover answered 500" in errors[0][2]
    assert status == 2  # the failed item is retried next run


def test_search_for_item_adds_transcript_candidates(db_path):
    items = catalogue_items(1, start=6000)
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        picks = search_for_item(
            items[0]["item_id"],
            items[0]["title"],
            items[0]["authors"][0],
            db_path=str(db_path),
            settings=settings_for(emu, db_path),
        )
    assert items[0]["truth"] in picks
    with connect(db_path) as con:
        rows = con.execute("SELECT DISTINCT strategy FROM candidates").fetchall()
        hydrated = con.execute(
            "SELECT count(*) FROM hc_books WHERE book_id = ?", [items[0]["truth"]]
        ).fetchone()[0]
    assert rows == [("transcript_search",)] and hydrated == 1


@pytest.mark.flow
def test_the_flow_records_a_run_and_completes_at_the_cap(db_path, hc_server, prefect_harness):
    from flows.candidates import fetch_candidates

    items = searching_items(4, start=7000)
    seed_items(db_path, items)
    hc_server.set_daily_remaining(2)
    summary = fetch_candidates(db_path=str(db_path))
    assert summary["stopped_by_budget"] == 4 and "resets at" in summary["message"]
    with connect(db_path) as con:
        status, counts, message = con.execute("SELECT status, counts, message FROM runs").fetchone()
    assert status == "completed" and json.loads(counts)["stopped_by_budget"] == 4
    assert "4 items remain" in message


def test_a_dead_server_stops_the_run_after_a_few_requests_with_a_clear_message(db_path):
    import socket

    items = searching_items(6, start=8000)
    seed_items(db_path, items)
    with socket.socket() as sock:  # a port nobody listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1/graphql"
    s = get_settings(hardcover_url=dead, hardcover_token=HC_TOKEN, duckdb_path=db_path)
    summary = fetch_candidates_for(
        str(db_path), s, run_id="r", client_options={"policy": RetryPolicy(attempts=2, backoff=0.01)}
    )
    assert summary.stopped_unreachable == 6 and summary.http_requests == 6  # 3 requests x 2 attempts
    assert (
        "did not answer 3 requests in a row" in summary.message
        and "SHELFMATCH_HARDCOVER_URL" in summary.message
    )
    with connect(db_path) as con:
        kinds = con.execute("SELECT kind, count(*) FROM errors GROUP BY 1").fetchall()
        status = con.execute("SELECT count(*) FROM hc_item_status").fetchone()[0]
    assert kinds == [("hardcover_request", 6)] and status == 0  # every item: its title lookup failed


def test_items_hardcover_could_not_be_asked_about_wait_and_are_not_rejected(db_path):
    """An outage is not a verdict: with Hardcover down, the items are `waiting`, never `reject`."""
    import socket

    from tasks.scoring.store import score_warehouse

    items = searching_items(4, start=8100)
    seed_items(db_path, items)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1/graphql"
    s = get_settings(hardcover_url=dead, hardcover_token=HC_TOKEN, duckdb_path=db_path)
    fetch_candidates_for(
        str(db_path), s, run_id="r", client_options={"policy": RetryPolicy(attempts=1, backoff=0.01)}
    )
    summary = score_warehouse(db_path, "score-1", None, s)
    assert summary.tiers["waiting"] == 4 and summary.tiers["reject"] == 0
    with connect(db_path) as con:
        rows = con.execute("SELECT tier, caps FROM matches").fetchall()
        waiting = con.execute("SELECT count(*) FROM matches_waiting").fetchone()[0]
    assert rows == [("waiting", ["candidates_not_fetched"])] * 4 and waiting == 4


def fetch_with_progress(db_path, emu, run_id, **kw) -> tuple[object, list[tuple[int, int]]]:
    calls: list[tuple[int, int]] = []
    summary = fetch_candidates_for(
        str(db_path),
        settings_for(emu, db_path),
        run_id=run_id,
        on_progress=lambda d, t: calls.append((d, t)),
        **kw,
    )
    return summary, calls


def test_progress_counts_items_as_each_strategy_pass_and_search_group_resolves_them(db_path, monkeypatch):
    import tasks.candidates.strategies

    monkeypatch.setattr(tasks.candidates.strategies, "SEARCH_BATCH_ITEMS", 3)
    title_only = searching_items(7, start=5000)
    items = catalogue_items(16, start=5100) + title_only
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        summary, calls = fetch_with_progress(db_path, emu, "r1")
        _, rerun = fetch_with_progress(db_path, emu, "r2")

    n = len(items)
    assert summary.items_done == n
    assert calls[0] == (0, n) and calls[-1] == (n, n) and {t for _, t in calls} == {n}
    done = [d for d, _ in calls]
    assert done == sorted(done)
    # identifiers resolve some, author books more, and the title-only items in search groups of 3
    assert 0 < done[1] < done[2] <= n - len(title_only) and len(calls) >= 3 + -(-len(title_only) // 3)
    assert rerun == [(0, 0)]  # nothing changed: nothing to do is done


def test_progress_stops_short_when_the_budget_stops_the_run(db_path):
    items = searching_items(6, start=5200)
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        summary, calls = fetch_with_progress(db_path, emu, "r", max_requests=2)
    assert summary.stopped_by_budget == 6
    assert calls[-1][0] < calls[-1][1] == 6


def test_a_title_that_is_only_part_of_a_book_title_does_not_count_as_found():
    from tasks.candidates.titles import strong_title
    from tasks.normalise import title_variants

    assert not strong_title(title_variants("Lost"), "The Lost City of Faar")
    assert not strong_title(title_variants("Dune"), "Dune Messiah")
    assert strong_title(title_variants("Dune [Unabridged]"), "Dune")
    assert strong_title(title_variants("The Hunger Games"), "Hunger Games, The")


def test_a_wrong_earlier_match_still_brings_the_authors_other_books_of_that_series(db_path):
    """ABS metadata of a series neighbour (a bad earlier match) over a garbage folder name: the
    true book comes in with the neighbours the author lookup already fetched — no extra request."""
    from collections import defaultdict

    from emulators.catalogue import load_catalogue

    by_series = defaultdict(list)
    for book in load_catalogue().books:
        if book.series_name and book.position is not None and len(book.authors) == 1:
            by_series[(book.series_name, book.authors[0])].append(book)
    (series, author), books = next((k, v) for k, v in sorted(by_series.items()) if len(v) >= 3)
    books.sort(key=lambda b: b.position)
    shown, true = books[0], books[1]
    seed_items(
        db_path, [{"item_id": "li_w", "title": shown.title, "authors": [author], "truth": true.book_id}]
    )
    with connect(db_path) as con:
        for fld, value in [("series", series), ("sequence", str(shown.position)), ("title", "rip_67414")]:
            con.execute(
                "INSERT INTO item_evidence(item_id, source, field, value, ordinal, rule) VALUES ('li_w', 'path', ?, ?, 0, 'test')",
                [fld, value],
            )
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        summary = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r")
    with connect(db_path) as con:
        rows = dict(con.execute("SELECT book_id, strategy FROM candidates WHERE item_id = 'li_w'").fetchall())
    assert rows[shown.book_id] == "author_books"
    assert rows[true.book_id] == "series_books"
    assert set(summary.requests) == {"books_by_authors"}  # neighbours cost nothing extra


def test_an_author_prefix_copied_into_the_title_is_not_searched():
    from tasks.candidates.items import ItemQuery
    from tasks.candidates.titles import search_title

    item = ItemQuery("li_b", ["Lewis, Michael - Boomerang", "Boomerang"], ["Michael Lewis"])
    assert search_title(item) == "Boomerang"
    assert search_title(ItemQuery("li_d", ["Dune - Messiah"], ["Frank Herbert"])) == "Dune"


def test_fetched_books_and_editions_keep_their_cover_image_urls_and_the_images_are_served(db_path):
    import urllib.request

    from emulators.catalogue import cover_bytes, load_catalogue

    items = catalogue_items(12, start=4000)
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r")
        with connect(db_path) as con:
            books = dict(con.execute("SELECT book_id, image_url FROM hc_books").fetchall())
            editions = dict(con.execute("SELECT edition_id, image_url FROM hc_editions").fetchall())
        cat = load_catalogue()
        assert books and editions
        for book_id, url in books.items():
            expected = cover_bytes("books", book_id)
            assert (url is None) == (expected is None), book_id
            if url:
                with urllib.request.urlopen(url) as resp:  # the emulator's image CDN, on loopback
                    assert resp.read() == expected
        with_image = [e for e, url in editions.items() if url]
        assert with_image and all(cover_bytes("editions", e) for e in with_image)
        assert any(books[b.book_id] for b in cat.books if b.book_id in books)


def test_items_that_name_only_their_title_are_found_by_one_exact_title_lookup_without_searches(db_path):
    """Ten title-only items (no author, no identifier; lower-case ones too, as folder names are): one
    `books_by_titles` request finds them all, and no title search is spent."""
    items = [dict(it, authors=[], asin=None, isbn=None) for it in catalogue_items(10, start=3000)]
    items = [it for it in items if it["title"] == it["title"].strip()][:10]
    for it in items[::2]:
        it["title"] = it["title"].lower()
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        summary = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r")
    found = candidates_by_item(db_path)
    assert all(it["truth"] in found.get(it["item_id"], []) for it in items)
    assert summary.requests.get("books_by_titles") == 1
    assert summary.requests.get("search", 0) == 1  # catalogue_items' one typo'd title still needs it


def test_a_long_title_run_together_with_its_subtitle_is_searched_again_by_its_first_words(db_path):
    """Hardcover's search needs every word in one book and its titles hold no subtitle: the whole
    folder title finds nothing, so its first words are searched once more and find the book."""
    from emulators.catalogue import load_catalogue
    from tasks.candidates.titles import shorter_search

    book = next(b for b in load_catalogue().books if b.title == "The Harbinger")
    title = "The Harbinger The Ancient Mystery That Holsd The Secret Of Americas Future"
    assert shorter_search(title) == "The Harbinger"
    assert shorter_search("Of Mice and Men") is None  # short titles are searched once
    assert shorter_search("The Lord of the Rings Unabridged Part One") == "The Lord"
    seed_items(db_path, [{"item_id": "li_h", "title": title, "authors": [], "truth": book.book_id}])
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        summary = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r")
        searched = [e.variables["query"] for e in emu.request_log if e.variables and "query" in e.variables]
    assert searched == [title.lower(), "the harbinger"]
    assert summary.requests["search"] == 2
    assert book.book_id in candidates_by_item(db_path)["li_h"]


def _fetch_with_folder_title(db_path, item: dict, folder_title: str) -> tuple[list[int], dict[str, int]]:
    """Candidates and requests for `item` (as seed_items takes it) whose folder names `folder_title`."""
    seed_items(db_path, [item])
    with connect(db_path) as con:
        con.execute(
            "INSERT INTO item_evidence(item_id, source, field, value, ordinal, rule) "
            "VALUES (?, 'path', 'title', ?, 0, 'abs.title_folder')",
            [item["item_id"], folder_title],
        )
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        summary = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r")
    return candidates_by_item(db_path)[item["item_id"]], dict(summary.requests)


def test_a_title_searched_in_another_case_or_spacing_is_answered_from_the_cache(db_path):
    """The search ignores case and spacing: one request answers a title however it is written."""
    from emulators.catalogue import load_catalogue

    book = next(b for b in load_catalogue().books if b.title == "The Harbinger")
    typo = "The Harbnger"  # not the catalogue's title: only the search finds it
    spellings = {"li_c1": typo, "li_c2": typo.lower(), "li_c3": "The  HARBNGER "}
    seed_items(db_path, [{"item_id": k, "title": t, "authors": [], "truth": 0} for k, t in spellings.items()])
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        summary = fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r")
        searched = [e.variables["query"] for e in emu.request_log if "search" in e.root_fields]
    assert searched == ["the harbnger"] and summary.requests["search"] == 1
    found = candidates_by_item(db_path)
    assert all(book.book_id in found[k] for k in spellings)


def test_a_folder_s_short_title_brings_no_rival_for_the_book_its_asin_names(db_path):
    """Libation names the folder by the title before its colon ('Private' for 'Private Berlin'): the
    ASIN already names the book, so the short title is not looked up for books of its own."""
    from emulators.catalogue import load_catalogue

    book = next(b for b in load_catalogue().books if b.title == "Private Berlin")
    asin = next(e.asin for e in book.editions if e.asin)
    item = {"item_id": "li_p", "title": "Private Berlin", "authors": [], "asin": asin, "truth": 0}
    found, requests = _fetch_with_folder_title(db_path, item, "Private")
    assert found == [book.book_id]
    assert set(requests) == {"editions_by_identifiers"}


def test_a_folder_s_short_title_is_not_looked_up_as_another_book(db_path):
    """Libation's series folder holds 'Glass' for 'Glass: Storm Glass': the author lookup found the
    book, and the short form of its title is not asked for books of its own."""
    from emulators.catalogue import load_catalogue

    book = next(b for b in load_catalogue().books if b.title == "Storm Glass")
    item = {"item_id": "li_g", "title": "Glass: Storm Glass", "authors": [book.authors[0]], "truth": 0}
    found, requests = _fetch_with_folder_title(db_path, item, "Glass")
    assert book.book_id in found
    assert set(requests) == {"books_by_authors"}


def test_items_listening_identified_are_settled_and_only_the_others_are_asked_about_again(db_path):
    """After listening, the items whose transcript evidence is new are fetched again, but for the ones
    the listen run identified: the book heard is one of their candidates, so they keep the candidates
    they have and their evidence counts as fetched (a later run asks nothing for them)."""
    from flows.sync import changed_evidence

    items = catalogue_items(3, start=3200)
    seed_items(db_path, items)
    with run_hardcover_emulator(HardcoverEmulator(token=HC_TOKEN, limits=fast_limits())) as emu:
        fetch_candidates_for(str(db_path), settings_for(emu, db_path), run_id="r1")
    before = candidates_by_item(db_path)
    heard = {items[0]["item_id"]: "identified", items[1]["item_id"]: "uncertain"}
    with connect(db_path) as con:
        for item_id, verdict in heard.items():
            con.execute(
                "INSERT INTO item_evidence(item_id, source, field, value, ordinal, rule, run_id) "
                "VALUES (?, 'transcript', 'title', 'Heard Title', 0, 'transcript.title', 'listen-1')",
                [item_id],
            )
            con.execute(
                "INSERT INTO listen_results(item_id, run_id, verdict, listened_at) VALUES (?, 'listen-1', ?, now())",
                [item_id, verdict],
            )
    assert changed_evidence.fn(str(db_path), "listen-1") == [items[1]["item_id"]]
    with connect(db_path) as con:
        left = [it.item_id for it in load_items(con, list(heard))]
        (n,) = con.execute(
            "SELECT n_candidates FROM hc_item_status WHERE item_id = ?", [items[0]["item_id"]]
        ).fetchone()
    assert left == [items[1]["item_id"]]  # the identified item's new evidence counts as fetched
    assert n == len(before[items[0]["item_id"]]) > 0 and candidates_by_item(db_path) == before
