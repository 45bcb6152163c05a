"""Credits without a template: the transcript as evidence, cut into candidate spans to look up.

The cue reader (`tasks.listen.cues`) reads credits from the phrases publishers usually say around them.
An opening worded some other way ("Welcome. Dune. Frank Herbert. Enjoy.") holds no cue, yet its
title and author are there. So the transcript is also cut into
clause-sized chunks (the model's punctuation marks its pauses) with the words every audiobook says
around its credits (publishers, "presents", "unabridged", "chapter one", "read by", "welcome to", …)
acting as separators, and the chunks short enough to be a title or a name become spans to look up:

- name-like spans (two or three capitalised words, the model capitalises names) for the run's bulk
  author lookup;
- the other content chunks, and their numerals in words and in digits, for the bulk exact title
  lookup and, first ranked first, for the item's title search.

Spans only propose books. A found book is accepted by the same containment of its title and an
author in the whole transcript as any other candidate, so prose, music and noise propose at worst
books that are then not identified.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tasks.candidates.titles import LONG_SEARCH_WORDS, shorter_search
from tasks.listen.credits import Credits
from tasks.listen.cues import PUBLISHERS, name_like
from tasks.normalise import CARDINAL_WORDS

# "presence": how a small model often writes a spoken "presents"
_PRESENTS = r"presents?|presence|presented\s+by|presenting"
_NUMBER_WORDS = "|".join(CARDINAL_WORDS[1:]) + r"|\d+|i|ii|iii|first|won"
# Said around credits by every kind of opening or closing; never a title or a name by itself.
_BOILERPLATE = [
    *(re.escape(p) for p in PUBLISHERS),
    r"(?:[\w\-]+\s+)?(?:audio|audiobooks?|publishing|media|studios?|productions?|records|press)\s+presents?",
    _PRESENTS,
    r"this\s+is(?:\s+an?)?",
    r"welcome(?:\s+(?:back\s+)?to)?|hello(?:\s+and\s+welcome)?|enjoy(?:\s+the\s+(?:book|story|show|listen))?",
    r"thank\s+you(?:\s+(?:so\s+much\s+)?for\s+listening(?:\s+to)?)?|happy\s+listening",
    r"this\s+concludes|this\s+has\s+been|here\s+ends|(?:this\s+is\s+)?the\s+end\s+of",
    r"(?:you(?:'re|\s+are)\s+)?(?:now\s+)?(?:about\s+to\s+hear|listening\s+to|listen(?:ing)?\s+to)",
    r"(?:un)?abridged(?:\s+(?:edition|recording|version|audiobook))?|complete\s+and\s+unabridged",
    r"(?:chapter|part|section|track|disc|disk|side)\s+(?:" + _NUMBER_WORDS + r")\b",
    r"prologue|epilogue|preface|foreword|introduction|afterword|contents|table\s+of\s+contents",
    r"opening\s+credits|closing\s+credits|end\s+credits|the\s+end|end\s+of\s+(?:the\s+)?(?:book|recording)",
    r"copyright(?:\s+(?:\d{4}|©))?|all\s+rights\s+reserved",
    r"(?:an?\s+)?(?:[\w\-]+\s+){0,2}(?:production|recording|presentation|audiobook|audio\s*book)(?:\s+of)?",
    r"(?:original\s+)?(?:audio|audio\s+edition|audiobook\s+edition|sound\s+recording)",
    r"(?:(?:produced|recorded|directed|edited|engineered|mastered|published|translated|adapted)"
    r"|(?:narrated|read|performed|voiced|written|authored))(?:\s+(?:for\s+you|aloud))?\s+by",
    # "Created by", "Raded by": a garbled "narrated by" still ends in -ated/-eted/-aded
    r"[a-z]{2,}(?:ated|eted|aded)\s+by",
    r"narration|narrator|narrated|author|written|starring|featuring|with|by|volume|vol\.?",
    r"a\s+novel|a\s+memoir|a\s+story|the\s+story\s+of|a\s+thriller|a\s+mystery|a\s+romance",
    r"(?:new\s+york\s+times\s+)?(?:best[\s-]?selling|award[\s-]winning)(?:\s+author)?",
]
_BOILER_RE = re.compile(r"(?<![\w'])(?:" + "|".join(_BOILERPLATE) + r")(?![\w'])", re.I)
# A pause the model marks: sentence and clause punctuation, a dash; not the full stop of an initial.
_CLAUSE_RE = re.compile(r"\s*(?:[,;:!?\"]|(?<!\b[A-Z])\.(?=\s|$)|\s[-–—]\s)\s*")
# What the model writes for sounds that are not speech: "[Music]", "(upbeat music)", "*sighs*", "♪".
_NON_SPEECH_RE = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|[♪♫]+")
_SENTENCE_RE = re.compile(r"(?<!\b[A-Z]\.)(?<=[.!?])\s+")
_WORD_RE = re.compile(r"[\w'\-.&]+")
_FUNCTION = frozenset(
    ["a", "an", "the", "of", "and", "or", "in", "on", "at", "to", "for", "with", "from", "as", "is"]
    + ["it", "its", "this", "that", "be", "by", "my", "your", "our", "his", "her", "their", "i", "you"]
    + ["he", "she", "we", "they", "was", "were", "are", "has", "had", "have", "so", "then", "there"]
    + ["here", "what", "when", "now"]
)
# Words of story prose (pronouns, auxiliaries) that a title or a credit rarely holds.
_PROSE_WORDS = frozenset(
    ["he", "she", "they", "them", "him", "his", "her", "their", "was", "were", "had", "been", "would"]
    + ["could", "when", "while", "until", "then", "there", "nobody", "every", "nearly", "before"]
)
# A credits sentence is short; a sentence of story prose is usually longer than this.
_MAX_SENTENCE_WORDS = 16
_MAX_TITLE_WORDS = 8
MAX_TITLES, MAX_NAMES = 6, 6
# Inner runs of a clause looked up as titles: at most this long, and this many (the lookup's own cap
# on forms keeps the cue reading's and the generic spans first).
_MAX_INNER_WORDS, _MAX_INNER = 6, 40
# Spans past the first few are what is left of the transcript, not what it names: not worth a search.
_SEARCHABLE_SPANS = 3
# Words a small model hears for a quickly spoken "by" inside a clause ("Johnny Tremain in high Esther
# Forbes"): a title or a name is rarely split at them, so the parts on either side are spans too.
_INNER_BREAKS = frozenset(["in", "my", "by", "bye", "i", "is", "was", "at", "on", "from", "with"])
# A numbered volume's number said alone after the title ("Naruto, 5"; "vol." misheard as a word).
_VOLUME_NUMBER = {w: i for i, w in enumerate(CARDINAL_WORDS) if i} | {"won": 1, "free": 3}
_MAX_VOLUME = 200


def _chunks(text: str) -> list[tuple[int, int, list[str]]]:
    """(sentence index, sentence length, words) of every clause between pauses and boilerplate."""
    out = []
    text = " ".join(_NON_SPEECH_RE.sub(" ", text or "").split())
    for s, sentence in enumerate(_SENTENCE_RE.split(text)):
        length = len(sentence.split())
        for clause in _CLAUSE_RE.split(sentence):
            for piece in _BOILER_RE.split(clause):
                words = [_bare(w) for w in _WORD_RE.findall(piece)]
                words = [w for w in words if w]
                while words and words[0].lower() in _FUNCTION - {"the", "a", "an"}:
                    words = words[1:]  # "… to Dune": a title or a name never starts with "to"
                while words and words[-1].lower() in _FUNCTION:
                    words = words[:-1]
                if any(w.lower() not in _FUNCTION for w in words):
                    out.append((s, length, words))
    return out


def _bare(word: str) -> str:
    """A word without edge punctuation; an initial keeps its full stop ("K." of "Jerome K. Jerome")."""
    word = word.strip("'-&")
    return word if re.fullmatch(r"[A-Z]\.", word) else word.strip(".")


def _prose(words: list[str], sentence_words: int) -> float:
    """How much a chunk reads like story prose rather than a credit (0 to 2): lower-case content
    words (the model capitalises titles and names more often than not), a long sentence around it,
    pronouns and auxiliaries."""
    content = [w for w in words[1:] if w.lower() not in _FUNCTION] or words
    lower = sum(1 for w in content if w[:1].islower()) / len(content)
    long = 0.5 if sentence_words > _MAX_SENTENCE_WORDS else 0.0
    return lower + long + (0.5 if any(w.lower() in _PROSE_WORDS for w in words) else 0.0)


def numeral_forms(span: str) -> list[str]:
    """The span with its small numbers in digits and in words ("Three Men" <-> "3 Men")."""
    words = span.split()
    as_digits = [
        str(CARDINAL_WORDS.index(w.lower())) if w.lower() in CARDINAL_WORDS[1:] else w for w in words
    ]
    as_words = [
        CARDINAL_WORDS[int(w)].capitalize() if w.isdigit() and 0 < int(w) < len(CARDINAL_WORDS) else w
        for w in words
    ]
    return list(dict.fromkeys([span, " ".join(as_digits), " ".join(as_words)]))


def _titled(words: list[str]) -> bool:
    """Could these words be a whole title: capitalised, not ending in a function word."""
    return (
        words[0][:1].isupper()
        and words[-1].lower() not in _FUNCTION
        and any(w.lower() not in _FUNCTION for w in words)
    )


def _name_runs(words: list[str]) -> list[str]:
    """Runs of two or three capitalised words (initials and particles allowed) inside a chunk; of a
    longer run, its first and last two and three words ("Ravenbite Stephen Coward": "Stephen Coward")."""
    runs: list[str] = []
    run: list[str] = []
    for i, w in enumerate([*words, ""]):
        w = re.sub(r"'s$", "", w)  # "Marie Condor's <Title>"
        # one capitalised word, an initial or a particle; "The Glass Orchard", "Three Men": a title
        if w and name_like(f"{w} X") and (run or _names_may_start(words, i)):
            run.append(w)
            continue
        parts = [run] if len(run) <= 3 else [run[:2], run[:3], run[-3:], run[-2:]]
        runs += [" ".join(p) for p in parts if len(p) >= 2 and name_like(" ".join(p))]
        run = []
    return runs


def _names_may_start(words: list[str], i: int) -> bool:
    """A name does not start with a number word, nor right after an article."""
    return words[i].lower() not in CARDINAL_WORDS and (
        i == 0 or words[i - 1].lower() not in ("the", "a", "an")
    )


def generic_spans(text: str) -> tuple[list[str], list[str]]:
    """(title spans, name spans) proposed by a transcript without reading any cue, best first."""
    titles: list[tuple[float, int, str]] = []
    names: list[tuple[float, int, str]] = []
    for order, (_s, sentence_words, words) in enumerate(_chunks(text)):
        prose = _prose(words, sentence_words)
        span = " ".join(words)
        if 2 <= len(words) <= 3 and name_like(span):
            names.append((prose, order, span))
            titles.append((prose + 1.0, order, span))  # two capitalised words may be a title as well
            continue
        names += [(prose + 0.5, order, run) for run in _name_runs(words)]
        if len(words) > _MAX_TITLE_WORDS or prose > 1.5:
            continue  # too long for a title, or story prose
        titles.append((prose, order, span))
        titles += [(prose + 0.75, order, part) for part in _inner_spans(words)]
        # A name said with its title in one breath ("Frank Herbert, Dune" unpaused): a name at either end.
        for n in (3, 2):
            for part, rest in ((words[:n], words[n:]), (words[-n:], words[:-n])):
                if len(rest) and name_like(" ".join(part)) and _titled(rest):
                    titles.append((prose + 0.5, order, " ".join(rest)))
    return _best(titles, MAX_TITLES, numerals=True), _best(names, MAX_NAMES)


def _inner_spans(words: list[str]) -> list[str]:
    """The parts of a clause between the words a misheard "by" becomes ("Johnny Treman in high-ester
    forms": "Johnny Treman", "high-ester forms"), each long enough to look up. A break word opening
    the clause splits nothing ("I am half-sick of shadows")."""
    spans: list[str] = []
    run: list[str] = []
    split = False
    for k, w in enumerate([*words, "in"]):
        if k and w.lower() in _INNER_BREAKS:
            split |= k < len(words)
            while run and run[-1].lower() in _FUNCTION:
                run.pop()
            if split and run and (len(run) > 1 or (run[0][:1].isupper() and len(run[0]) > 3)):
                spans.append(" ".join(run))
            run = []
        elif run or w.lower() not in _FUNCTION - {"the", "a", "an"}:
            run.append(w)
    return spans


def _volume_number(words: list[str]) -> int | None:
    """The number a clause opens with ("14 from …"), or all it says after one short word ("while 2")."""
    for w in words[:1] if len(words) != 2 or len(words[0]) > 5 else words:
        low = w.lower()
        n = int(low) if low.isdigit() else _VOLUME_NUMBER.get(low)
        if n is not None:
            return n if 0 < n <= _MAX_VOLUME else None
    return None


def volume_spans(text: str) -> list[tuple[str, int]]:
    """(title, N) for a title said before a bare number: "Transmetropolitan, while 2", "the walking
    dead, well, 14" — a numbered volume whose "Vol." was dropped or misheard as a word. Of a longer
    clause, its last two and three words are titles too ("I chirotoed one piece, volume 01")."""
    chunks = _chunks(text)
    out: list[tuple[str, int]] = []
    skip: set[int] = set()
    for k, (_s, length, words) in enumerate(chunks[:-1]):
        after = chunks[k + 1][2]
        n = _volume_number(after)
        if n is None and len(after) == 1 and len(after[0]) <= 5 and k + 2 < len(chunks):
            n = _volume_number(chunks[k + 2][2][:1])  # "The umbrella academy, wow, won"
            skip.add(k + 1)  # the misheard "vol." is no title
        if n is None or k in skip or any(w[:1].isdigit() or w.lower() in _PROSE_WORDS for w in words):
            continue
        tails = [words] if len(words) <= 4 else []
        tails += [words[-m:] for m in (3, 2) if len(words) > m]
        for tail in tails:
            letters = sum(len(w) for w in tail if w.lower() not in _FUNCTION)
            if (
                letters >= 4
                and tail[-1].lower() not in _FUNCTION
                and tail[0].lower() not in _FUNCTION - {"the"}
                and _prose(tail, length) <= 1.5
            ):
                out.append((" ".join(tail), n))
    return list(dict.fromkeys(out))


def volume_forms(title: str, n: int) -> list[str]:
    """The ways catalogues spell a numbered volume's title: "Naruto, Vol. 5", "Naruto, Vol. 05",
    "Naruto, Volume 5", "Naruto, Volume 05", and the plain "Naruto 5"."""
    numbers = [str(n)] + ([f"{n:02d}"] if n < 10 else [])
    forms = [f"{title}, {word} {num}" for word in ("Vol.", "Volume") for num in numbers]
    return forms + [f"{title} {n}"]


def _best(ranked: list[tuple[float, int, str]], limit: int, numerals: bool = False) -> list[str]:
    spans: list[str] = []
    for _rank, _order, span in sorted(ranked):
        if span.lower() not in {o.lower() for o in spans} and len(spans) < limit:
            spans.append(span)
    return list(dict.fromkeys(f for s in spans for f in (numeral_forms(s) if numerals else [s])))


def inner_titles(text: str) -> list[str]:
    """Runs of two to `_MAX_INNER_WORDS` words inside the clauses of the transcript's credit sentences
    (those saying a credit cue or a name) that could be a whole title, for the exact title lookup only: a title
    said inside a longer clause whose other words no separator cuts off ("… brings you last train to
    Istanbul from the pen of …", "You have just heard Paris to the moon") is then asked for as
    itself. A run starts and ends with a content word (an article may open it) and holds no word of
    story prose; the clauses least like prose give theirs first, longest first. The exact lookup costs
    an item one request however many titles it asks for, and a found book still has to be heard
    (its author too) to be identified."""
    clean = " ".join(_NON_SPEECH_RE.sub(" ", text or "").split())
    cued = {
        s
        for s, sentence in enumerate(_SENTENCE_RE.split(clean))
        if _BOILER_RE.search(sentence) or any(_name_runs(words) for _s, _n, words in _chunks(sentence))
    }
    runs: list[tuple[float, int, int, str]] = []
    for order, (s, sentence_words, words) in enumerate(_chunks(text)):
        prose = _prose(words, sentence_words)
        if s not in cued or len(words) < 3 or prose > 1.5:
            continue
        for n in range(min(_MAX_INNER_WORDS, len(words) - 1), 1, -1):
            for k in range(len(words) - n + 1):
                part = words[k : k + n]
                if (
                    part[0].lower() not in _FUNCTION - {"the", "a", "an"}
                    and (n > 2 or part[0].lower() not in ("the", "a", "an"))  # "the kitchen" is no title
                    and part[-1].lower() not in _FUNCTION
                    and not any(w.lower() in _PROSE_WORDS for w in part)
                    and sum(len(w) for w in part if w.lower() not in _FUNCTION) >= 4
                ):
                    runs.append((prose, order, -n, " ".join(part)))
    spans = [span for *_rank, span in sorted(runs)[:_MAX_INNER]]
    return list(dict.fromkeys(f for s in spans for f in numeral_forms(s)))


def with_generic_spans(credits: Credits, transcript: str) -> Credits:
    """`credits` for looking up, with the transcript's generic spans after the cue reading's own (those
    stay first: they are searched first). A cue reading can be wrong as well as missing ("Narration
    by <Narrator>" read as the author); the generic spans ride in the same bulk lookups, so they cost an
    item nothing more than the lookups it makes anyway. A numbered volume's spellings ("Naruto, Vol. 5")
    come right after the cue reading's spans."""
    titles, names = generic_spans(transcript)
    volumes = [f for t, n in volume_spans(transcript) for f in volume_forms(t, n)]
    return replace(
        credits,
        title_spans=list(dict.fromkeys(credits.title_spans + volumes + titles + inner_titles(transcript))),
        name_spans=list(dict.fromkeys(credits.name_spans + names)),
    )


def credible(span: str) -> bool:
    """Is a span worth a title search (a request of its own)? A single word must be capitalised and not
    short ("Solaris", not "free", "Pat"); a longer span needs some content and little prose, and fewer
    words than a long title."""
    words = [w for w in span.split() if w]
    content = [w for w in words if w.lower() not in _FUNCTION and not w.isdigit()]
    if not content or len(words) >= LONG_SEARCH_WORDS:
        return False  # a long span finds nothing whole, and then costs a second search by its start
    if len(words) == 1:
        return words[0][:1].isupper() and len(words[0]) >= 5
    return sum(len(w) for w in content) >= 4 and _prose(words, 0) <= 1.0


def search_spans(credits: Credits, transcript: str) -> list[str]:
    """The spans to search the catalogue with, best first: a numbered volume said as one ("American
    vampire 1" finds "American Vampire, Vol. 1" where the bare name finds every volume), the cue
    reading's title, then the other spans, each only if it is worth a search. A span holding a word a
    misheard "by" becomes is preceded by its parts (the search needs every word of a query in the
    book)."""
    volumes = volume_spans(transcript)
    spans = [f"{t} {n}" for t, n in volumes] + ([credits.title] if credits.title else [])
    spans += credits.title_spans[:_SEARCHABLE_SPANS]
    # what is not a title: a credited name (looked up exactly as a name), a volume's catalogue
    # spellings (looked up exactly), who presents the book
    names = {n.lower() for n in credits.authors + credits.narrators}
    spellings = {f for t, n in volumes for f in volume_forms(t, n)} - {f"{t} {n}" for t, n in volumes}
    out = []
    for span in spans:
        words = span.split()
        if len(words) > 3:
            out += _inner_spans(words)
        # a long span finds nothing whole, and the search then tries its start: that start, at once
        out.append(shorter_search(span) or span)
    return [
        s
        for s in dict.fromkeys(out)
        if credible(s)
        and s.lower() not in names
        and s not in spellings
        and not _publisher(s, credits, transcript)
    ]


def _publisher(span: str, credits: Credits, transcript: str) -> bool:
    """Is the span who presents the book ("Self-published presents …", "Harper of the Old Present")?"""
    if credits.publisher and span.lower() == credits.publisher.lower():
        return True
    return re.search(rf"(?i)\b{re.escape(span)}\s+(?:{_PRESENTS})", transcript) is not None
