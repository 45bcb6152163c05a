"""The ABS 2.36 write contract: what the validator lets through and what it refuses (abs-api.md §3)."""

from __future__ import annotations

import pytest

from tasks.writeback.payload import (
    PayloadError,
    from_abs_metadata,
    same,
    to_media_payload,
    validate_batch,
    validate_media_payload,
)


def test_a_plan_payload_has_named_authors_string_sequences_and_no_nulls():
    payload = to_media_payload(
        {
            "authors": ["Andy Weir"],
            "series": [{"name": "Bobiverse", "sequence": "1"}],
            "published_year": "2021",
        }
    )
    assert payload == {
        "metadata": {
            "authors": [{"name": "Andy Weir"}],
            "series": [{"name": "Bobiverse", "sequence": "1"}],
            "publishedYear": "2021",
        }
    }
    validate_batch([{"id": "li_1", "mediaPayload": payload}])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"metadata": {"authors": [None]}}, "metadata.authors[0]"),  # crashes ABS
        ({"metadata": {"authors": [{"id": "aut_1"}]}}, "metadata.authors[0]"),  # removes every author
        ({"metadata": {"authors": ["Plain string"]}}, "metadata.authors[0]"),  # removes every author
        ({"metadata": {"authors": []}}, "metadata.authors"),
        ({"metadata": {"series": [None]}}, "metadata.series[0]"),  # crashes ABS
        (
            {"metadata": {"series": [{"name": "Dune", "sequence": 1}]}},
            "metadata.series[0].sequence",
        ),  # saved as null
        ({"metadata": {"narrators": ["Ray Porter", 7]}}, "metadata.narrators"),  # drops the whole list
        ({"metadata": {"genres": "Fantasy"}}, "metadata.genres"),
        ({"metadata": {"title": 1984}}, "metadata.title"),
        ({"metadata": {"title": ""}}, "metadata.title"),  # never blank a value
        ({"metadata": {"subtitle": None}}, "metadata.subtitle"),
        ({"metadata": {"tags": ["x"]}}, "metadata.tags"),  # tags go top level
        ({"tags": [None]}, "tags"),
        ({"metadata": {"explicit": "yes"}}, "metadata.explicit"),
        ({"metadata": {"titel": "typo"}}, "metadata.titel"),  # ABS ignores unknown keys silently
    ],
)
def test_a_payload_abs_would_crash_on_or_mangle_is_refused_naming_item_and_field(payload, field):
    with pytest.raises(PayloadError) as err:
        validate_media_payload("li_42", payload)
    assert err.value.item_id == "li_42"
    assert err.value.field == field
    assert "li_42" in str(err.value) and field in str(err.value)


def test_a_batch_element_without_media_payload_is_refused_before_it_can_kill_abs():
    with pytest.raises(PayloadError, match="mediaPayload"):
        validate_batch([{"id": "li_1", "mediaPayload": {"metadata": {"title": "A"}}}, {"id": "li_2"}])
    with pytest.raises(PayloadError, match="mediaPayload"):
        validate_batch([{"id": "li_1", "mediaPayload": None}])
    with pytest.raises(PayloadError, match="twice"):
        validate_batch([{"id": "li_1", "mediaPayload": {}}, {"id": "li_1", "mediaPayload": {}}])
    with pytest.raises(PayloadError, match="non-empty list"):
        validate_batch([])


def test_rollback_may_clear_a_field_that_was_empty_before():
    validate_media_payload(
        "li_1", {"metadata": {"subtitle": None, "authors": [], "series": []}}, allow_clear=True
    )
    with pytest.raises(PayloadError):
        validate_media_payload("li_1", {"metadata": {"authors": [None]}}, allow_clear=True)


def test_abs_metadata_reads_into_canonical_values():
    values = from_abs_metadata(
        {
            "title": "Throne of Jade",
            "subtitle": "",
            "authors": [{"id": "a1", "name": "Naomi Novik"}],
            "narrators": ["Simon Vance"],
            "series": [{"id": "s1", "name": "Temeraire", "sequence": "2"}],
            "genres": [],
            "publishedYear": "2006-04-25",
            "isbn": None,
        }
    )
    assert values["subtitle"] is None
    assert values["authors"] == ["Naomi Novik"]
    assert values["series"] == [{"name": "Temeraire", "sequence": "2"}]
    assert values["genres"] == []
    assert values["published_year"] == "2006-04-25"


def test_author_and_series_names_compare_as_abs_matches_them_case_insensitively_in_any_order():
    assert same("authors", ["Terry Pratchett", "Neil Gaiman"], ["neil gaiman", "Terry Pratchett"])
    assert same("series", [{"name": "Discworld", "sequence": "1"}], [{"name": "discworld", "sequence": "1"}])
    assert not same(
        "series", [{"name": "Discworld", "sequence": "1"}], [{"name": "Discworld", "sequence": "2"}]
    )
    assert not same("narrators", ["A", "B"], ["B", "A"])
    assert not same("title", "The Colour of Magic", "the colour of magic")
