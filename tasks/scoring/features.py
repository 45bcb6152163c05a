"""The raw feature columns of every (item, candidate book) pair, computed in bulk with Polars and rapidfuzz.

`pair_features(pairs, items, books)` takes the pairs (`item_id`, `book_id`, optionally the candidate's
`edition_id`) and the prepared item and book frames (prepare.py) and returns one row per pair, in the
pairs' order: the raw columns (`title_sim`, `agree_mask`, `author_sim`, … `edition_id`) and one level
column per comparison (`title_level`, …; the levels are declared in comparisons.py).

How, with no per-pair Python: list columns are exploded into long frames and joined per pair (pair ×
item value × book value); each distinct (item string, book string) is compared once with rapidfuzz
(`process.cpdist(..., workers=-1)`, `fuzz.ratio`); the long frames are aggregated back per pair and the
parts joined onto the pairs.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from tasks.normalise import CD_SECONDS
from tasks.scoring.comparisons import FAIR_TITLE, level_exprs
from tasks.scoring.glued import echoes, shorthand
from tasks.scoring.prepare import DISC_OF_SET, SOURCE_BIT
from tasks.scoring.reliability import against_mask, source_reliability, trusted
from tasks.scoring.rivals import length_settles, outvoted

c = pl.col

ABS_BIT = SOURCE_BIT["abs"]

# A title this similar counts as the same title: a source whose title scores this against the candidate
# names the candidate; below it, containment ("dune" in "dune messiah") is looked for.
SAME_TITLE = 90

# Shorter than this, and under a quarter of the edition's length, an item is an excerpt (a publisher's
# sample, a single part of a split book, a truncated download), not an edition of its own.
EXCERPT_SECONDS = 600


# The columns of `pair_features` before `edition_id` and the levels, in order.
_COLUMNS = (
    *("pair", "item_id", "book_id", "hint_edition_id", "asin_match", "isbn_match", "position_equal"),
    *("title_sim", "title_item_in_candidate", "title_candidate_in_item", "title_with_author"),
    *("sources_agree", "agree_mask", "aside_mask"),
    *("author_sim", "author_own_sim", "narrator_sim", "series_sim", "duration_diff", "year_diff"),
    *("title_sources", "item_has_series", "item_has_id"),
    *("book_has_series", "book_position", "book_has_id", "item_has_position", "series_names_title"),
)
# Flags are false, not null, where the pair has nothing to compare (or no prepared item or book).
_FLAGS = (
    *("asin_match", "isbn_match", "position_equal"),
    *("title_item_in_candidate", "title_candidate_in_item", "title_with_author"),
    *("item_has_series", "item_has_id", "book_has_series", "book_has_id", "item_has_position"),
    "series_names_title",
)


# --- strings -------------------------------------------------------------------------------------------------


class _Vocab:
    """Every distinct string of a comparison, coded as an integer: the long frames carry integers, and
    each distinct (left, right) pair of strings is compared once."""

    def __init__(self, *columns: pl.Series):
        strings = pl.concat([col.cast(pl.String).rename("s") for col in columns]).drop_nulls().unique()
        self.frame = strings.to_frame().with_row_index("code")
        self.strings = self.frame["s"]

    def encode(self, frame: pl.DataFrame, col: str, code: str) -> pl.DataFrame:
        """`frame` with its string column `col` replaced by the strings' codes in `code`."""
        return frame.join(self.frame.rename({"s": col, "code": code}), on=col, how="left").drop(col)


def _ratio(left: pl.Series, right: pl.Series) -> pl.Series:
    """`fuzz.ratio` of each left string with the right string in the same row (0–100), on every core."""
    if len(left) == 0:
        return pl.Series([], dtype=pl.Int32)
    ratio = process.cpdist(left.to_numpy(), right.to_numpy(), scorer=fuzz.ratio, workers=-1, dtype=np.uint8)
    return pl.Series(ratio, dtype=pl.Int32)


def _similarity(long: pl.DataFrame, vocab: _Vocab, containment: bool = False) -> pl.DataFrame:
    """Add `sim` (rapidfuzz `fuzz.ratio`, 0–100) to a long frame of string codes `lc`, `rc` — and with
    `containment`, `item_in_candidate` / `candidate_in_item`: is one string a whole-word part of the other
    (" dune " in " dune messiah ", the sequel/omnibus trap)?

    Strings repeat across pairs (authors, narrators, series, and about half of the titles), so each
    distinct (lc, rc) — one 64-bit key — is compared once and the results joined back.
    """
    long = long.with_columns(key=c("lc").cast(pl.UInt64) * (1 << 32) + c("rc"))
    distinct = long.select("key", "lc", "rc").unique(subset="key")
    distinct = distinct.with_columns(
        sim=_ratio(vocab.strings.gather(distinct["lc"]), vocab.strings.gather(distinct["rc"]))
    )
    if containment:
        # Titles whose numbers differ name different books ("walking dead 14" / "walking dead 11",
        # "2001 a space odyssey" / "2010 odyssey two"; "walking dead" is the series, not volume 7),
        # however close the letters: under `FAIR_TITLE`, where only containment can still relate them.
        numbers = vocab.strings.str.extract_all(r"\b\d+\b").list.sort()
        differ = numbers.gather(distinct["lc"]) != numbers.gather(distinct["rc"])
        distinct = distinct.with_columns(
            sim=pl.when(differ).then(pl.min_horizontal(c("sim"), FAIR_TITLE - 1)).otherwise(c("sim"))
        )
        # Only below SAME_TITLE, where it can change the level (two equal strings are never there).
        padded = " " + vocab.strings + " "
        left, right = padded.gather(distinct["lc"]), padded.gather(distinct["rc"])
        low = distinct["sim"] < SAME_TITLE
        distinct = distinct.with_columns(
            # A Series pattern works row by row; Polars' stubs accept only str | Expr.
            item_in_candidate=low & right.str.contains(left, literal=True),  # type: ignore[arg-type]
            candidate_in_item=low & left.str.contains(right, literal=True),  # type: ignore[arg-type]
        )
    return long.join(distinct.drop("lc", "rc"), on="key", how="left").drop("key")


# --- long frames ---------------------------------------------------------------------------------------------


def _explode(frame: pl.DataFrame, key: str, cols: dict[str, str]) -> pl.DataFrame:
    """(key, list columns) -> one row per value: (key, new name...), without nulls."""
    return (
        frame.select(key, *[c(src).alias(dst) for dst, src in cols.items()]).explode(list(cols)).drop_nulls()
    )


def _credible(long: pl.DataFrame, discount: pl.DataFrame) -> pl.DataFrame:
    """Keep the rows whose evidence (source bits `src`) comes from at least one source that is not
    describing another book for this pair (`discredited`: per pair, the sources whose title disagrees)."""
    long = long.join(discount, on="pair", how="left")
    return long.filter((c("src") & ~c("discredited").fill_null(0)) != 0).drop("src", "discredited")


def _best_over_lists(
    base: pl.DataFrame, left: pl.DataFrame, right: pl.DataFrame, discount: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Per pair: the best ratio between any left value `l` (per item_idx) and any right value `r` (per
    book_id); equal exact keys `lk`/`rk` (surname + initial), when given, count as 100.
    Returns (pair, sim); pairs with nothing on either side are absent."""
    vocab = _Vocab(left["l"], right["r"])
    left = vocab.encode(left, "l", "lc")
    right = vocab.encode(right, "r", "rc")
    long = base.join(left, on="item_idx").join(right, on="book_id")
    if discount is not None:
        long = _credible(long, discount)
    long = _similarity(long, vocab)
    if "lk" in long.columns and "rk" in long.columns:
        long = long.with_columns(sim=pl.when(c("lk") == c("rk")).then(100).otherwise(c("sim")))
    return long.group_by("pair").agg(sim=c("sim").max())


def _any_equal(
    base: pl.DataFrame, left: pl.DataFrame, right: pl.DataFrame, on: str, discount: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Per pair: does any left value (per item_idx) equal any right value (per book_id)?
    Returns (pair, hit) for the pairs where one does."""
    long = base.join(left, on="item_idx")
    if discount is not None:
        long = _credible(long, discount)
    return long.join(right, on=["book_id", on], how="semi").select("pair", hit=pl.lit(True)).unique()


def _has_values(*cols: str) -> pl.Expr:
    """Does the row have any non-null value in these list columns?"""
    return pl.sum_horizontal([c(col).list.drop_nulls().list.len().fill_null(0) for col in cols]) > 0


# --- the features --------------------------------------------------------------------------------------------


def _titles(base: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """Per pair: the best title similarity over the item's evidence sources × title variants and the
    book's title variants, whether one contains the other, and which sources (`agree_mask`, a bit per
    source) give a title that names the book."""
    it = (
        items.select("item_idx", "title_variants")
        .explode("title_variants")
        .drop_nulls()
        .unnest("title_variants")
    )
    bt = books.select("book_id", r=c("title_variants")).explode("r").drop_nulls()
    vocab = _Vocab(it["text"], bt["r"])
    it = vocab.encode(it.rename({"text": "l"}), "l", "lc")
    bt = vocab.encode(bt, "r", "rc")
    long = _similarity(base.join(it, on="item_idx").join(bt, on="book_id"), vocab, containment=True)
    # "John Grisham A Time to Kill" names the book and its author at once when what is left of it without
    # the candidate's title is the candidate's author: the title agrees (and so does the author).
    glued = _author_and_title(long, vocab, books)
    long = long.join(glued, on=["pair", "lc", "rc"], how="left").with_columns(
        sim=pl.when(c("glued")).then(100).otherwise(c("sim")),
        candidate_in_item=c("candidate_in_item") & c("glued").is_null(),
    )
    long = long.join(shorthand(long.select("lc", "rc"), vocab.strings), on=["lc", "rc"], how="left")
    long = long.with_columns(
        agree_bits=pl.when(c("sim") >= SAME_TITLE).then(c("sources")).otherwise(0),
        # The candidate's title with more words around it, written as one word or as its initials.
        around_bits=pl.when((c("sim") < SAME_TITLE) & (c("candidate_in_item") | c("shorthand")))
        .then(c("sources"))
        .otherwise(0),
    )
    return long.group_by("pair").agg(
        title_sim=c("sim").max(),
        title_item_in_candidate=c("item_in_candidate").any(),
        title_candidate_in_item=c("candidate_in_item").any(),
        title_with_author=c("glued").any(),
        sources_agree=c("agree_bits").bitwise_or().bitwise_count_ones().cast(pl.Int32),
        agree_mask=c("agree_bits").bitwise_or().cast(pl.Int32),
        around_mask=c("around_bits").bitwise_or().cast(pl.Int32),
    )


def _names_series_or_author(base: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """Per pair: `names_other`, the sources (bits) whose title is the candidate's series name or the name of
    one of its authors (ratio ≥ SAME_TITLE)."""
    it = (
        items.select("item_idx", "title_variants")
        .explode("title_variants")
        .drop_nulls()
        .unnest("title_variants")
    )
    names = pl.concat(
        [
            books.select("book_id", r=c("series")).drop_nulls(),
            _explode(books, "book_id", {"r": "authors"}),
        ]
    ).with_columns(c("r").str.replace(r"^(?:the|a|an) ", ""))
    vocab = _Vocab(it["text"], names["r"])
    it = vocab.encode(it.rename({"text": "l"}), "l", "lc")
    names = vocab.encode(names, "r", "rc")
    long = _similarity(base.join(it, on="item_idx").join(names, on="book_id"), vocab)
    return (
        long.filter(c("sim") >= SAME_TITLE)
        .group_by("pair")
        .agg(names_other=c("sources").bitwise_or().cast(pl.Int32))
    )


def _author_and_title(long: pl.DataFrame, vocab: _Vocab, books: pl.DataFrame) -> pl.DataFrame:
    """The (pair, lc, rc) rows whose item title is the candidate's title with one of its authors before or
    after it (`glued` = True): the book's title is a whole-word part of the item's, and the rest is an
    author's name (ratio ≥ SAME_TITLE)."""
    rows = long.filter(c("candidate_in_item")).select("pair", "book_id", "lc", "rc")
    if rows.height == 0:
        return pl.DataFrame(schema={"pair": pl.UInt32, "lc": pl.UInt32, "rc": pl.UInt32, "glued": pl.Boolean})
    padded = " " + vocab.strings + " "
    # Normalised titles are ASCII, so the byte offset `find` gives is the character offset `slice` takes.
    rows = rows.with_columns(l=padded.gather(rows["lc"]), r=padded.gather(rows["rc"]))
    rows = rows.with_columns(at=c("l").str.find(c("r"), literal=True))
    rows = rows.with_columns(
        rest=(
            c("l").str.slice(0, c("at")) + " " + c("l").str.slice(c("at") + c("r").str.len_chars())
        ).str.strip_chars()
    )
    # Compared without spaces ("j r r tolkien" = "jrr tolkien") and without the article the book's
    # title variants drop ("j r r tolkien the" + "hobbit").
    article = r"^(?:the|a|an) | (?:the|a|an)$"
    rows = rows.with_columns(rest=c("rest").str.replace_all(article, "").str.replace_all(" ", ""))
    authors = _explode(books, "book_id", {"a": "authors"}).with_columns(a=c("a").str.replace_all(" ", ""))
    rows = rows.join(authors, on="book_id").filter(c("rest") != "")
    rows = rows.with_columns(sim=_ratio(rows["rest"], rows["a"]))
    hits = rows.filter(c("sim") >= SAME_TITLE).select("pair", "lc", "rc").unique()
    return hits.with_columns(glued=pl.lit(True))


def _editions(base: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """Per pair: the book's audio edition that matches the item — the one with the item's ASIN, else the
    one closest in duration (then the lowest edition id) — and how far its duration is from the item's."""
    editions = books.select("book_id", "editions").explode("editions").drop_nulls().unnest("editions")
    # One disc of a set (numbered among several and no longer than a CD holds) is an ABS item of its own
    # where ABS does not fold disc folders: its length is a disc's, not the book's.
    one_disc = c("flags").list.contains(DISC_OF_SET).fill_null(False) & (c("duration") <= CD_SECONDS)
    length = pl.when(one_disc).then(None).otherwise(c("duration")).alias("duration")
    long = base.join(editions, on="book_id").join(items.select("item_idx", length), on="item_idx", how="left")
    asin_hit = long.join(_explode(items, "item_idx", {"asin": "asins"}), on=["item_idx", "asin"], how="semi")
    long = long.join(
        asin_hit.select("pair", "edition_id", asin_hit=pl.lit(True)), on=["pair", "edition_id"], how="left"
    ).with_columns(
        # A file of a few minutes against an edition of hours is a sample or a broken rip: its length
        # says nothing about which book it is from, so it is not compared at all.
        diff=pl.when((c("duration") < EXCERPT_SECONDS) & (c("duration") * 4 < c("audio_seconds")))
        .then(None)
        .otherwise((c("duration") - c("audio_seconds")).abs() / c("audio_seconds"))
    )
    long = long.with_columns(rank_key=pl.when(c("asin_hit")).then(-1.0).otherwise(c("diff").fill_null(1e9)))
    return (
        long.sort("pair", "rank_key", "edition_id")
        .unique(subset="pair", keep="first", maintain_order=True)
        .select("pair", duration_diff="diff", audio_edition_id="edition_id")
    )


def _years(base: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """Per pair: how many years the closest of the item's years is from the book's."""
    return (
        base.join(_explode(items, "item_idx", {"y": "years"}), on="item_idx")
        .join(books.select("book_id", "year").drop_nulls(), on="book_id")
        .group_by("pair")
        .agg(year_diff=(c("y").cast(pl.Int64) - c("year").cast(pl.Int64)).abs().min())
    )


def pair_features(
    pairs: pl.DataFrame, items: pl.DataFrame, books: pl.DataFrame, rates: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Feature and level columns for every (item_id, book_id) in `pairs` (plus `edition_id` chosen per
    pair). A pair whose item or book has no prepared row gets null features (its levels then say so).
    `rates`: the library's source rates (reliability.py); estimated from these pairs when not given."""
    items = items.with_row_index("item_idx")
    hint = c("edition_id") if "edition_id" in pairs.columns else pl.lit(None)
    pairs = (
        pairs.select(
            c("item_id").cast(pl.String), c("book_id").cast(pl.Int64), hint_edition_id=hint.cast(pl.Int64)
        )
        .with_row_index("pair")
        .join(items.select("item_id", "item_idx"), on="item_id", how="left", maintain_order="left")
    )
    base = pairs.select("pair", "item_idx", "book_id")

    title = _titles(base, items, books).join(
        _names_series_or_author(base, items, books), on="pair", how="left"
    )
    # A source whose title is the candidate's with more around it (an id, a series, "ep6", the reader), or is
    # the candidate's series or author ("Wyman Ford" for Tyrannosaur Canyon) while the item's own files name
    # the candidate, and names none of the item's candidates is naming this candidate untidily, not another
    # book: it is `aside`, neither for nor against the candidate. Had it named another candidate (a sequel
    # whose title holds the first book's, a book titled like the series), it would stand against this one.
    # (Many a series is named after its first book: files titled "The Hunger Games" against ABS's "Catching
    # Fire" name that book, not the series, so only the files' word sets a series-titled source aside.)
    named = (
        pairs.select("pair", "item_idx")
        .join(title.select("pair", "agree_mask"), on="pair", how="left")
        .group_by("item_idx")
        .agg(named=c("agree_mask").fill_null(0).bitwise_or())
    )
    # So is a source whose title is, with more around it, the title a source naming the candidate gives
    # (the same words, misspelt alike, inside an ASIN and a codec).
    echoed = (
        pairs.select("pair", "item_idx")
        .join(title.select("pair", "agree_mask"), on="pair")
        .join(echoes(items), on="item_idx")
        .filter((c("inner") & c("agree_mask")) != 0)
        .group_by("pair")
        .agg(echo=(c("outer") & ~c("agree_mask")).bitwise_or())
    )
    title = (
        title.join(pairs.select("pair", "item_idx"), on="pair", how="left")
        .join(echoed, on="pair", how="left")
        .with_columns(
            names_other=pl.when((c("agree_mask").fill_null(0) & ~ABS_BIT) != 0)
            .then(c("names_other").fill_null(0))
            .otherwise(0)
            | c("echo").fill_null(0)
        )
        .drop("echo")
        .join(named, on="item_idx", how="left")
        .with_columns(
            aside_mask=(c("around_mask").fill_null(0) | c("names_other").fill_null(0))
            & ~c("named").fill_null(0)
        )
        .drop("item_idx", "named", "around_mask", "names_other")
    )
    # A source whose title names another book is describing that book: its author and series
    # position say nothing against this candidate (the "folder of book 3 labelled as book 2" case).
    discount = (
        pairs.select("pair", "item_idx")
        .join(title.select("pair", "agree_mask", "aside_mask"), on="pair", how="left")
        .join(items.select("item_idx", "title_mask"), on="item_idx", how="left")
        .select(
            "pair",
            discredited=c("title_mask").fill_null(0)
            & ~c("agree_mask").fill_null(0)
            & ~c("aside_mask").fill_null(0),
        )
    )
    author = _best_over_lists(
        base,
        _explode(items, "item_idx", {"l": "authors", "lk": "author_keys", "src": "author_sources"}),
        _explode(books, "book_id", {"r": "authors", "rk": "author_keys"}),
        discount,
    )
    # The same, over the authors the item's own files name (folder, file names, tags, transcript; not ABS's
    # metadata, which an earlier match may have written): tiers compare the two.
    own_authors = _explode(items, "item_idx", {"l": "authors", "lk": "author_keys", "src": "author_sources"})
    own_authors = own_authors.filter((c("src") & ~ABS_BIT) != 0)
    author_own = _best_over_lists(
        base, own_authors, _explode(books, "book_id", {"r": "authors", "rk": "author_keys"})
    )
    narrator = _best_over_lists(
        base, _explode(items, "item_idx", {"l": "narrators"}), _explode(books, "book_id", {"r": "narrators"})
    )
    series = _best_over_lists(
        base, _explode(items, "item_idx", {"l": "series"}), books.select("book_id", r="series").drop_nulls()
    )
    # The item files itself under a series named like the candidate ("The Green Mile, Part 2" against "The
    # Green Mile"): it is one part of what the candidate is whole.
    article = r"^(?:the|a|an) "
    series_title = _best_over_lists(
        base,
        _explode(items, "item_idx", {"l": "series"}).with_columns(c("l").str.replace(article, "")),
        _explode(books, "book_id", {"r": "title_variants"}).with_columns(c("r").str.replace(article, "")),
    ).select("pair", series_names_title=c("sim") >= SAME_TITLE)
    asin = _any_equal(
        base,
        _explode(items, "item_idx", {"asin": "asins"}),
        _explode(books, "book_id", {"asin": "asins"}),
        "asin",
    )
    isbn = _any_equal(
        base,
        _explode(items, "item_idx", {"isbn": "isbns"}),
        _explode(books, "book_id", {"isbn": "isbns"}),
        "isbn",
    )
    positions = _explode(items, "item_idx", {"position": "positions", "src": "position_sources"})
    # A file named as volume N of a series called like the candidate ("[Phantoms - 01] - Opening Credits")
    # while its title is the candidate's with more around it numbers a file of the book, not the book: that
    # number is no series position (a serial's part says so in the title that names it: "The Green Mile,
    # Part 2").
    numbered_files = (
        series_title.join(title.select("pair", "aside_mask"), on="pair")
        .filter(c("series_names_title"))
        .select("pair", numbered=c("aside_mask"))
    )
    position_discount = discount.join(numbered_files, on="pair", how="left").select(
        "pair", discredited=c("discredited") | c("numbered").fill_null(0)
    )
    position = _any_equal(
        base, positions, books.select("book_id", "position").drop_nulls(), "position", position_discount
    )
    # A pair has a position when the item has at least one credible one (else the comparison is null).
    has_position = _any_equal(
        base,
        positions.drop("position").with_columns(k=pl.lit(1)),
        books.select("book_id", k=pl.lit(1)),
        "k",
        position_discount,
    )
    item_columns = items.select(
        "item_idx",
        "title_sources",
        item_has_series=_has_values("series"),
        item_has_id=_has_values("asins", "isbns"),
    )
    book_columns = books.select(
        c("book_id").cast(pl.Int64),
        "any_edition_id",
        book_has_series=c("series").is_not_null(),
        book_position=c("position"),
        book_has_id=_has_values("asins", "isbns"),
    )

    out = pairs
    for part in (
        asin.rename({"hit": "asin_match"}),
        isbn.rename({"hit": "isbn_match"}),
        position.rename({"hit": "position_equal"}),
        title,
        author.rename({"sim": "author_sim"}),
        author_own.rename({"sim": "author_own_sim"}),
        narrator.rename({"sim": "narrator_sim"}),
        series.rename({"sim": "series_sim"}),
        series_title,
        _editions(base, items, books),
        _years(base, items, books),
        has_position.rename({"hit": "item_has_position"}),
    ):
        out = out.join(part, on="pair", how="left", maintain_order="left")
    out = out.join(item_columns, on="item_idx", how="left", maintain_order="left")
    out = out.join(book_columns, on="book_id", how="left", maintain_order="left")
    assert out.height == pairs.height, "pair features must keep one row per pair"
    out = out.with_columns(c(name).fill_null(False) for name in _FLAGS)
    # The item's title carried the candidate's author (see _author_and_title): the author agrees too.
    # `title_sources` counts the sources that take a side on this candidate: those aside do not.
    out = out.with_columns(
        author_sim=pl.when(c("title_with_author")).then(100).otherwise(c("author_sim")),
        aside_mask=c("aside_mask").fill_null(0),
        title_sources=c("title_sources") - c("aside_mask").fill_null(0).bitwise_count_ones().cast(pl.Int32),
    )
    out = out.select(
        *_COLUMNS,
        # The audio edition chosen, else the candidate's own edition, else any edition of the book.
        edition_id=pl.coalesce("audio_edition_id", "hint_edition_id", "any_edition_id"),
    ).with_columns(level_exprs())
    out = out.with_columns(outvoted=outvoted(out, books), length_settles=length_settles(out))
    # How often each source names the settled book in this library, and the conflicts that says who wins.
    out = out.with_columns(against=against_mask(out))
    rates = source_reliability(out) if rates is None else rates
    return out.with_columns(trusted=trusted(out, rates)).drop("against")
