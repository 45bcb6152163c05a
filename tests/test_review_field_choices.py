"""Field choices made with a decision (the review page's checkboxes) shape the writeback plan while that
decision stands; a later decision starts from the field policies again."""

from __future__ import annotations

import pytest

from tasks.review import record_decision
from tasks.settings import get_settings
from tasks.warehouse import connect
from tasks.web.decisions import record_web_decision
from tasks.writeback.plan import plan_from_warehouse
from tests.writeback_data import catalogue_books, insert_abs_item, load_books, set_match


def _pending_item(con):
    [book] = catalogue_books(1)
    load_books(con, [book])
    insert_abs_item(con, "li_0", title=book.title, authors=[], narrators=[])
    set_match(con, "li_0", book, "pending", 0.85)
    return book, {"item_id": "li_0", "book_id": book.book_id, "edition_id": None, "evidence_hash": "h1"}


def _planned(con, settings, run_id: str) -> set[str]:
    return {c.field for p in plan_from_warehouse(con, settings, run_id).plans for c in p.changes}


def test_an_unticked_field_is_left_out_of_the_plan_and_a_new_decision_brings_it_back(db_path):
    settings = get_settings(duckdb_path=db_path)
    with connect(db_path) as con:
        book, match = _pending_item(con)
        record_decision(con, "li_0", "approve", book.book_id, None, "h1", by="tester")
        everything = _planned(con, settings, "run-1")
        assert {"authors", "narrators"} <= everything

        seq = record_web_decision(
            con, match, "approve", book.book_id, None, {"authors": False, "narrators": True}, by="tester"
        )
        assert con.execute(
            "SELECT field, write FROM review_field_choices WHERE decision_seq = ? ORDER BY field", [seq]
        ).fetchall() == [("authors", False), ("narrators", True)]
        assert _planned(con, settings, "run-2") == everything - {"authors"}

        record_decision(
            con, "li_0", "approve", book.book_id, None, "h1", by="tester"
        )  # e.g. `approve` in the CLI
        assert _planned(con, settings, "run-3") == everything


def test_a_decision_with_an_unknown_field_records_nothing(db_path):
    with connect(db_path) as con:
        book, match = _pending_item(con)
        with pytest.raises(ValueError, match="unknown field"):
            record_web_decision(con, match, "approve", book.book_id, None, {"cover_art": False})
        assert con.execute("SELECT count(*) FROM review_decisions").fetchone() == (0,)
