"""Titles written untidily: glued into one word ("TheWave_ep6", "fivedialogues_2_librivox"), as initials
("tboua"), or inside more words that another source's title also holds. features.py uses them to tell a
source that names a candidate untidily from one that names another book."""

from __future__ import annotations

import polars as pl

from tasks.normalise.numbers import CARDINAL_WORDS

c = pl.col

# A candidate title without spaces is looked for inside an item's word from this many letters: "aboutaboy"
# in "aboutaboy ep6", but not "cod" inside any word that happens to hold it.
SHORTHAND_LETTERS = 6

# Number words longest first, so that "seventeen" is not read as "seven" + "teen".
_NUMBER_WORDS = tuple(
    (word, str(number)) for number, word in sorted(enumerate(CARDINAL_WORDS), key=lambda w: -len(w[1]))
)


def squashed_form(strings: pl.Series) -> pl.Series:
    """Each string without spaces, its number words as digits: normalising writes a separate number word
    as digits ("knight of the 7 kingdoms"), but one glued to other words stays a word
    ("aknightofthesevenkingdoms"), so both sides are squashed the same way before they are compared."""
    squashed = strings.str.replace_all(" ", "")
    for word, number in _NUMBER_WORDS:
        squashed = squashed.str.replace_all(word, number, literal=True)
    return squashed


def shorthand(pairs: pl.DataFrame, strings: pl.Series) -> pl.DataFrame:
    """Per distinct (lc, rc) of `pairs` (item and candidate title, as codes into `strings`): is the item's
    title the candidate's written without spaces, with more after or before it ("nevertoofar ep6" for "never
    too far"), or the initials of its words, with or without the article the title variants drop ("tboua"
    for "the book of unknown americans")? Only titles of at least `SHORTHAND_LETTERS` letters without spaces
    are looked for inside another word, so that a short title is not found by chance inside any long one."""
    pairs = pairs.unique()
    compact = strings.str.replace_all(" ", "")
    squashed = squashed_form(strings)
    initials = strings.str.split(" ").list.eval(pl.element().str.slice(0, 1)).list.join("")
    left, right = compact.gather(pairs["lc"]), squashed.gather(pairs["rc"])
    one_word = ~strings.gather(pairs["lc"]).str.contains(" ")
    acronym = initials.gather(pairs["rc"])
    # A title written as one word keeps the article the title variants drop ("TheWave" for "wave").
    glued, inside = squashed.gather(pairs["lc"]), pl.Series([False] * pairs.height, dtype=pl.Boolean)
    for article in ("", "the", "a"):
        whole = article + right
        holds = glued.str.contains(whole, literal=True)  # type: ignore[arg-type]
        inside = inside | ((whole.str.len_chars() >= SHORTHAND_LETTERS) & holds)
    spelled = (
        one_word
        & (left.str.len_chars() >= 2)
        & ((left == acronym) | (left == "t" + acronym) | (left == "a" + acronym))
    )
    return pairs.with_columns(shorthand=(inside | spelled).fill_null(False))


def echoes(items: pl.DataFrame) -> pl.DataFrame:
    """Per item: (`outer`, `inner`) source bits where a title of the `outer` sources holds a title of the
    `inner` ones with more around it, as whole words or glued into one word ("b0syyn5063 voyages of doctor
    dylittle aax 44" around "voyages of doctor dylittle", "reebeccaofsunnybrookfarm 01 wiggin" around
    "reebecca of sunnybrook farm")."""
    it = (
        items.select("item_idx", "title_variants")
        .explode("title_variants")
        .drop_nulls()
        .unnest("title_variants")
    )
    it = it.with_columns(padded=" " + c("text") + " ", squashed=squashed_form(it["text"]))
    pairs = it.join(it, on="item_idx", suffix="_in").filter(
        (c("text") != c("text_in")) & ((c("sources") & ~c("sources_in")) != 0)
    )
    holds = pairs["padded"].str.contains(pairs["padded_in"], literal=True) | (  # type: ignore[arg-type]
        (pairs["squashed_in"].str.len_chars() >= SHORTHAND_LETTERS)
        & pairs["squashed"].str.contains(pairs["squashed_in"], literal=True)  # type: ignore[arg-type]
    )
    return pairs.filter(holds).select("item_idx", outer="sources", inner="sources_in")
