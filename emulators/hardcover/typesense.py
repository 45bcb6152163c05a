"""Typesense's keyword search as its documentation describes it, over the emulated Book collection.

What is modelled (Typesense search parameters at their defaults unless Hardcover sets them):
- tokens: text is split on whitespace; other special characters are removed inside a token (no
  `token_separators` or `symbols_to_index`), case and diacritics are folded; no stop words are dropped;
- every query token must match (AND); a token may match in any of the `query_by` fields;
- typos: Damerau-Levenshtein distance per token, at most `num_typos` of the field (capped at 2), none
  below `min_len_1typo` (4) characters and at most one below `min_len_2typo` (7);
- `prefix`: the last token also matches the words it starts (with the same typo allowance);
- `max_candidates` (4): each token expands to at most 4 words per field and typo count: the token
  itself when the field has it, then the words of the most popular books;
- `typo_tokens_threshold` (1): typo-corrected spellings are only tried, cheapest combination first
  (at most 10 combinations), while fewer than that many books were found;
- `drop_tokens_threshold` (1): while fewer books than that are found, tokens are dropped from the
  right until half of them are gone, then from the left;
- text match: tokens matched, then fewest typos, then the best field (tokens matched in it, its
  typos, a verbatim match of the whole value, the tokens' proximity), then that field's weight, then
  whole words over prefix expansions, then the number of fields matched.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

MIN_LEN_1TYPO = 4
MIN_LEN_2TYPO = 7
MAX_TYPOS = 2
MAX_CANDIDATES = 4
COMBINATION_LIMIT = 10
TYPO_TOKENS_THRESHOLD = 1
DROP_TOKENS_THRESHOLD = 1
_SYMBOLS = re.compile(r"[^a-z0-9\s]+")


def tokenize(text: str) -> list[str]:
    """Typesense's default tokenizer: whitespace splits, other symbols vanish ("Spider-Man" ->
    "spiderman", "J.R.R." -> "jrr"), lower case, diacritics folded."""
    return _SYMBOLS.sub("", anyascii(text).lower()).split()


def typo_allowance(token: str, field_typos: int) -> int:
    allowed = 0 if len(token) < MIN_LEN_1TYPO else 1 if len(token) < MIN_LEN_2TYPO else 2
    return min(allowed, field_typos, MAX_TYPOS)


@dataclass
class FieldIndex:
    """One field's dictionary: the documents of each word and its popularity (the most popular book
    holding it, which orders the candidate words as Typesense's tree does)."""

    postings: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    popularity: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sorted_words: list[str] = field(default_factory=list)
    by_len: dict[int, list[str]] = field(default_factory=dict)
    _prefixes: dict[int, tuple[list[str], dict[str, list[str]]]] = field(default_factory=dict)

    def freeze(self) -> None:
        self.sorted_words = sorted(self.postings)
        lengths: dict[int, list[str]] = defaultdict(list)
        for w in self.sorted_words:
            lengths[len(w)].append(w)
        self.by_len = dict(lengths)

    def starting_with(self, prefix: str) -> list[str]:
        i = bisect.bisect_left(self.sorted_words, prefix)
        out = []
        while i < len(self.sorted_words) and self.sorted_words[i].startswith(prefix):
            out.append(self.sorted_words[i])
            i += 1
        return out

    def prefix_table(self, n: int) -> tuple[list[str], dict[str, list[str]]]:
        """The distinct n-character beginnings of the field's words, each with its words (built on
        the first typo-tolerant prefix search that needs them)."""
        if n not in self._prefixes:
            table: dict[str, list[str]] = defaultdict(list)
            for w in self.sorted_words:
                if len(w) >= n:
                    table[w[:n]].append(w)
            self._prefixes[n] = (list(table), dict(table))
        return self._prefixes[n]

    def words_at(self, token: str, cost: int, prefix: bool) -> dict[str, int]:
        """Every word `cost` or fewer typos from `token` (from its beginning when `prefix`), with its
        typo count."""
        if cost == 0:
            if prefix:
                return dict.fromkeys(self.starting_with(token), 0)
            return {token: 0} if token in self.postings else {}
        found: dict[str, int] = {}
        for n in range(max(1, len(token) - cost), len(token) + cost + 1):
            keys, words_of = self.prefix_table(n) if prefix else (self.by_len.get(n, []), None)
            hits = process.extract(
                token, keys, scorer=DamerauLevenshtein.distance, score_cutoff=cost, limit=None
            )
            for key, dist, _ in hits:
                for w in words_of[key] if words_of is not None else [key]:
                    found[w] = min(found.get(w, cost), int(dist))
        return found


class Collection:
    """The Book documents, each field indexed on the first search that asks for it: its dictionary
    and each document's tokens (one list per array element). `rank_field` orders candidate words
    (Typesense's default sorting field)."""

    def __init__(self, docs: dict[int, dict[str, Any]], rank_field: str) -> None:
        self.docs = docs
        self.popularity = {doc_id: int(doc.get(rank_field) or 0) for doc_id, doc in docs.items()}
        self._fields: dict[str, FieldIndex] = {}
        self._values: dict[str, dict[int, list[list[str]]]] = {}

    def field(self, f: str) -> FieldIndex:
        if f not in self._fields:
            self._index(f)
        return self._fields[f]

    def values(self, f: str, doc_id: int) -> list[list[str]]:
        if f not in self._values:
            self._index(f)
        return self._values[f].get(doc_id, [])

    def _index(self, f: str) -> None:
        fi = FieldIndex()
        values: dict[int, list[list[str]]] = {}
        postings, popularity = fi.postings, fi.popularity
        for doc_id, doc in self.docs.items():
            raw = doc.get(f)
            if not raw:
                continue
            token_lists = [tokenize(str(e)) for e in (raw if isinstance(raw, list) else [raw]) if e]
            values[doc_id] = token_lists
            pop = self.popularity[doc_id]
            for toks in token_lists:
                for t in toks:
                    postings[t].add(doc_id)
                    if pop > popularity[t]:
                        popularity[t] = pop
        fi.freeze()
        self._fields[f], self._values[f] = fi, values


@dataclass(frozen=True)
class QueryBy:
    fields: tuple[str, ...]
    weights: tuple[int, ...]
    typos: tuple[int, ...]
    prefix: bool = True
    exhaustive: bool = False


class _Expansions:
    """Each (token, field, typo count): the candidate words Typesense considers, at most
    MAX_CANDIDATES of them, the token itself and then the most popular (all of them in an exhaustive
    search); `seen` keeps every candidate with its typo count for the scoring."""

    def __init__(self, coll: Collection, query_by: QueryBy) -> None:
        self.coll, self.q = coll, query_by
        self._memo: dict[tuple[str, str, bool, int], list[str]] = {}
        self.seen: dict[tuple[str, str, bool], dict[str, int]] = defaultdict(dict)

    def words(self, token: str, f: str, cost: int, prefix: bool) -> list[str]:
        key = (token, f, prefix, cost)
        if key not in self._memo:
            fi = self.coll.field(f)
            at_cost = [w for w, d in fi.words_at(token, cost, prefix).items() if d == cost]
            at_cost.sort(key=lambda w: (w != token, -fi.popularity[w], w))
            picked = at_cost if self.q.exhaustive else at_cost[:MAX_CANDIDATES]
            for w in picked:
                self.seen[(token, f, prefix)].setdefault(w, cost)
            self._memo[key] = picked
        return self._memo[key]


def _allowances(tokens: list[str], q: QueryBy) -> list[dict[str, int]]:
    return [{f: typo_allowance(t, typos) for f, typos in zip(q.fields, q.typos, strict=True)} for t in tokens]


def _cost_combinations(most: list[int]) -> Iterator[tuple[int, ...]]:
    """Typo counts per token, each up to its most, fewest typos in all first (generated lazily: a long
    query has millions)."""

    def summing_to(i: int, total: int) -> Iterator[tuple[int, ...]]:
        if i == len(most):
            if total == 0:
                yield ()
            return
        for c in range(min(most[i], total) + 1):
            for rest in summing_to(i + 1, total - c):
                yield (c, *rest)

    for total in range(sum(most) + 1):
        yield from summing_to(0, total)


def _match(coll: Collection, q: QueryBy, tokens: list[str], exp: _Expansions) -> set[int]:
    """Books holding every token, typo-corrected spellings tried cheapest first until enough are found."""
    allow = _allowances(tokens, q)
    last = len(tokens) - 1
    combos = _cost_combinations([max(a.values()) for a in allow])
    found: set[int] = set()
    for combo in combos if q.exhaustive else itertools.islice(combos, COMBINATION_LIMIT):
        docs: set[int] | None = None
        for i, (tok, cost) in enumerate(zip(tokens, combo, strict=True)):
            holding: set[int] = set()
            for f in q.fields:
                if allow[i][f] >= cost:
                    for w in exp.words(tok, f, cost, q.prefix and i == last):
                        holding |= coll.field(f).postings.get(w, set())
            docs = holding if docs is None else docs & holding
            if not docs:
                break
        found |= docs or set()
        if not q.exhaustive and len(found) >= TYPO_TOKENS_THRESHOLD:
            break
    return found


def _dropped(tokens: list[str]) -> list[list[str]]:
    """The shorter queries tried when too few books hold every token: from the right until half the
    tokens are gone, then from the left."""
    mid = len(tokens) // 2
    out = []
    for dropped in range(1, len(tokens) + 1):
        shorter = tokens[: len(tokens) - dropped] if dropped <= mid else tokens[dropped - mid :]
        if shorter:
            out.append(shorter)
    return out


def _field_key(
    coll: Collection, q: QueryBy, f: str, tokens: list[str], doc_id: int, exp: _Expansions
) -> tuple[dict[int, str], tuple[int, ...]]:
    """The query tokens a field of one book matches (token index -> the word it matched, the cheapest
    one) and the field's score: (tokens matched, typos, verbatim, proximity, tokens matched whole)."""
    last = len(tokens) - 1
    cands = [exp.seen.get((tok, f, q.prefix and i == last), {}) for i, tok in enumerate(tokens)]
    matched: dict[int, str] = {}
    verbatim, best_element = 0, (0, -127)
    for toks in coll.values(f, doc_id):
        positions: dict[int, int] = {}
        for pos, word in enumerate(toks):
            for i, seen in enumerate(cands):
                cost = seen.get(word)
                if cost is None:
                    continue
                if i not in matched or cost < seen[matched[i]] or word == tokens[i]:
                    matched[i] = word
                positions.setdefault(i, pos)
        if positions:
            gaps = max(positions.values()) - min(positions.values()) + 1 - len(positions)
            best_element = max(best_element, (len(positions), -min(gaps, 127)))
        verbatim |= toks == tokens
    typos = sum(cands[i][w] for i, w in matched.items())
    whole = sum(w == tokens[i] for i, w in matched.items())
    return matched, (len(matched), 255 - min(typos, 255), int(verbatim), 127 + best_element[1], whole)


def _score(coll: Collection, q: QueryBy, tokens: list[str], doc_id: int, exp: _Expansions) -> int:
    """The `_text_match` value: a packed integer whose order is the ranking described above."""
    last = len(tokens) - 1
    best_cost: dict[int, int] = {}
    best_field: tuple[int, ...] = (0, 0, 0, 0, 0, 0)
    fields_matched = 0
    for f, weight in zip(q.fields, q.weights, strict=True):
        matched, key = _field_key(coll, q, f, tokens, doc_id, exp)
        if not matched:
            continue
        fields_matched += 1
        best_field = max(best_field, (*key[:4], min(weight, 127), key[4]))
        for i, word in matched.items():
            cost = exp.seen[(tokens[i], f, q.prefix and i == last)][word]
            best_cost[i] = min(best_cost.get(i, cost), cost)
    in_field, field_typos, verbatim, proximity, weight, whole = best_field
    score = 0
    for value, bits in (
        (len(best_cost), 8),
        (255 - min(sum(best_cost.values()), 255), 8),
        (in_field, 8),
        (field_typos, 8),
        (verbatim, 1),
        (proximity, 7),
        (weight, 8),
        (min(whole, 255), 8),
        (min(fields_matched, 255), 8),
    ):
        score = (score << bits) | value
    return score


def text_search(coll: Collection, query: str, q: QueryBy) -> list[tuple[int, int]]:
    """(text match, book id) for every book the query finds, best text match first, then the most
    popular book."""
    tokens = tokenize(query)
    if not tokens:
        return []
    exp = _Expansions(coll, q)
    used, found = tokens, _match(coll, q, tokens, exp)
    if len(found) < DROP_TOKENS_THRESHOLD:
        for shorter in _dropped(tokens):
            used, found = shorter, _match(coll, q, shorter, exp)
            if len(found) >= DROP_TOKENS_THRESHOLD:
                break
    scored = [(_score(coll, q, used, d, exp), d) for d in found]
    scored.sort(key=lambda s: (-s[0], -coll.popularity[s[1]], s[1]))
    return scored
