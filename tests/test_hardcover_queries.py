"""Every query the client sends lives in tasks/queries/*.graphql and is valid against the real schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from emulators.hardcover import load_schema
from tasks.hardcover.queries import QUERIES_DIR, batched_query, load_query
from tasks.hardcover.root_fields import root_field_names

OPERATIONS = sorted(p.stem for p in Path(QUERIES_DIR).glob("*.graphql") if p.stem != "fragments")


def schema_errors(query: str) -> list[str]:
    return [e.message for e in validate(load_schema(), parse(query))]


def test_there_are_query_files():
    assert {"editions_by_identifiers", "books_by_authors", "books_by_ids", "search_books"} <= set(OPERATIONS)


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_query_file_validates_against_the_real_schema(name):
    assert schema_errors(load_query(name)) == []


@pytest.mark.parametrize("name", [n for n in OPERATIONS if n != "search_books"])
def test_five_aliased_copies_validate_and_cost_five_requests(name):
    query = batched_query(name, 5)
    assert schema_errors(query) == []
    assert len(root_field_names(query)) == 5


def test_a_schema_invalid_query_is_caught_by_the_same_check():
    bad = load_query("books_by_ids").replace("release_year", "release_yr")
    errors = schema_errors(bad)
    assert errors and "release_yr" in errors[0]


def test_more_than_five_copies_are_refused_before_sending():
    with pytest.raises(ValueError, match="1..5"):
        batched_query("books_by_ids", 6)
