"""Prepare both sides of the comparison: one row per item (its evidence, normalised) and one row per
Hardcover book (its titles, authors, series and editions, normalised).

Every string is normalised once per *unique* value (the normalise functions are pure) and mapped
back, so the per-pair work in `features.py` only touches ready-made comparison keys.

Item frame columns:    item_id, title_variants: list[struct{text, sources}], authors, author_keys,
                       narrators, series, positions, years, asins, isbns, duration, flags, title_sources
Book frame columns:    book_id, title_variants: list[str], authors, author_keys, series, position,
                       year, compilation, narrators, asins, isbns, editions: list[struct{...}]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from tasks.normalise import (
    is_placeholder_title,
    name_key,
    normalise_name,
    normalise_series,
    normalise_text,
    of_a_set,
    parse_position,
    split_credits,
    split_title,
)
from tasks.scoring.frames import map_unique
from tasks.scoring.keys import isbn_keys, numbered_title, title_keys

if TYPE_CHECKING:
    from polars._typing import PolarsDataType  # DataType instances and classes

# Bump when a normalisation rule (tasks/normalise/) or the shape of these frames changes: the keys
# persisted in score_prepared_items / score_prepared_books (008 migration) are then prepared again.
PREPARE_VERSION = "6"
FOLDER_NAME_RULE = "abs.metadata.folder_name"
DISC_OF_SET = "disc_of_set"  # the flag of an item a name or tag numbers among the discs of a set

# Evidence sources, each a bit in a title variant's `sources` mask (so "which sources agree" is one OR).
SOURCES = ("abs", "path", "filename", "tags", "transcript")
SOURCE_BIT = {s: 1 << i for i, s in enumerate(SOURCES)}

_YEAR_RE = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
# A file or folder named by the store's codes alone names no book: an ASIN ("B0GCHYW6WL"), an Audible
# product code ("BK_BBCA_794499"), an episode number ("_ep7"), with the download's codec and bitrate
# ("AAX_44_128", "LC_128_44100_stereo", as audible-cli's asin-only names end). At least one such code must
# be there: numbers alone ("1984") are titles.
_CODE = r"b0[0-9a-z]{8}|bk [a-z]{4} \d{6}|ep ?\d+|aaxc?|lc"
_CODE_TITLE_RE = re.compile(rf"^(?=.*\b(?:{_CODE})\b)(?:(?:{_CODE}|\d+|stereo|mono|kbps)(?: |$))+$")


def _names_no_book(title: str) -> bool:
    """A placeholder ("Track 01", "Part 2") or a name made of store codes only: no book's title."""
    text = re.sub(r"[\s_\-.]+", " ", title.strip().lower()).strip()
    return is_placeholder_title(title) or bool(_CODE_TITLE_RE.match(text))


# The type every input column is read with, whichever table it comes from (item_evidence and the hc_*
# tables of the migrations agree on each name).
_INPUT_TYPES: dict[PolarsDataType, str] = {
    pl.String: "item_id source field value title subtitle contributable_type author_name contribution asin "
    "isbn_10 isbn_13 series_name",
    pl.Int64: "book_id edition_id contributable_id",
    pl.Int32: "ordinal release_year reading_format_id",
    pl.Float64: "audio_seconds position",
    pl.Boolean: "compilation featured",
}
_INPUT_TYPE = {name: dtype for dtype, names in _INPUT_TYPES.items() for name in names.split()}


def _cast(schema: Mapping[str, PolarsDataType]) -> list[pl.Expr]:
    """The columns `schema` names, in its order, cast to its types."""
    return [pl.col(name).cast(dtype) for name, dtype in schema.items()]


def _read(*names: str) -> list[pl.Expr]:
    """Input columns, each cast to the type it is read with."""
    return _cast({name: _INPUT_TYPE[name] for name in names})


def _empty_items() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "item_id": pl.String,
            "title_variants": pl.List(pl.Struct({"text": pl.String, "sources": pl.Int32})),
            "title_sources": pl.Int32,
            "title_mask": pl.Int32,
            "authors": pl.List(pl.String),
            "author_keys": pl.List(pl.String),
            "author_sources": pl.List(pl.Int32),
            "narrators": pl.List(pl.String),
            "series": pl.List(pl.String),
            "positions": pl.List(pl.Float64),
            "position_sources": pl.List(pl.Int32),
            "years": pl.List(pl.Int32),
            "asins": pl.List(pl.String),
            "isbns": pl.List(pl.String),
            "flags": pl.List(pl.String),
            "duration": pl.Float64,
        }
    )


def item_frame(evidence: pl.DataFrame, items: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per item from `item_evidence` rows (item_id, source, field, value, ordinal, rule).

    `items` (item_id, duration) adds the audio duration; items with no evidence still get a row.
    """
    rule = pl.col("rule") if "rule" in evidence.columns else pl.lit(None)
    ev = (
        evidence.select(
            *_read("item_id", "source", "field", "value", "ordinal"),
            rule.cast(pl.String).fill_null("").alias("rule"),
        )
        .with_columns(pl.col("ordinal").fill_null(0))
        .filter(pl.col("value").is_not_null() & (pl.col("value").str.strip_chars() != ""))
    )
    ev = ev.with_columns(bit=pl.col("source").replace_strict(SOURCE_BIT, default=0, return_dtype=pl.Int32))
    item_ids = ev.select("item_id").unique()
    if items is not None and items.height:
        item_ids = pl.concat([item_ids, items.select(pl.col("item_id").cast(pl.String))]).unique()

    # --- titles: pair each title with the subtitle from the same (source, rule, ordinal) reading -----------------
    # A placeholder ("Track 01", "Part 2") names no book, and an ABS title that is the folder name verbatim
    # repeats the path source: neither is a title source of its own.
    titles = ev.filter((pl.col("field") == "title") & (pl.col("rule") != FOLDER_NAME_RULE))
    titles = titles.filter(~map_unique(titles["value"], _names_no_book, pl.Boolean)).join(
        ev.filter(pl.col("field") == "subtitle").select(
            "item_id", "source", "rule", "ordinal", subtitle="value"
        ),
        on=["item_id", "source", "rule", "ordinal"],
        how="left",
    )
    raw = pl.when(pl.col("subtitle").is_not_null()).then(pl.col("value") + ": " + pl.col("subtitle"))
    titles = titles.with_columns(raw=raw.otherwise(pl.col("value")))
    keys = map_unique(
        titles["raw"],
        title_keys,
        pl.Struct(
            {
                "full": pl.String,
                "bare": pl.String,
                "series": pl.String,
                "position": pl.Float64,
                "flags": pl.List(pl.String),
            }
        ),
    )
    titles = titles.with_columns(k=keys).unnest("k")
    titles = titles.with_columns(numbered=map_unique(titles["raw"], numbered_title, pl.String))
    # A title and the one position its source gives ("Naruto" and "book 5" heard together; tags' title
    # and series part) name the numbered volume as much as "Naruto, Vol. 5" does.
    seq = ev.filter(pl.col("field") == "sequence")
    seq = seq.select("item_id", "source", p=map_unique(seq["value"], parse_position, pl.Float64)).drop_nulls()
    seq = (
        seq.group_by("item_id", "source")
        .agg(p=pl.col("p").unique())
        .filter(pl.col("p").list.len() == 1)
        .select("item_id", "source", p=pl.col("p").list.first())
    )
    titles = titles.join(seq, on=["item_id", "source"], how="left")
    titles = titles.with_columns(
        numbered=pl.when(pl.col("numbered").is_null() & pl.col("p").is_not_null() & (pl.col("bare") != ""))
        .then(pl.col("bare") + " " + map_unique(titles["p"], lambda v: normalise_text(f"{v:g}"), pl.String))
        .otherwise(pl.col("numbered"))
    ).drop("p")
    variants = (
        pl.concat(
            [
                titles.select("item_id", "bit", text="full"),
                titles.select("item_id", "bit", text="bare"),
                titles.select("item_id", "bit", text="numbered"),
            ]
        )
        .filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
        .group_by("item_id", "text")
        .agg(sources=pl.col("bit").bitwise_or())
        .group_by("item_id")
        .agg(title_variants=pl.struct("text", "sources"))
    )
    title_sources = titles.group_by("item_id").agg(
        title_sources=pl.col("bit").bitwise_or().bitwise_count_ones(), title_mask=pl.col("bit").bitwise_or()
    )

    # --- people: split lists and "narrated by" tails; authors also get a surname+initial key ------------------
    people = ev.filter(pl.col("field").is_in(["author", "narrator"]))
    credits = map_unique(
        people["value"],
        lambda v: list(split_credits(v)),
        pl.List(pl.List(pl.String)),
    )
    people = people.with_columns(c=credits).select(
        "item_id",
        "bit",
        authors=pl.when(pl.col("field") == "author")
        .then(pl.col("c").list.get(0))
        .otherwise(pl.lit([], pl.List(pl.String))),
        narrators=pl.when(pl.col("field") == "author")
        .then(pl.col("c").list.get(1))
        .otherwise(pl.col("c").list.get(0).list.concat(pl.col("c").list.get(1))),
    )
    authors = people.select("item_id", "bit", name="authors").explode("name").drop_nulls()
    narrators = people.select("item_id", name="narrators").explode("name").drop_nulls()
    authors = authors.with_columns(
        norm=map_unique(authors["name"], normalise_name, pl.String),
        key=map_unique(authors["name"], name_key, pl.String),
    ).filter(pl.col("norm") != "")
    narrators = narrators.with_columns(norm=map_unique(narrators["name"], normalise_name, pl.String)).filter(
        pl.col("norm") != ""
    )
    # Which sources named each author: features discount a source that describes another book.
    author_lists = (
        authors.group_by("item_id", "norm", maintain_order=True)
        .agg(key=pl.col("key").first(), bits=pl.col("bit").bitwise_or())
        .group_by("item_id", maintain_order=True)
        .agg(authors=pl.col("norm"), author_keys=pl.col("key"), author_sources=pl.col("bits"))
    )
    narrator_lists = narrators.group_by("item_id").agg(narrators=pl.col("norm").unique(maintain_order=True))

    # --- series and positions: from series/sequence rows and from titles like "Allegiant (Divergent, #3)" -----
    series_rows = pl.concat(
        [
            ev.filter(pl.col("field") == "series").select("item_id", series="value"),
            titles.filter(pl.col("series").is_not_null()).select("item_id", "series"),
            # "The Green Mile, Part 2": a position with no series name makes the title the series.
            titles.filter(pl.col("series").is_null() & pl.col("position").is_not_null()).select(
                "item_id", series="bare"
            ),
        ]
    )
    series_rows = series_rows.with_columns(
        s=map_unique(series_rows["series"], lambda v: normalise_series(split_title(v).title or v), pl.String)
    ).filter(pl.col("s") != "")
    series_lists = series_rows.group_by("item_id").agg(series=pl.col("s").unique(maintain_order=True))
    seq = ev.filter(pl.col("field") == "sequence")
    pos_rows = pl.concat(
        [
            seq.select("item_id", "bit", position=map_unique(seq["value"], parse_position, pl.Float64)),
            titles.select("item_id", "bit", "position"),
        ]
    ).drop_nulls()
    pos_lists = (
        pos_rows.group_by("item_id", "position", maintain_order=True)
        .agg(bits=pl.col("bit").bitwise_or())
        .group_by("item_id", maintain_order=True)
        .agg(positions=pl.col("position"), position_sources=pl.col("bits"))
    )

    # --- years, identifiers, edition notes ----------------------------------------------------------------
    yr = ev.filter(pl.col("field").is_in(["year", "date"]))
    years = (
        yr.select("item_id", y=pl.col("value").str.extract(_YEAR_RE.pattern, 1).cast(pl.Int32, strict=False))
        .drop_nulls()
        .group_by("item_id")
        .agg(years=pl.col("y").unique(maintain_order=True))
    )
    asins = (
        ev.filter(pl.col("field") == "asin")
        .select("item_id", a=pl.col("value").str.replace_all(r"[^0-9A-Za-z]", "").str.to_uppercase())
        .filter(pl.col("a").str.len_chars() == 10)
        .group_by("item_id")
        .agg(asins=pl.col("a").unique(maintain_order=True))
    )
    isbn_rows = ev.filter(pl.col("field") == "isbn")
    isbns = (
        isbn_rows.select("item_id", i=map_unique(isbn_rows["value"], isbn_keys, pl.List(pl.String)))
        .explode("i")
        .drop_nulls()
        .group_by("item_id")
        .agg(isbns=pl.col("i").unique(maintain_order=True))
    )
    # A name or tag that numbers the item among the discs of a set ("Title (Disc 3)", disc tag "3/12"):
    # flag `disc_of_set`, so features can tell a disc's length from the book's.
    discs = ev.filter(pl.col("field") == "disc")
    discs = discs.with_columns(
        named=map_unique(discs["value"], lambda v: of_a_set(v, named=True), pl.Boolean),
        tagged=map_unique(discs["value"], lambda v: of_a_set(v, named=False), pl.Boolean),
    )
    in_set = discs.filter(
        pl.when(pl.col("rule").str.starts_with("tags.")).then(pl.col("tagged")).otherwise(pl.col("named"))
    )
    flags = (
        pl.concat(
            [
                ev.filter(pl.col("field") == "edition").select(
                    "item_id", f=pl.col("value").str.to_lowercase()
                ),
                titles.select("item_id", f="flags").explode("f"),
                in_set.select("item_id", f=pl.lit(DISC_OF_SET)),
            ]
        )
        .drop_nulls()
        .group_by("item_id")
        .agg(flags=pl.col("f").unique(maintain_order=True))
    )

    out = item_ids
    for part in (
        variants,
        title_sources,
        author_lists,
        narrator_lists,
        series_lists,
        pos_lists,
        years,
        asins,
        isbns,
        flags,
    ):
        out = out.join(part, on="item_id", how="left")
    if items is not None and items.height and "duration" in items.columns:
        out = out.join(
            items.select(pl.col("item_id").cast(pl.String), pl.col("duration").cast(pl.Float64)),
            on="item_id",
            how="left",
        )
    else:
        out = out.with_columns(duration=pl.lit(None, pl.Float64))
    return out.with_columns(
        pl.col("title_sources").fill_null(0).cast(pl.Int32),
        pl.col("title_mask").fill_null(0).cast(pl.Int32),
        pl.col("author_sources").cast(pl.List(pl.Int32)),
        pl.col("position_sources").cast(pl.List(pl.Int32)),
    ).select(_empty_items().columns)


def book_frame(
    books: pl.DataFrame,
    editions: pl.DataFrame,
    contributions: pl.DataFrame,
    series: pl.DataFrame,
) -> pl.DataFrame:
    """One row per Hardcover book from the hc_* tables (same column names as the migrations)."""
    b = books.select(_read("book_id", "title", "subtitle", "release_year", "compilation")).with_columns(
        pl.col("compilation").fill_null(False)
    )
    raw = pl.when(pl.col("subtitle").is_not_null() & (pl.col("subtitle") != "")).then(
        pl.col("title") + ": " + pl.col("subtitle")
    )
    b = b.with_columns(raw=raw.otherwise(pl.col("title")).fill_null(""))
    keys = map_unique(
        b["raw"],
        lambda r: list(dict.fromkeys(v for v in (*title_keys(r)[:2], numbered_title(r)) if v)),
        pl.List(pl.String),
    )
    b = b.with_columns(title_variants=keys)
    # Catalogue titles can carry the position too ("The Green Mile, Part 2"); used when hc_series has none.
    from_title = map_unique(
        b["raw"],
        lambda r: (lambda k: {"series": k[2] or (k[1] if k[3] is not None else None), "position": k[3]})(
            title_keys(r)
        ),
        pl.Struct({"series": pl.String, "position": pl.Float64}),
    )
    b = b.with_columns(
        title_series=from_title.struct.field("series"), title_position=from_title.struct.field("position")
    )

    contrib = (
        contributions.select(
            _read("contributable_type", "contributable_id", "author_name", "contribution", "ordinal")
        )
        .with_columns(pl.col("ordinal").fill_null(0))
        .sort("contributable_id", "ordinal")
    )
    book_authors = contrib.filter(
        (pl.col("contributable_type") == "Book")
        & (pl.col("contribution").is_null() | pl.col("contribution").is_in(["Author", "author", ""]))
    )
    book_authors = book_authors.with_columns(
        norm=map_unique(book_authors["author_name"], normalise_name, pl.String),
        key=map_unique(book_authors["author_name"], name_key, pl.String),
    )
    author_lists = (
        book_authors.unique(subset=["contributable_id", "norm"], maintain_order=True)
        .group_by(book_id="contributable_id")
        .agg(authors=pl.col("norm"), author_keys=pl.col("key"))
    )

    ed = editions.select(
        _read("edition_id", "book_id", "reading_format_id", "asin", "isbn_10", "isbn_13", "audio_seconds")
    )
    narr = contrib.filter(
        (pl.col("contributable_type") == "Edition")
        & (pl.col("contribution").str.to_lowercase() == "narrator")
    )
    narr = narr.with_columns(norm=map_unique(narr["author_name"], normalise_name, pl.String))
    ed_narr = narr.group_by(edition_id="contributable_id").agg(narrators=pl.col("norm"))
    ed = ed.join(ed_narr, on="edition_id", how="left")
    audio = ed.filter(pl.col("reading_format_id") == 2).sort("book_id", "edition_id")
    edition_lists = audio.group_by("book_id").agg(
        editions=pl.struct(pl.col("edition_id"), pl.col("audio_seconds"), pl.col("asin")),
        narrators=pl.col("narrators")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .drop_nulls()
        .unique(maintain_order=True),
    )
    first_edition = (
        ed.sort("book_id", "edition_id").group_by("book_id").agg(any_edition_id=pl.col("edition_id").first())
    )
    asin_lists = (
        ed.select("book_id", a=pl.col("asin").str.to_uppercase())
        .drop_nulls()
        .group_by("book_id")
        .agg(asins=pl.col("a").unique())
    )
    isbn_lists = (
        pl.concat([ed.select("book_id", i="isbn_10"), ed.select("book_id", i="isbn_13")])
        .with_columns(pl.col("i").str.replace_all(r"[^0-9Xx]", "").str.to_uppercase())
        .filter(pl.col("i").is_not_null() & (pl.col("i") != ""))
        .group_by("book_id")
        .agg(isbns=pl.col("i").unique())
    )
    s = (
        series.select(_read("book_id", "series_name", "position", "featured"))
        .with_columns(pl.col("featured").fill_null(False))
        .sort("book_id", "featured", descending=[False, True])
    )
    s = s.group_by("book_id", maintain_order=True).first()
    s = s.with_columns(series=map_unique(s["series_name"], normalise_series, pl.String)).select(
        "book_id", "series", "position"
    )

    out = b.select(
        "book_id",
        "title_variants",
        "title_series",
        "title_position",
        year="release_year",
        compilation="compilation",
    )
    for part in (author_lists, edition_lists, first_edition, asin_lists, isbn_lists, s):
        out = out.join(part, on="book_id", how="left")
    title_series = pl.col("title_series").map_elements(normalise_series, return_dtype=pl.String)
    no_series = pl.col("series").is_null() & pl.col("position").is_null()
    return out.with_columns(
        series=pl.when(no_series).then(title_series).otherwise(pl.col("series")),
        position=pl.when(no_series).then(pl.col("title_position")).otherwise(pl.col("position")),
    ).drop("title_series", "title_position")


def _book_schema() -> dict[str, PolarsDataType]:
    return {
        "book_id": pl.Int64,
        "title_variants": pl.List(pl.String),
        "year": pl.Int32,
        "compilation": pl.Boolean,
        "authors": pl.List(pl.String),
        "author_keys": pl.List(pl.String),
        "editions": pl.List(
            pl.Struct({"edition_id": pl.Int64, "audio_seconds": pl.Float64, "asin": pl.String})
        ),
        "narrators": pl.List(pl.String),
        "any_edition_id": pl.Int64,
        "asins": pl.List(pl.String),
        "isbns": pl.List(pl.String),
        "series": pl.String,
        "position": pl.Float64,
    }


def conform_items(frame: pl.DataFrame) -> pl.DataFrame:
    """Prepared item rows read back from the warehouse, in exactly item_frame's columns and types."""
    return frame.select(_cast(_empty_items().schema))


def conform_books(frame: pl.DataFrame) -> pl.DataFrame:
    """Prepared book rows read back from the warehouse, in exactly book_frame's columns and types."""
    return frame.select(_cast(_book_schema()))
