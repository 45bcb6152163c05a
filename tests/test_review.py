"""Review: the beets-style prompt driven by scripted keystrokes, and approve/reject in bulk."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.review import decide, items_where
from tasks.warehouse import connect, fetch_dicts
from tests.writeback_data import catalogue_books, insert_abs_item, load_books, set_match

runner = CliRunner()


@pytest.fixture
def pending_library(db_path):
    """Five pending items (li_1 best .. li_5), each with two runner-ups scored; plus one spare book."""
    books = catalogue_books(16)
    with connect(db_path) as con:
        load_books(con, books)
        for n in range(5):
            book = books[n]
            insert_abs_item(
                con, f"li_{n + 1}", title=book.title.upper(), authors=[], narrators=["Someone Else"]
            )
            runner_ups = [(books[5 + 2 * n], 0.6), (books[6 + 2 * n], 0.5)]
            set_match(con, f"li_{n + 1}", book, "pending", 0.9 - n * 0.02, runner_ups=runner_ups)
    return books


def decisions(db_path) -> dict[str, dict]:
    with connect(db_path) as con:
        rows = fetch_dicts(con, "SELECT * FROM review_decisions ORDER BY seq")
    return {r["item_id"]: r for r in rows}


def test_review_keys_apply_skip_reject_choose_another_and_enter_an_id(db_path, pending_library):
    books = pending_library
    spare = books[15]
    script = "\n".join(["a", "s", "r", "m", "2", "a", "e", spare.slug, "a"]) + "\n"
    result = runner.invoke(app, ["review", "--by", "ana"], input=script)
    assert result.exit_code == 0, result.output

    d = decisions(db_path)
    assert sorted(d) == ["li_1", "li_3", "li_4", "li_5"]  # li_2 was skipped: no decision
    assert (d["li_1"]["decision"], d["li_1"]["book_id"]) == ("approve", books[0].book_id)
    assert (d["li_3"]["decision"], d["li_3"]["book_id"]) == ("reject", books[2].book_id)
    # [M]ore listed the match first, then runner-ups: "2" is the best runner-up.
    assert (d["li_4"]["decision"], d["li_4"]["book_id"]) == ("approve", books[5 + 2 * 3].book_id)
    assert (d["li_5"]["decision"], d["li_5"]["book_id"]) == ("approve", spare.book_id)
    assert all(r["decided_by"] == "ana" and r["evidence_hash"] == "h1" for r in d.values())
    assert "chose book" in d["li_5"]["note"]

    # What the person saw: the item, the candidate, its reasons and the coloured per-field diff.
    assert "li_1" in result.output and books[0].title in result.output
    assert "confidence 90.0%" in result.output
    assert "title: exact" in result.output
    assert "Someone Else" in result.output  # the current narrator, replaced under the default update
    assert "keep (" not in result.output


def test_a_later_review_asks_only_about_undecided_items_or_those_whose_evidence_changed(
    db_path, pending_library
):
    runner.invoke(app, ["review", "--by", "ana"], input="a\ns\nr\na\na\n")
    again = runner.invoke(app, ["review"], input="q\n")
    assert again.exit_code == 0, again.output
    assert "1/1" in again.output and "li_2" in again.output
    assert "li_1" not in again.output

    with connect(db_path) as con:
        con.execute("UPDATE matches SET evidence_hash = 'h2' WHERE item_id = 'li_3'")
    third = runner.invoke(app, ["review"], input="s\nq\n")
    assert "1/2" in third.output and "li_3" in third.output


def test_entering_an_unknown_book_says_so_and_asks_again(db_path, pending_library):
    result = runner.invoke(app, ["review"], input="e\nno-such-book\nq\n")
    assert result.exit_code == 0
    assert "No book 'no-such-book' in the warehouse" in result.output
    assert decisions(db_path) == {}


def test_approve_and_reject_by_ids_and_by_sql_predicate(db_path, pending_library):
    result = runner.invoke(
        app, ["approve", "--where", "confidence >= 0.87", "--by", "bo", "--note", "looked fine"]
    )
    assert result.exit_code == 0, result.output
    assert "approved 2 item(s)" in result.output
    result = runner.invoke(app, ["reject", "li_5"])
    assert result.exit_code == 0, result.output
    d = decisions(db_path)
    assert {k: v["decision"] for k, v in d.items()} == {
        "li_1": "approve",
        "li_2": "approve",
        "li_5": "reject",
    }
    assert d["li_1"]["note"] == "looked fine" and d["li_1"]["via"] == "approve"


def test_a_where_clause_must_be_one_predicate_not_another_statement(db_path, pending_library):
    result = runner.invoke(app, ["approve", "--where", "true; DELETE FROM matches"])
    assert result.exit_code == 1
    assert "without ';'" in result.output
    with connect(db_path) as con:
        with pytest.raises(ValueError, match="failed"):
            items_where(con, "no_such_column = 1")
        assert con.execute("SELECT count(*) FROM matches").fetchone()[0] == 5
        assert items_where(con, "item_id IN ('li_1', 'li_9')") == ["li_1"]


def test_approving_an_unknown_item_records_nothing_and_names_it(db_path, pending_library):
    with connect(db_path) as con, pytest.raises(ValueError, match="li_404"):
        decide(con, "approve", ["li_1", "li_404"])
    assert decisions(db_path) == {}
    result = runner.invoke(app, ["approve"])
    assert result.exit_code == 2


def test_entering_a_book_not_in_the_warehouse_fetches_it_from_hardcover(db_path, pending_library, hc_server):
    unknown = catalogue_books(1, start=500)[0]
    result = runner.invoke(app, ["review"], input=f"e\n{unknown.book_id}\na\nq\n")
    assert result.exit_code == 0, result.output
    assert f"Hardcover book {unknown.book_id}: {unknown.title}" in result.output
    d = decisions(db_path)
    assert (d["li_1"]["decision"], d["li_1"]["book_id"]) == ("approve", unknown.book_id)
    with connect(db_path) as con:
        authors = con.execute(
            "SELECT list(author_name ORDER BY ordinal) FROM hc_contributions WHERE contributable_id = ?",
            [unknown.book_id],
        ).fetchone()[0]
    assert authors and authors[0] == unknown.authors[0]
    assert len(hc_server.request_log) == 1  # one request against the daily budget
