"""The common naming schemes ABS does not read: 'Author - Title', 'Title (Series #3)', 'Title by Author',
release names, glued names, 'Read by X' notes. Each reading is one more labelled row, never a verdict.
"""

from __future__ import annotations

import re

from tasks.evidence.abs_names import parse_name_string
from tasks.evidence.rows import MAX_SCHEME_LEN, WS, Evidence, add_row, fold_key, js_number_string
from tasks.normalise import CARDINAL_WORDS, ORDINAL_WORDS, respace, strip_release_tags, uses_separators
from tasks.normalise.vocabulary import (
    ENCODING_TAGS,
    NARRATOR_VERBS,
    RIP_TAGS,
    VOLUME_MARK,
    VOLUME_WORDS,
    YEAR,
    alternation,
)

_NUM_WORDS = {
    **{w: i for i, w in enumerate(CARDINAL_WORDS)},
    **{w: i + 1 for i, w in enumerate(ORDINAL_WORDS[:10])},
}
_ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
    "xiii": 13,
    "xiv": 14,
    "xv": 15,
}
NUMBER = r"(?:\d{1,3}(?:\.\d{1,2})?|" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)) + r"|[ivx]{1,4})"

# (The BBC's CD sets of its radio plays: "(BBC Radio 4 Full-Cast Dramatisation)".)
_NOISE_TOKEN = (
    rf"{RIP_TAGS}|dramati[sz]ed(?: edition)?|(?:bbc )?(?:radio ?\d? )?full[- ]cast(?: dramati[sz]ation)?|retail|"
    rf"{ENCODING_TAGS}|{YEAR}"
)
# '[Unabridged]', '(64kbps)', '[MP3 64kbps]', '(Retail, 2011)': a bracket of nothing but release notes
# (a bracket holding only a year is the title's year, read by _TITLE_YEAR).
_NOISE = re.compile(
    rf"\s*[\[(]\s*(?P<noise>(?:{_NOISE_TOKEN})(?:[\s,/+_-]+(?:{_NOISE_TOKEN}))*)\s*[\])]", re.I
)
_NOISE_PIECE = re.compile(rf"(?:{_NOISE_TOKEN})", re.I)
_YEAR_TOKEN = re.compile(rf"^{YEAR}$")
# 'Title (Read by X)', 'Title [Narrated by X]', 'Title - Read by X' in folder and file names.
_READ_BY_CUE = rf"(?:{alternation(NARRATOR_VERBS)})\s+by:?\s+"
_READ_BY = re.compile(
    rf"\s*[\[(]\s*{_READ_BY_CUE}(?P<a>[^\[\]()]+?)\s*[\])]"
    rf"|\s+(?:-\s+)?{_READ_BY_CUE}(?P<b>[^\[\](){{}}]+?)\s*$",
    re.I,
)
# A bracket opened and never closed: a tool cut the name short ('Out (Unabridged) [MP3 19').
_UNCLOSED_BRACKET = re.compile(r"\s*[\[({][^\[\](){}]*$")
# 'Title by Author' (scene names: 'The.Elves.Of.Cintra.by.Terry.Brooks.AUDIOBOOK.MP3-RAiN').
_BY = re.compile(r"\s+by\s+", re.I)
# '- Unabridged' and the BBC's imprint, which CD sets of its dramatisations append ('Title - BBC Radio Collection').
_TRAILING_NOISE = re.compile(
    r"\s*(?:[-:]\s*)?\b(?P<noise>unabridged|abridged|bbc radio collection)\s*$", re.I
)
_TITLE_YEAR = re.compile(rf"^(?P<title>.+?)\s*[\[(](?P<year>{YEAR})[\])](?P<rest>.*)$")
_PAREN_SERIES = re.compile(
    rf"^(?P<title>.+?)\s*[\[(](?P<series>[^()\[\]]+?)(?:,\s*|\s+)(?:{VOLUME_MARK}|no\.?\s*)"
    rf"(?P<pos>{NUMBER})[\])]\s*$",
    re.I,
)
_SERIES_NUM_TITLE = re.compile(
    rf"^(?P<series>[^#\d][^-]*?),?\s+(?:(?:{VOLUME_MARK})(?P<word>" + NUMBER + r")|"
    r"(?P<num>\d{1,3}(?:\.\d{1,2})?))\s+-\s+(?P<title>.+)$",
    re.I,
)
_TITLE_BOOK_NUM = re.compile(
    rf"^(?P<title>.+?)(?:\s+-\s+|,\s*|\s+)(?:{VOLUME_MARK})(?P<pos>{NUMBER})$",
    re.I,
)
# '[Series - 03] - Title (Narrator, Narrator)': the series and its number in brackets before the title,
# the readers in a closing bracket after it.
_BRACKET_SERIES_TITLE = re.compile(
    rf"^\[(?P<series>[^\[\]]+?)\s+-\s+(?P<pos>{NUMBER})\]\s*(?:-\s+)?(?P<title>.+?)(?:\s+\((?P<readers>[^()]+)\))?$",
    re.I,
)
_LEADING_PART_NUM = re.compile(r"^\d{1,3}(?:\s+-\s+|$)")
_LEADING_BOOK_NUM = re.compile(
    rf"^(?:{alternation(VOLUME_WORDS)})\.?\s+(?P<pos>{NUMBER})\s*(?:-|:|\.)?\s+(?P<title>.+)$", re.I
)
_PART = re.compile(rf"(?:^|\s*[-,:]\s*|\s+)\bpart(?:\s+|(?=\d))(?P<pos>{NUMBER})\b\s*", re.I)
_SEQ_LABEL_ONLY = re.compile(rf"^(?:{alternation((*VOLUME_WORDS, 'part', 'no'))})\.?$", re.I)
_ARTICLES = frozenset(["the", "a", "an"])
# What disc databases credit a dramatisation or an unknown disc to instead of a person (freedb, Gracenote,
# MusicBrainz's special artists): no author, wherever it is written.
NO_ONE = frozenset(("full cast", "original cast", "various artists", "unknown artist"))
# Words that make a capitalised phrase a title or a volume label rather than a person.
_NOT_NAME_WORDS = frozenset(
    [
        "book",
        "books",
        "vol",
        "volume",
        "part",
        "series",
        "saga",
        "trilogy",
        "chronicles",
        "collection",
        "edition",
        "unabridged",
        "abridged",
        "chapter",
        "of",
        "the",
        "and",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "with",
        "omnibus",
        "complete",
        "novel",
        "stories",
        "tales",
    ]
) | frozenset(_NUM_WORDS)
_PERSONISH = re.compile(r"^(?:[A-Z][\w'’\-]+, [A-Z][\w'’.\- ]+|.*\b[A-Z]\.(?:\s?[A-Z]\.)*\s.*)$")
_NAME_TOKEN = re.compile(r"^(?:[A-Z][\w'’.\-]*|[A-Z]\.(?:[A-Z]\.)*|(?:von|van|de|der|del|da|du|di|la|le))$")


def _position(raw: str) -> str | None:
    raw = raw.strip().lower()
    if raw in _NUM_WORDS:
        return str(_NUM_WORDS[raw])
    if raw in _ROMAN:
        return str(_ROMAN[raw])
    try:
        return js_number_string(raw)
    except ValueError:
        return None


def looks_like_names(text: str) -> bool:
    """'Frank Herbert', 'Collins, Suzanne', 'Pratchett & Gaiman': 2-4 capitalised words per name, no digits."""
    if (
        not text
        or any(c.isdigit() for c in text)
        or len(text) > 80
        or WS.sub(" ", text.strip().lower()) in NO_ONE
    ):
        return False
    names = parse_name_string(text)
    if not names:
        return False
    for name in names:
        words = name.split()
        if not 2 <= len(words) <= 4 or words[0].lower() in _ARTICLES:
            return False
        if not all(_NAME_TOKEN.match(w) and w.lower().rstrip(".") not in _NOT_NAME_WORDS for w in words):
            return False
    return True


def strip_noise(text: str) -> tuple[str, list[str]]:
    """(text, release notes found): a bracket cut off at the end ('[MP3 19'), bracketed notes, a
    trailing run of release tags ('Unabridged 2011 MP3 64kbps-GROUP') and a trailing '- Unabridged'
    go. Notes come back lower-case, one per token."""
    found: list[str] = []
    m = _UNCLOSED_BRACKET.search(text)
    if m and text[: m.start()].strip(" -_.,"):
        cut = m.group(0).strip()
        found.extend([t.lower() for t in _NOISE_PIECE.findall(cut)] or [cut.lower()])
        text = text[: m.start()]

    def _keep(m: re.Match[str]) -> str:
        tokens = [t.lower() for t in _NOISE_PIECE.findall(m.group("noise"))] or [m.group("noise").lower()]
        if all(_YEAR_TOKEN.match(t) for t in tokens):
            return m.group(0)
        found.extend(tokens)
        return ""

    text = _NOISE.sub(_keep, text)
    text, tags = strip_release_tags(text)
    found.extend(t.lower() for t in tags)
    text = _TRAILING_NOISE.sub(_keep, text)
    return WS.sub(" ", text).strip(" -_.,"), found


def strip_read_by(text: str) -> tuple[str, list[str]]:
    """(text, narrators) with a 'Read by X' / '(Narrated by X)' note taken out."""
    narrators: list[str] = []

    def _take(m: re.Match[str]) -> str:
        narrators.extend(parse_name_string((m.group("a") or m.group("b") or "").strip()))
        return " " if m.group("a") else ""

    text = _READ_BY.sub(_take, text)
    return WS.sub(" ", text).strip(" -_.,"), narrators


def _edition_of(noise: list[str]) -> str | None:
    for n in noise:
        if "unabridged" in n or n.startswith("un-") or n == "unabr":
            return "unabridged"
        if "abridged" in n or n == "abr":
            return "abridged"
        if "dramati" in n or "full" in n:
            return "dramatized"
    return None


def read_schemes(
    rows: list[Evidence],
    base: str,
    has_author_folder: bool,
    abs_title: str | None = None,
    source: str = "path",
    known: frozenset[str] = frozenset(),
    separated: bool = False,
) -> None:
    """Alternative readings of a title folder (or a file name) that ABS does not make.

    `separated`: the name was written with '_' or '.' for spaces before the caller respaced it.
    """
    if not base or len(base) > MAX_SCHEME_LEN:
        return
    spaced = respace(base)
    separated = separated or uses_separators(base)
    text, narrators = strip_read_by(spaced)
    for i, name in enumerate(narrators):
        add_row(rows, source, "narrator", name, "scheme.read_by", i)
    text, noise = strip_noise(text)
    edition = _edition_of(noise)
    if edition:
        add_row(rows, source, "edition", edition, "scheme.edition_tag")
    for y in dict.fromkeys(t for t in noise if _YEAR_TOKEN.match(t)):
        add_row(rows, source, "year", y, "scheme.release_tags")
    titles: list[tuple[str, str]] = []  # (title, rule)
    if text and separated:
        titles.append((text, "scheme.separators"))
    elif text and narrators:
        titles.append((text, "scheme.read_by"))
    elif text and (noise or spaced != base):
        titles.append((text, "scheme.clean_title"))

    author_rule: str | None = None  # the rule that took the author out of `text`
    by = _title_by_author(text, has_author_folder, known, separated or bool(noise))
    if by is not None:
        names, text = by
        author_rule = "scheme.title_by_author"
        for i, name in enumerate(names):
            add_row(rows, source, "author", name, author_rule, i)
        titles.append((text, author_rule))

    m = _TITLE_YEAR.match(text)
    if m and not m.group("rest").strip():
        add_row(rows, source, "year", m.group("year"), "scheme.title_year")
        text = m.group("title").strip()
        titles.append((text, "scheme.title_year"))

    m = _PAREN_SERIES.match(text)
    if m and (pos := _position(m.group("pos"))) is not None:
        add_row(rows, source, "series", m.group("series").strip(" ,"), "scheme.title_paren_series")
        add_row(rows, source, "sequence", pos, "scheme.title_paren_series")
        text = m.group("title").strip()
        titles.append((text, "scheme.title_paren_series"))

    m = _PART.search(text)
    if m and (pos := _position(m.group("pos"))) is not None:
        add_row(rows, source, "part", pos, "scheme.part_number")
        rest = (text[: m.start()] + " " + text[m.end() :]).strip(" -_,:")
        if rest:
            text = WS.sub(" ", rest)
            titles.append((text, "scheme.part_number"))

    # 'Author - Series 03 - Title': a name-shaped first piece of three or more is the author.
    if not has_author_folder and author_rule is None:
        pieces = [p.strip() for p in text.split(" - ")]
        if len(pieces) >= 3 and all(pieces) and looks_like_names(pieces[0]):
            for i, name in enumerate(parse_name_string(pieces[0])):
                add_row(rows, source, "author", name, "scheme.author_dash_title", i)
            text, author_rule = " - ".join(pieces[1:]), "scheme.author_dash_title"

    m = _BRACKET_SERIES_TITLE.match(text)
    if m and (pos := _position(m.group("pos"))) is not None:
        series = m.group("series").strip()
        readers = m.group("readers") or ""
        text = m.group("title").strip()
        if readers and not looks_like_names(readers):
            text, readers = f"{text} ({readers})", ""
        for i, name in enumerate(parse_name_string(readers) if readers else []):
            add_row(rows, source, "narrator", name, "scheme.read_by", i)
        # A book in no series gets its own title in the brackets, and a part number after them:
        # '[Happy Ever After - 01] - 01', '[Persepolis - 01] - 01 - Persepolis'.
        text = _LEADING_PART_NUM.sub("", text).strip() or series
        if fold_key(text) != fold_key(series):
            add_row(rows, source, "series", series, "scheme.series_number_title")
            add_row(rows, source, "sequence", pos, "scheme.series_number_title")
        titles.append((text, "scheme.series_number_title"))
    elif (
        (m := _SERIES_NUM_TITLE.match(text))
        and not _SEQ_LABEL_ONLY.match(m.group("series").strip())
        and (pos := _position(m.group("word") or m.group("num"))) is not None
    ):
        add_row(rows, source, "series", m.group("series").strip(" ,"), "scheme.series_number_title")
        add_row(rows, source, "sequence", pos, "scheme.series_number_title")
        text = m.group("title").strip()
        titles.append((text, "scheme.series_number_title"))
    else:
        m = _LEADING_BOOK_NUM.match(text) or _TITLE_BOOK_NUM.match(text)
        if m and (pos := _position(m.group("pos"))) is not None:
            add_row(rows, source, "sequence", pos, "scheme.book_number")
            text = m.group("title").strip(" -,")
            titles.append((text, "scheme.book_number"))
    if author_rule is not None:
        titles.append((text, author_rule))

    # 'Author - Title' / 'Title - Author' when no author folder says who wrote it.
    elif not has_author_folder:
        pieces = [p.strip() for p in text.split(" - ")]
        if len(pieces) == 1:
            _glued_author_title(rows, titles, text, source, known, separated)
        elif len(pieces) == 2 and all(pieces):
            left, right = pieces
            left_names = parse_name_string(left) if looks_like_names(left) else []
            right_names = parse_name_string(right) if looks_like_names(right) else []
            # Both sides name-shaped ('Beautiful Darkness - Kami Garcia'): a side another source
            # names as the author settles it; otherwise keep both readings, unless the left is a
            # list of people ('Gaiman & Pratchett - Good Omens'), which no title looks like.
            left_known = any(fold_key(n) in known for n in left_names)
            right_known = any(fold_key(n) in known for n in right_names)
            if left_known == right_known and left_names and right_names:
                # Nobody else names the author: 'Marr, Melissa' or 'J.R.R. Tolkien' is a person, a title never is.
                left_known, right_known = bool(_PERSONISH.match(left)), bool(_PERSONISH.match(right))
            if left_known != right_known:
                left_names, right_names = (left_names, []) if left_known else ([], right_names)
            if left_names:
                for i, name in enumerate(left_names):
                    add_row(rows, source, "author", name, "scheme.author_dash_title", i)
                titles.append((right, "scheme.author_dash_title"))
            if len(left_names) < 2 and right_names:
                for i, name in enumerate(right_names):
                    add_row(rows, source, "author", name, "scheme.title_dash_author", i)
                titles.append((left, "scheme.title_dash_author"))

    seen = {abs_title} if abs_title else set()
    for title, rule in titles:
        if title and title not in seen:
            seen.add(title)
            add_row(rows, source, "title", title, rule)


def _title_by_author(
    text: str, has_author_folder: bool, known: frozenset[str], release: bool
) -> tuple[list[str], str] | None:
    """(authors, title) of 'The Elves Of Cintra by Terry Brooks': what follows the last ' by ' is a
    name another source gives, or, in a release name (`release`: separators or release notes) with
    no author folder, name-shaped ('Stand by Me' has no author in it). A plain 'Saved by Grace
    Alone' is left whole: titles say 'by' too."""
    matches = list(_BY.finditer(text))
    if not matches:
        return None
    found = matches[-1]
    left, right = text[: found.start()].strip(" -,"), text[found.end() :].strip(" -,")
    if not left or not right or " - " in right:
        return None
    names = parse_name_string(right)
    if names and all(fold_key(n) in known for n in names):
        return names, left
    if not names or has_author_folder or not release or not looks_like_names(right):
        return None
    return names, left


def _glued_name(words: list[str], any_case: bool) -> bool:
    """'John Grisham', 'Mary Higgins Clark', 'George R R Martin': a person's name at the start (or
    end) of a name with no dash. The last word is a surname, never an initial; a four-word name is
    a first name and two initials. A bare 'A' is the article, not an initial."""
    if not 2 <= len(words) <= 4 or len(words[-1].rstrip(".")) < 2:
        return False
    if words[0].lower() in _ARTICLES and not (words[0].lower() == "a" and len(words[1].rstrip(".")) == 1):
        return False  # 'A G Howard' starts with an initial, 'A Time to Kill' with the article
    for w in words:
        bare = w.lower().rstrip(".")
        if bare in _NOT_NAME_WORDS or any(c.isdigit() for c in w):
            return False
        if not any_case and not _NAME_TOKEN.match(w):
            return False

    def initial(i: int) -> bool:
        # 'a' is the article, except after another initial ('r a salvatore')
        w = words[i]
        return len(w.rstrip(".")) == 1 and (
            w.endswith(".")
            or w.lower() != "a"
            or (i > 0 and initial(i - 1))
            or (i == 0 and len(words) > 2 and len(words[1].rstrip(".")) == 1)
        )

    if any(len(w.rstrip(".")) == 1 and not initial(i) for i, w in enumerate(words)):
        return False
    return len(words) < 4 or all(initial(i) for i in range(1, len(words) - 1))


def _has_initial(words: list[str]) -> bool:
    return any(len(w.rstrip(".")) == 1 for w in words)


def _glued_author_title(
    rows: list[Evidence],
    titles: list[tuple[str, str]],
    text: str,
    source: str,
    known: frozenset[str],
    separated: bool,
) -> None:
    """'John Grisham A Time to Kill' (from 'John_Grisham_A_Time_to_Kill'): no dash says where the
    author ends, so each name-shaped start of 2-4 words is a hypothesis (rule
    `scheme.glued_author_title`), its own ordinal per hypothesis. A start (or an end: rule
    `scheme.glued_title_author`) another source names as the author settles it; without one, only
    names written with separators get hypotheses, each leaving a title of two words or more, or of
    one word after a name with initials ('J_K_Rowling_Hogwarts': no title starts with two initials,
    while 'janet-evanovich-hard-eight' must not give the author 'Janet Evanovich Hard')."""
    words = text.split()
    if len(words) < 3:
        return
    any_case = text.islower() or text.isupper()
    found: list[tuple[list[str], str, str, bool]] = []  # (names, title, rule, known)
    for k in (2, 3, 4):
        if k >= len(words):
            break
        if _glued_name(words[:k], any_case):
            names = parse_name_string(" ".join(words[:k]))
            is_known = bool(names) and all(fold_key(n) in known for n in names)
            found.append((names, " ".join(words[k:]), "scheme.glued_author_title", is_known))
        if _glued_name(words[-k:], any_case):
            names = parse_name_string(" ".join(words[-k:]))
            if names and all(fold_key(n) in known for n in names):
                found.append((names, " ".join(words[:-k]), "scheme.glued_title_author", True))
    settled = [f for f in found if f[3]]
    if settled:
        found = settled
    elif separated:
        found = [
            f
            for f in found
            if f[2] == "scheme.glued_author_title"
            and (len(f[1].split()) >= 2 or _has_initial(words[: len(words) - len(f[1].split())]))
        ]
    else:
        return
    for i, (names, title, rule, _) in enumerate(found):
        for j, name in enumerate(names):
            add_row(rows, source, "author", name, rule, i + j)
        titles.append((title, rule))
