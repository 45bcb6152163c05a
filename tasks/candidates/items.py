"""An item's evidence as one candidates query: its titles, people, series, identifiers, duration."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from tasks.normalise import name_key, parse_position, split_names, title_variants
from tasks.warehouse import fetch_dicts, load_sql


@dataclass
class ItemQuery:
    item_id: str
    titles: list[str]
    authors: list[str]
    narrators: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    asins: list[str] = field(default_factory=list)
    isbns: list[str] = field(default_factory=list)
    duration: float | None = None
    evidence_hash: str = ""
    done: bool = False  # candidates already fetched for exactly this evidence
    positions: list[float] = field(default_factory=list)  # series positions the evidence names

    @property
    def title_keys(self) -> list[str]:
        return list(dict.fromkeys(v for t in self.titles for v in title_variants(t)))

    @property
    def author_keys(self) -> set[str]:
        return {name_key(n) for a in self.authors for n in split_names(a)} - {""}


def load_items(
    con: duckdb.DuckDBPyConnection, item_ids: list[str] | None = None, include_done: bool = False
) -> list[ItemQuery]:
    rows = fetch_dicts(con, load_sql("candidates_items"), {"item_ids": item_ids})
    return [
        ItemQuery(
            r["item_id"],
            _uniq(r["titles"]),
            _uniq(r["authors"]),
            _uniq(r["narrators"]),
            _uniq(r["series"]),
            _uniq(r["asins"]),
            _uniq(r["isbns"]),
            r["duration"],
            r["evidence_hash"],
            r["done"],
            [p for p in map(parse_position, _uniq(r["sequences"])) if p is not None],
        )
        for r in rows
        if include_done or not r["done"]
    ]


def _uniq(values: list[str] | None) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values or [] if v and v.strip()))
