"""Labelled pairs for training and evaluating the scoring model, from generated corpora.

`labelled_corpus(n_items, seed, family)` generates a library of a generator family
(`emulators.families`, truth known),
turns every item into evidence with the real `tasks.evidence.evidence_for_item`, and builds each
item's candidate set the way a catalogue search would see it, straight from the emulated catalogue:
the true book (when it is in the catalogue), its series neighbours, other books by its author,
same-title books by other authors, and books sharing the item's rarest title words. This is the
offline stand-in for the real path (extract → fetch_candidates), which bench/quality.py also runs.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

import polars as pl

from emulators.catalogue import load_catalogue
from emulators.hc_tables import catalogue_tables
from tasks.normalise import normalise_title, split_title
from tasks.scoring.prepare import book_frame, item_frame

# Words too common in titles to say which book: no candidate is drawn for sharing one of them.
_STOP = frozenset((
    "the", "a", "an", "of", "and", "in", "to", "on", "for", "at", "by", "with", "from", "is", "my", "book",
    "1", "2", "3",
))  # fmt: skip


@dataclass
class LabelledCorpus:
    items: pl.DataFrame  # item frame (prepare.item_frame)
    candidates: pl.DataFrame  # item_id, book_id, edition_id, strategy
    truth: pl.DataFrame  # item_id, truth_book_id (null = not in the catalogue), kind
    evidence: pl.DataFrame  # raw evidence rows
    raw_items: list[dict]


@cache
def catalogue_book_frame() -> pl.DataFrame:
    t = catalogue_tables()
    return book_frame(t["hc_books"], t["hc_editions"], t["hc_contributions"], t["hc_series"])


@cache
def _index():
    cat = load_catalogue()
    words: dict[str, list[int]] = defaultdict(list)
    by_title: dict[str, list[int]] = defaultdict(list)
    by_series: dict[str, list[int]] = defaultdict(list)
    by_author: dict[str, list[int]] = defaultdict(list)
    for b in cat.books:
        norm = normalise_title(b.title)
        by_title[norm].append(b.book_id)
        for w in set(norm.split()) - _STOP:
            words[w].append(b.book_id)
        if b.series_name:
            by_series[b.series_name].append(b.book_id)
        if b.authors:
            by_author[b.authors[0]].append(b.book_id)
    return cat, words, by_title, by_series, by_author


def search_like_candidates(
    titles: list[str], truth_book_id: int | None, rng: random.Random, k: int = 8
) -> list[tuple[int, str]]:
    """Candidates a title search plus neighbours would bring in: (book_id, strategy)."""
    cat, words, by_title, by_series, by_author = _index()
    out: dict[int, str] = {}
    if truth_book_id is not None:
        out[truth_book_id] = "search"
        book = cat.by_id[truth_book_id]
        for bid in by_series.get(book.series_name or "", [])[:4]:
            out.setdefault(bid, "series_neighbour")
        if book.authors:
            same = [x for x in by_author.get(book.authors[0], []) if x not in out]
            for bid in rng.sample(same, min(2, len(same))):
                out.setdefault(bid, "author_books")
    scores: dict[int, float] = defaultdict(float)
    for t in titles:
        norm = normalise_title(split_title(t).title or t)
        for bid in by_title.get(norm, []):
            out.setdefault(bid, "same_title")
        for w in set(norm.split()) - _STOP:
            postings = words.get(w)
            if postings:
                idf = math.log(len(cat.books) / len(postings))
                for bid in postings[:400]:
                    scores[bid] += idf
    for bid, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(out) >= k:
            break
        out.setdefault(bid, "search")
    return list(out.items())


def labelled_corpus(
    n_items: int, seed: int, family: str = "shelfmatch-hostile", k: int = 8
) -> LabelledCorpus:
    from emulators.families import generate
    from tasks.evidence import evidence_for_item

    lib = generate(family, n_items, seed)
    rng = random.Random(seed * 31 + 7)
    ev_rows, cand_rows, truth_rows, item_rows = [], [], [], []
    for it in lib.items:
        iid = it["id"]
        evs = evidence_for_item(it)
        for e in evs:
            ev_rows.append(
                {
                    "item_id": iid,
                    "source": e.source,
                    "field": e.field,
                    "value": e.value,
                    "ordinal": e.ordinal,
                    "rule": e.rule,
                }
            )
        t = lib.truth[iid]
        truth_rows.append({"item_id": iid, "truth_book_id": t.book_id, "kind": t.kind})
        item_rows.append(
            {"item_id": iid, "duration": float(it.get("media", {}).get("duration") or 0) or None}
        )
        titles = [e.value for e in evs if e.field == "title"]
        for rank, (bid, strategy) in enumerate(search_like_candidates(titles, t.book_id, rng, k=k)):
            cand_rows.append(
                {"item_id": iid, "book_id": bid, "edition_id": None, "strategy": strategy, "rank": rank}
            )
    evidence = pl.DataFrame(ev_rows)
    items_df = pl.DataFrame(item_rows, schema={"item_id": pl.String, "duration": pl.Float64})
    return LabelledCorpus(
        items=item_frame(evidence, items_df),
        candidates=pl.DataFrame(cand_rows, schema_overrides={"edition_id": pl.Int64}),
        truth=pl.DataFrame(
            truth_rows, schema={"item_id": pl.String, "truth_book_id": pl.Int64, "kind": pl.String}
        ),
        evidence=evidence,
        raw_items=lib.items,
    )
