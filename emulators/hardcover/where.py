"""Hasura's `where` / `order_by` / `limit` / `offset` over the emulated tables. Lookups by id, ASIN,
ISBN or exact author name go through indexes, which keeps a 100-value `_in` query to a few
milliseconds; anything else is a full scan with the generic evaluator, as slow as it would be honest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graphql import GraphQLError

from emulators.hardcover.tables import Db, Rec

DISABLED_OPERATORS = frozenset(
    {
        "_like",
        "_nlike",
        "_ilike",
        "_nilike",
        "_regex",
        "_iregex",
        "_nregex",
        "_niregex",
        "_similar",
        "_nsimilar",
    }
)


def check_operators(where: Any) -> None:
    """Hardcover disables the pattern operators; reject them wherever they appear in a filter."""
    if isinstance(where, dict):
        for key, value in where.items():
            if key in DISABLED_OPERATORS:
                raise GraphQLError(
                    f"operator '{key}' is disabled on this API; use _eq/_in or the search query",
                    extensions={"code": "validation-failed"},
                )
            check_operators(value)
    elif isinstance(where, list):
        for value in where:
            check_operators(value)


def _compare(value: Any, cond: dict) -> bool:
    for op, arg in cond.items():
        if op == "_eq":
            ok = value == arg
        elif op == "_neq":
            ok = value != arg
        elif op == "_in":
            ok = value in arg
        elif op == "_nin":
            ok = value not in arg
        elif op == "_is_null":
            ok = (value is None) == arg
        elif op in ("_gt", "_gte", "_lt", "_lte"):
            if value is None:
                return False
            ok = {"_gt": value > arg, "_gte": value >= arg, "_lt": value < arg, "_lte": value <= arg}[op]
        else:
            raise GraphQLError(
                f"operator '{op}' is not supported by the emulator", extensions={"code": "validation-failed"}
            )
        if not ok:
            return False
    return True


def matches(db: Db, table: str, row: dict, where: dict | None) -> bool:
    if not where:
        return True
    rels = db.rels.get(table, {})
    for key, cond in where.items():
        if key == "_and":
            ok = all(matches(db, table, row, w) for w in cond)
        elif key == "_or":
            ok = any(matches(db, table, row, w) for w in cond)
        elif key == "_not":
            ok = not matches(db, table, row, cond)
        elif key in rels:
            target, is_array, get = rels[key]
            related = get(row)
            if is_array:
                ok = any(matches(db, target, r.d, cond) for r in related)
            else:
                ok = related is not None and matches(db, target, related.d, cond)
        else:
            ok = _compare(row.get(key), cond)
        if not ok:
            return False
    return True


def indexed_ids(db: Db, table: str, where: dict | None) -> set[int] | None:
    """Row ids that may match, from indexes, or None when a full scan is needed."""
    if not where:
        return None
    found: list[set[int]] = []
    for key, cond in where.items():
        got: set[int] | None = None
        if key == "_and":
            parts = [p for p in (indexed_ids(db, table, w) for w in cond) if p is not None]
            got = set.intersection(*parts) if parts else None
        elif key == "_or":
            parts = [indexed_ids(db, table, w) for w in cond]
            got = set().union(*parts) if parts and all(p is not None for p in parts) else None
        elif (
            isinstance(cond, dict) and ("_eq" in cond or "_in" in cond) and key not in db.rels.get(table, {})
        ):
            values = cond["_in"] if "_in" in cond else [cond["_eq"]]
            index = db.index(table, key)
            got = {r.d["id"] for v in values if v is not None for r in index.get(v, ())}
        elif (
            table == "books"
            and key in ("editions", "contributions", "book_series")
            and isinstance(cond, dict)
        ):
            target = db.rels["books"][key][0]
            inner = indexed_ids(db, target, cond)
            if key == "contributions" and inner is None and "author" in cond:
                authors = indexed_ids(db, "authors", cond["author"])
                if authors is not None:
                    by_author = db.index("contributions", "author_id")
                    inner = {c.d["id"] for a in authors for c in by_author.get(a, ())}
            if inner is not None:
                rows = db.by_id[target]
                got = {rows[i].d.get("book_id") for i in inner if i in rows}
        if got is not None:
            found.append(got)
    return set.intersection(*found) if found else None


def _sort_key(db: Db, table: str, order: dict) -> list[tuple[Callable[[dict], Any], bool, bool]]:
    keys = []
    for col, direction in order.items():
        if isinstance(direction, dict):  # order by an object relationship's column
            target, _, get = db.rels[table][col]
            for inner_get, desc, nulls_first in _sort_key(db, target, direction):
                keys.append(
                    (
                        (lambda g, ig: lambda d: ig(g(d).d) if g(d) is not None else None)(get, inner_get),
                        desc,
                        nulls_first,
                    )
                )
            continue
        desc = direction.startswith("desc")
        nulls_first = direction.endswith("nulls_first") or (desc and not direction.endswith("nulls_last"))
        keys.append(((lambda c: lambda d: d.get(c))(col), desc, nulls_first))
    return keys


def select(db: Db, table: str, rows: Iterable[Rec] | None, args: dict) -> list[Rec]:
    """Hasura's select: where → distinct_on → order_by → offset/limit."""
    where = args.get("where")
    check_operators(where)
    if rows is None:
        ids = indexed_ids(db, table, where)
        rows = (
            db.tables.get(table, [])
            if ids is None
            else [db.by_id[table][i] for i in sorted(ids) if i in db.by_id[table]]
        )
    out = [r for r in rows if matches(db, table, r.d, where)]
    order = args.get("order_by")
    if order:
        specs = [s for o in (order if isinstance(order, list) else [order]) for s in _sort_key(db, table, o)]
        for get, desc, nulls_first in reversed(specs):
            present = [r for r in out if get(r.d) is not None]
            missing = [r for r in out if get(r.d) is None]
            present.sort(key=lambda r, g=get: g(r.d), reverse=desc)
            out = missing + present if nulls_first else present + missing
    distinct = args.get("distinct_on")
    if distinct:
        seen, unique = set(), []
        for r in out:
            key = tuple(r.d.get(c) for c in distinct)
            if key not in seen:
                seen.add(key)
                unique.append(r)
        out = unique
    offset = args.get("offset") or 0
    limit = args.get("limit")
    return out[offset : offset + limit if limit is not None else None]
