"""The plan: which items count as approved, and which fields change under which policy."""

from __future__ import annotations

import json

from tasks.review import record_decision
from tasks.settings import get_settings
from tasks.warehouse import connect
from tasks.writeback.plan import (
    approved_items,
    field_policies,
    person_name,
    plan_from_warehouse,
    plan_item,
    sequence_text,
    target_values,
)
from tests.writeback_data import catalogue_books, insert_abs_item, load_books, set_match

POLICY = dict.fromkeys(
    [
        "title",
        "subtitle",
        "authors",
        "narrators",
        "series",
        "publisher",
        "published_year",
        "description",
        "genres",
        "language",
        "isbn",
        "asin",
    ],
    "fill_missing",
)


def test_fill_missing_writes_only_empty_fields_and_update_replaces_different_ones():
    current = {"title": "Hunger Games, The", "authors": [], "narrators": ["Tatiana Maslany"], "asin": None}
    target = {
        "title": "The Hunger Games",
        "authors": ["Suzanne Collins"],
        "narrators": ["Carolyn McCormick"],
        "asin": "B002UZJGYY",
    }
    changes, _ = plan_item(current, target, POLICY)
    assert {c.field: c.after for c in changes} == {"authors": ["Suzanne Collins"], "asin": "B002UZJGYY"}

    changes, _ = plan_item(current, target, {**POLICY, "title": "update", "asin": "never"})
    assert {c.field: (c.before, c.after) for c in changes} == {
        "title": ("Hunger Games, The", "The Hunger Games"),
        "authors": ([], ["Suzanne Collins"]),
    }


def test_a_value_is_never_replaced_by_an_empty_one_even_under_update():
    current = {"subtitle": "A Novel", "genres": ["Sci-Fi"], "isbn": "9780593135204"}
    target = {"subtitle": None, "genres": [], "isbn": ""}
    changes, _ = plan_item(current, target, dict.fromkeys([*POLICY, "cover"], "update"))
    assert changes == []


def test_fields_already_holding_the_target_are_reported_not_planned():
    changes, already = plan_item(
        {"authors": ["andy weir"]}, {"authors": ["Andy Weir"]}, dict.fromkeys(POLICY, "update")
    )
    assert changes == [] and already == ["authors"]


def test_series_sequences_are_strings_as_abs_needs_them():
    assert sequence_text(1.0, "1") == "1"
    assert sequence_text(2.5, "2.5") == "2.5"
    assert sequence_text(1.0, "1-3") == "1-3"
    assert sequence_text(None, None) is None


def test_target_values_come_from_the_book_and_its_audio_edition():
    book = catalogue_books(1, with_series=True)[0]
    edition = book.default_audio_edition
    target = target_values(
        {
            "title": book.title,
            "subtitle": None,
            "authors": list(book.authors),
            "release_year": book.release_year,
            "series": [
                {"name": book.series_name, "position": book.position, "details": book.position_details}
            ],
            "description": book.description,
            "genres": list(book.genres),
        },
        {
            "narrators": list(edition.narrators),
            "asin": edition.asin,
            "publisher": edition.publisher,
            "language": edition.language,
            "release_year": edition.release_year,
            "isbn_13": None,
            "isbn_10": None,
        },
    )
    assert target["asin"] == edition.asin
    assert target["series"][0]["name"] == book.series_name
    assert isinstance(target["series"][0]["sequence"], str)
    assert target["published_year"] == str(book.release_year)


def test_the_published_year_is_the_books_first_publication_not_the_audio_release():
    target = target_values({"title": "Dune", "release_year": 1965}, {"release_year": 2007})
    assert target["published_year"] == "1965"
    assert target_values({"title": "Dune"}, {"release_year": 2007})["published_year"] == "2007"


def test_update_is_the_default_for_metadata_fill_missing_for_the_cover_and_overwrite_means_update(db_path):
    policies = field_policies(get_settings(duckdb_path=db_path))
    assert {f: p for f, p in policies.items() if f != "cover"} == dict.fromkeys(POLICY, "update")
    assert policies["cover"] == "fill_missing"
    aliased = field_policies(get_settings(writeback_policy={"title": "overwrite", "cover": "update"}))
    assert (aliased["title"], aliased["cover"]) == ("update", "update")

    current = {"title": "Dune - Frank Herbert (Unabridged) 64kbps", "authors": ["Audiobooks"], "cover": None}
    target = {"title": "Dune", "authors": ["Frank Herbert"], "cover": {"url": "https://img/1.png"}}
    changes = {c.field: c for c in plan_item(current, target, policies)[0]}
    assert changes["title"].after == "Dune" and changes["title"].reason == "differs from the matched book"
    assert changes["authors"].after == ["Frank Herbert"]
    assert changes["cover"].reason == "ABS has no cover"
    kept = plan_item({**current, "cover": "/metadata/items/x/cover.jpg"}, target, policies)[0]
    assert "cover" not in {c.field for c in kept}  # fill_missing keeps a cover the item has


def test_names_are_written_first_name_first():
    assert person_name("Herbert, Frank") == "Frank Herbert"
    assert person_name("Le Guin, Ursula K.") == "Ursula K. Le Guin"
    assert person_name("Martin Luther King, Jr.") == "Martin Luther King, Jr."
    assert person_name("Andy Weir") == "Andy Weir"
    target = target_values({"title": "Dune", "authors": ["Herbert, Frank"]}, {"narrators": ["Vance, Simon"]})
    assert (target["authors"], target["narrators"]) == (["Frank Herbert"], ["Simon Vance"])


def test_an_unknown_policy_is_a_settings_error_that_names_the_fix():
    try:
        field_policies(get_settings(writeback_policy={"title": "clobber"}))
    except ValueError as exc:
        assert "fill_missing" in str(exc) and "title" in str(exc)
    else:
        raise AssertionError("an unknown policy was accepted")


def _setup(con):
    books = catalogue_books(5)
    load_books(con, books)
    for n, (b, tier) in enumerate(zip(books, ["auto", "auto", "pending", "pending", "reject"], strict=True)):
        insert_abs_item(con, f"li_{n}", title=b.title, authors=[], narrators=[])
        set_match(con, f"li_{n}", b, tier, {"auto": 0.97, "pending": 0.8, "reject": 0.4}[tier])
    return books


def test_auto_counts_as_approved_pending_needs_a_person_reject_never_and_a_reject_decision_wins(db_path):
    settings = get_settings(duckdb_path=db_path)
    with connect(db_path) as con:
        books = _setup(con)
        assert [r["item_id"] for r in approved_items(con, settings)] == ["li_0", "li_1"]

        record_decision(con, "li_2", "approve", books[2].book_id, None, "h1", by="tester")
        record_decision(con, "li_1", "reject", books[1].book_id, None, "h1", by="tester")
        record_decision(con, "li_4", "approve", books[0].book_id, None, "h1", by="tester")  # another book
        approved = {r["item_id"]: r for r in approved_items(con, settings)}
        assert sorted(approved) == ["li_0", "li_2", "li_4"]
        assert approved["li_2"]["approval"] == "approved"
        assert approved["li_4"]["book_id"] == books[0].book_id

        strict = get_settings(duckdb_path=db_path, auto_counts_as_approved=False)
        assert sorted(r["item_id"] for r in approved_items(con, strict)) == ["li_2", "li_4"]


def test_the_dry_run_plan_is_stored_with_its_run_id(db_path):
    settings = get_settings(duckdb_path=db_path)
    with connect(db_path) as con:
        books = _setup(con)
        plans = plan_from_warehouse(con, settings, "run-dry", None).plans
        rows = con.execute(
            "SELECT item_id, field, after FROM writeback_plans WHERE run_id = 'run-dry' AND field = 'authors' ORDER BY 1"
        ).fetchall()
    assert [p.item_id for p in plans] == ["li_0", "li_1"]
    assert [(r[0], json.loads(r[2])) for r in rows] == [
        ("li_0", list(books[0].authors)),
        ("li_1", list(books[1].authors)),
    ]
    assert all(c.field != "title" for p in plans for c in p.changes)  # the titles are the books' already
