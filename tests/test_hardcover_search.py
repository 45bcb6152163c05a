"""The emulator's `search` behaves as Typesense's documented keyword search with Hardcover's Book
defaults (fields title,isbns,series_names,author_names,alternative_titles; weights 5,5,3,1,1;
typos 5,0,5,5,5), over a handful of Book documents whose expected answers are worked out by hand."""

from __future__ import annotations

from itertools import count

import pytest

from emulators.hardcover.search import search
from emulators.hardcover.tables import Db
from emulators.hardcover.typesense import Collection, QueryBy, text_search, tokenize

_ids = count(1)


def book(title: str, authors: list[str], users: int, series: str | None = None, isbns=()) -> dict:
    return {
        "id": str(next(_ids)),
        "title": title,
        "author_names": authors,
        "series_names": [series] if series else [],
        "isbns": list(isbns),
        "alternative_titles": [],
        "users_count": users,
    }


BOOKS = [
    book("The Hunger Games", ["Suzanne Collins"], 5000, "The Hunger Games", ["9780439023481"]),
    book("Catching Fire", ["Suzanne Collins"], 3000, "The Hunger Games"),
    book("Hunger", ["Knut Hamsun"], 800),
    book("Collins and the Hunger", ["Ann Other"], 10),
    book("Games People Play", ["Eric Berne"], 700),
    book("Holes", ["Louis Sachar"], 900),
    book("Holey Moley", ["Ann Author"], 9000),
    book("Dracula", ["Bram Stoker"], 2000),
    book("Lolita", ["Vladimir Nabokov"], 1500),
    book("The Cay", ["Theodore Taylor"], 300),
    book("Dune", ["Frank Herbert"], 400),
    book("Dune Messiah", ["Frank Herbert"], 6000),
    book("The King", ["Some Writer"], 10),
    book("Carrie", ["Stephen King"], 1000),
    book("The Road", ["Cormac McCarthy"], 600),
    book("Road Trip", ["Other Person"], 5000),
    book("Of Mice and Men", ["John Steinbeck"], 1200),
    book("Les Misérables", ["Victor Hugo"], 1100),
    book("The Way of Kings", ["Brandon Sanderson"], 1400, None, ["9780765326355", "0765326353"]),
]
DOCS = {int(b["id"]): b for b in BOOKS}
DEFAULT = QueryBy(
    ("title", "isbns", "series_names", "author_names", "alternative_titles"), (5, 5, 3, 1, 1), (5, 0, 5, 5, 5)
)
# The typo rules on their own, without the last token also matching as a prefix.
WHOLE_WORDS = QueryBy(DEFAULT.fields, DEFAULT.weights, DEFAULT.typos, prefix=False)


@pytest.fixture(scope="module")
def coll() -> Collection:
    return Collection(DOCS, "users_count")


def titles(coll: Collection, query: str, q: QueryBy = DEFAULT) -> list[str]:
    return [DOCS[doc_id]["title"] for _, doc_id in text_search(coll, query, q)]


def test_tokens_fold_case_and_diacritics_and_drop_symbols_inside_words():
    assert tokenize("Les Misérables: Spider-Man & J.R.R. Tolkien's") == [
        "les",
        "miserables",
        "spiderman",
        "jrr",
        "tolkiens",
    ]


def test_one_typo_is_allowed_in_a_five_letter_token_but_not_two(coll):
    assert titles(coll, "hxles", WHOLE_WORDS) == ["Holes"]
    assert titles(coll, "hxlez", WHOLE_WORDS) == []


def test_no_typo_is_allowed_below_four_letters(coll):
    assert titles(coll, "cay", WHOLE_WORDS) == ["The Cay"]
    assert titles(coll, "cax", WHOLE_WORDS) == []


def test_two_typos_need_seven_letters(coll):
    assert titles(coll, "drakila", WHOLE_WORDS) == ["Dracula"]  # 7 letters, 2 typos
    assert titles(coll, "lolyta", WHOLE_WORDS) == ["Lolita"]  # 6 letters, 1 typo
    assert titles(coll, "lalyta", WHOLE_WORDS) == []  # 6 letters, 2 typos


def test_a_transposition_is_one_typo(coll):
    assert titles(coll, "loilta", WHOLE_WORDS) == ["Lolita"]


def test_isbns_match_exactly_only(coll):
    assert titles(coll, "9780765326355") == ["The Way of Kings"]
    assert titles(coll, "0765326353") == ["The Way of Kings"]
    assert titles(coll, "9780765326356") == []  # one digit off: no typos on isbns, no other field has it


def test_the_last_token_is_a_prefix_and_the_others_are_not(coll):
    assert titles(coll, "hunger gam") == ["The Hunger Games", "Catching Fire"]  # its series has both
    assert titles(coll, "gam") == ["The Hunger Games", "Games People Play", "Catching Fire"]
    assert titles(coll, "gam", WHOLE_WORDS) == []
    # "gam" is not last, so "gam hunger" finds nothing; the shorter query "gam" has it last again.
    assert titles(coll, "gam hunger") == titles(coll, "gam")


def test_a_prefix_expands_to_the_word_itself_and_the_three_most_popular_others():
    docs = {i: book(t, ["A Writer"], u) for i, t, u in [(1, "Part 4", 1), (2, "Fahrenheit 451", 90)]}
    docs |= {i: book(f"Title 4{i}", ["A Writer"], 50 + i) for i in range(3, 9)}
    got = [docs[d]["title"] for _, d in text_search(Collection(docs, "users_count"), "4", DEFAULT)]
    assert got == ["Part 4", "Fahrenheit 451", "Title 48", "Title 47"]


def test_every_token_must_match_somewhere_in_the_fields(coll):
    # Neither "Hunger" nor "Games People Play": each holds one of the two words.
    assert titles(coll, "hunger games") == ["The Hunger Games", "Catching Fire"]
    assert titles(coll, "hunger hamsun") == ["Hunger"]  # title and author together


def test_tokens_are_dropped_from_the_right_only_when_nothing_matches_them_all(coll):
    # "hunger zzzzz" matches nothing whole; "hunger" alone is searched instead.
    assert set(titles(coll, "hunger zzzzz")) == {
        "The Hunger Games",
        "Hunger",
        "Catching Fire",
        "Collins and the Hunger",
    }
    # With three tokens, after the right one the left one goes: "qqqqq road trip" -> "road trip".
    assert titles(coll, "qqqqq road trip") == ["Road Trip"]


def test_typo_spellings_are_only_tried_when_the_exact_ones_find_nothing(coll):
    assert titles(coll, "holes") == ["Holes"]  # "Holey Moley" is one typo away, and more popular
    exhaustive = QueryBy(DEFAULT.fields, DEFAULT.weights, DEFAULT.typos, exhaustive=True)
    assert titles(coll, "holes", exhaustive)[:2] == ["Holes", "Holey Moley"]  # fewer typos first


def test_more_tokens_in_one_field_rank_first(coll):
    # The Hunger Games has the words in two fields (title, author); the other book in its title alone.
    assert titles(coll, "hunger collins") == ["Collins and the Hunger", "The Hunger Games", "Catching Fire"]


def test_a_title_match_outranks_an_author_match_and_a_verbatim_title_outranks_popularity(coll):
    # Carrie is by Stephen King, more popular, but the word is in its author field only.
    assert titles(coll, "king") == ["The King", "The Way of Kings", "Carrie"]
    assert titles(coll, "dune") == ["Dune", "Dune Messiah"]  # Dune Messiah is more popular


def test_stop_words_are_searched_like_any_word(coll):
    assert titles(coll, "the road") == ["The Road"]  # not the more popular "Road Trip"
    assert titles(coll, "of mice and men") == ["Of Mice and Men"]


def test_diacritics_are_folded_on_both_sides(coll):
    assert titles(coll, "les miserables") == ["Les Misérables"]
    assert titles(coll, "Misérables") == ["Les Misérables"]


def _db() -> Db:
    return Db({}, {}, {}, docs=DOCS, collection=Collection(DOCS, "users_count"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"fields": "title,author_names"}, "query_by_weights"),  # the preset 5 weights do not fit 2 fields
        ({"fields": "title,author_names", "weights": "5,1"}, "num_typos"),
        ({"fields": "title,author_names", "weights": "5,1,1", "typos": "2,2"}, "query_by_weights"),
        ({"fields": "title,nope", "weights": "5,1", "typos": "2,2"}, "nope"),
        ({"weights": "5,x,3,1,1"}, "integers"),
        ({"sort": "users_count"}, "sort_by"),
    ],
)
def test_mismatched_fields_weights_or_typos_answer_an_error_and_no_results(args, message):
    res = search(_db(), "dune", **args)
    assert res["results"] is None and message in res["error"]


def test_matching_fields_weights_and_typos_narrow_the_search():
    res = search(_db(), "stephen king", fields="title,author_names", weights="5,1", typos="2,2")
    assert res["error"] is None and [h["document"]["title"] for h in res["results"]["hits"]] == ["Carrie"]
    res = search(_db(), "stephen king", fields="title", weights="5", typos="2")
    # Neither "stephen king" nor "stephen" is in a title; then the left token goes: "king".
    assert [h["document"]["title"] for h in res["results"]["hits"]] == ["The King", "The Way of Kings"]


def test_results_are_paged_after_ranking():
    first = search(_db(), "the", per_page=2, page=1)
    second = search(_db(), "the", per_page=2, page=2)
    assert first["results"]["found"] == second["results"]["found"] >= 4
    assert len(first["ids"]) == len(second["ids"]) == 2 and not set(first["ids"]) & set(second["ids"])
