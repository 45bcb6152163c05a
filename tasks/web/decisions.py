"""Decisions from the review page: the same `review_decisions` rows the CLI writes, plus the person's
choice per field (`review_field_choices`), which the writeback plan honours while the decision stands."""

from __future__ import annotations

from typing import Any

import duckdb

from tasks.review import DECISIONS, current_user
from tasks.warehouse import insert_rows, load_sql, now
from tasks.writeback.payload import FIELDS

CHOICE_COLUMNS = ["decision_seq", "item_id", "field", "write"]


def record_web_decision(
    con: duckdb.DuckDBPyConnection,
    match: dict[str, Any],
    decision: str,
    book_id: int | None,
    edition_id: int | None,
    choices: dict[str, bool] | None = None,
    by: str | None = None,
    note: str | None = None,
) -> int:
    """Record a decision about `match` (made on its evidence_hash) and the field choices; returns its seq.

    `choices` maps writeback fields to whether they are to be written (the page's ticked boxes); fields
    not named keep the writeback policy. One transaction: the decision and its choices, or nothing.
    """
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    unknown = sorted(set(choices or {}) - set(FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; fields are: {', '.join(FIELDS)}")
    con.execute("BEGIN TRANSACTION")
    try:
        [(seq,)] = con.execute(
            load_sql("web_insert_decision"),
            {
                "item_id": match["item_id"],
                "book_id": book_id,
                "edition_id": edition_id,
                "decision": decision,
                "decided_at": now(),
                "decided_by": by or current_user(),
                "note": note,
                "evidence_hash": match["evidence_hash"],
            },
        ).fetchall()
        rows = [[seq, match["item_id"], f, bool(w)] for f, w in (choices or {}).items()]
        insert_rows(con, "web_insert_field_choices", CHOICE_COLUMNS, rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(seq)
