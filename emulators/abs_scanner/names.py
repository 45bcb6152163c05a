"""Names as ABS 2.36 reads them: server/utils/parsers/parseFullName.js (a port of RateGravity/parse-full-name,
short lists, case fixing) and parseNameString.js (several authors in one string, "Last, First" forms)."""

from __future__ import annotations

import re

from emulators.abs_scanner.js import js_index, js_trim

# --- parseFullName.js (short lists: the only ones parseNameString uses) ------------------------------

_CONJUNCTIONS = ("&", "and", "et", "e", "of", "the", "und", "y")
_SUFFIXES = ("esq", "esquire", "jr", "jnr", "sr", "snr", "2", "ii", "iii", "iv", "md", "phd", "j.d.", "ll.m.",
             "m.d.", "d.o.", "d.c.", "p.c.", "ph.d.")  # fmt: skip
_PREFIXES = ("ab", "bar", "bin", "da", "dal", "de", "de la", "del", "della", "der", "di", "du", "ibn", "l'",
             "la", "le", "san", "st", "st.", "ste", "ter", "van", "van de", "van der", "van den", "vel", "ver",
             "vere", "von")  # fmt: skip
_TITLES = ("dr", "miss", "mr", "mrs", "ms", "prof", "sir", "frau", "herr", "hr", "monsieur", "captain", "doctor",
           "judge", "officer", "professor", "ind", "misc", "mx")  # fmt: skip
_FORCE_CASE = ("e", "y", "av", "af", "da", "dal", "de", "del", "der", "di", "la", "le", "van", "der", "den", "vel",
               "von", "II", "III", "IV", "J.D.", "LL.M.", "M.D.", "D.O.", "D.C.", "Ph.D.")  # fmt: skip
_FORCE_CASE_LOWER = [w.lower() for w in _FORCE_CASE]
_NICK_RE = re.compile(r"\s(?:[‘’']([^‘’']+)[‘’']|[“”\"]([^“”\"]+)[“”\"]|\[([^\]]+)\]|\(([^\)]+)\)),?\s")
_PART_LABELS = ("title", "first", "middle", "last", "nick", "suffix")


def _fix_case(parsed: dict[str, str]) -> dict[str, str]:
    # The JS loops over every part with the word index `j` also used to pick a part label; the suffix
    # branch therefore only ever fires for a sixth word. Kept as the server has it.
    for label in _PART_LABELS:
        if not parsed[label]:
            continue
        words = str(parsed[label]).split(" ")
        for j, w in enumerate(words):
            k = js_index(_FORCE_CASE_LOWER, w.lower())
            if k > -1:
                words[j] = _FORCE_CASE[k]
            elif len(w) == 1:
                words[j] = w.upper()
            elif (
                len(w) > 2 and w[:1] == w[:1].upper() and w[1:2] == w[1:2].lower() and w[2:] == w[2:].upper()
            ):
                words[j] = w[:3] + w[3:].lower()
            elif (
                j < len(_PART_LABELS)
                and _PART_LABELS[j] == "suffix"
                and w[-1:] != "."
                and js_index(list(_SUFFIXES), w.lower()) == 0
            ):
                if w == w.lower():
                    words[j] = w.upper()
            else:
                words[j] = w[:1].upper() + w[1:].lower()
        parsed[label] = " ".join(words)
    return parsed


def _take_words(
    parts: list[str], commas: list[str | None], vocabulary: tuple[str, ...], lowest: int
) -> str | None:
    """Remove the words of `vocabulary` (a trailing '.' optional) from `parts`, from the last down to
    index `lowest`, keeping `commas` aligned; the removed words joined by ", ", or None."""
    found: list[str] = []
    for i in range(len(parts) - 1, lowest - 1, -1):
        check = parts[i][:-1].lower() if parts[i][-1:] == "." else parts[i].lower()
        if check in vocabulary or (check + ".") in vocabulary:
            found = [parts.pop(i), *found]
            if commas[i] == ",":
                del commas[i + 1]
            else:
                del commas[i]
    return ", ".join(found) if found else None


def parse_full_name(name_to_parse: str | None) -> dict[str, str]:
    """parseFullName(name) with its defaults: {title, first, middle, last, nick, suffix}."""
    parsed = {"title": "", "first": "", "middle": "", "last": "", "nick": "", "suffix": ""}
    if not name_to_parse or not isinstance(name_to_parse, str):
        return parsed  # fixCase is -1 here: no case fixing on empty parts
    name = js_trim(name_to_parse)
    fix_case = name == name.upper() or name == name.lower()

    def done() -> dict[str, str]:
        return _fix_case(parsed) if fix_case else parsed

    found = [m.group(0) for m in _NICK_RE.finditer(" " + name + " ")]
    if len(found) == 1:
        nick = found[0][2:][:-2]
        parsed["nick"] = nick[:-1] if nick[-1:] == "," else nick
        name = js_trim((" " + name + " ").replace(found[0], " ", 1))
    elif len(found) > 1:
        nicks = []
        for part in found:
            name = js_trim((" " + name + " ").replace(part, " ", 1))
            nick = part[2:][:-2]
            nicks.append(nick[:-1] if nick[-1:] == "," else nick)
        parsed["nick"] = ", ".join(nicks)
    if not js_trim(name):
        return done()

    parts: list[str] = []
    commas: list[str | None] = [None]
    for part in name.split(" "):
        comma = None
        if part[-1:] == ",":
            comma, part = ",", part[:-1]
        parts.append(part)
        commas.append(comma)

    suffix = _take_words(parts, commas, _SUFFIXES, lowest=1)  # the first word is never a suffix
    if suffix is not None:
        parsed["suffix"] = suffix
    if not parts:
        return done()

    title = _take_words(parts, commas, _TITLES, lowest=0)
    if title is not None:
        parsed["title"] = title
    if not parts:
        return done()

    if len(parts) > 1:
        for i in range(len(parts) - 2, -1, -1):
            if parts[i].lower() in _PREFIXES:
                parts[i] = parts[i] + " " + parts[i + 1]
                del parts[i + 1]
                del commas[i + 1]

    if len(parts) > 2:
        i = len(parts) - 3
        while i >= 0:
            if parts[i + 1].lower() in _CONJUNCTIONS:
                parts[i] = parts[i] + " " + parts[i + 1] + " " + parts[i + 2]
                del parts[i + 1 : i + 3]
                del commas[i + 1 : i + 3]
                i -= 1
            i -= 1

    found_parts: list[str] = []  # trailing comma-separated parts: suffixes after all ("Smith, John, Jr")
    commas.pop()
    first_comma = js_index(commas, ",")
    remaining = sum(1 for c in commas if c is not None)
    if first_comma > 1 or remaining > 1:
        for i in range(len(parts) - 1, 1, -1):
            if commas[i] == ",":
                found_parts = [parts.pop(i), *found_parts]
                del commas[i]
                remaining -= 1
            else:
                break
    if found_parts:
        if parsed["suffix"]:
            found_parts = [parsed["suffix"], *found_parts]
        parsed["suffix"] = ", ".join(found_parts)

    if remaining > 0:
        at = js_index(commas, ",")  # >= 0 here: some comma remains
        if at:  # a comma before the first part leaves the last name empty, as in the JS
            parsed["last"] = " ".join(parts[:at])
            del parts[:at]
            del commas[:at]
    else:
        parsed["last"] = parts.pop()
    if not parts:
        return done()
    parsed["first"] = parts.pop(0)
    if not parts:
        return done()
    parsed["middle"] = " ".join(parts)
    return done()


# --- parseNameString.js --------------------------------------------------------------------------------

_CJK_RE = re.compile(r"[\u4e00-\u9fff\u3040-\u30ff\u31f0-\u31ff]")


def _parse_name(name: str) -> tuple[str, str]:
    parts = parse_full_name(name)
    first = parts["first"]
    if first and parts["middle"]:
        first += " " + parts["middle"]
    return first, parts["last"]


def _is_last_name_chunk(name: str) -> bool:
    if " " not in name:
        return True
    return not parse_full_name(name)["first"]


def name_to_last_first(first_last: str | None) -> str | None:
    """parseNameString.nameToLastFirst: 'Brandon Sanderson' -> 'Sanderson, Brandon'."""
    if not first_last:
        return None
    first, last = _parse_name(first_last)
    if not last:
        return first
    if not first:
        return last
    return f"{last}, {first}"


def parse_name_string(name_string: str | None) -> list[str] | None:
    """parseNameString.parse(s).names: None for an empty string, else the names as 'First Last'."""
    if not name_string:
        return None
    is_comma_separated = "," in name_string
    split: list[str] = []
    if "&" in name_string:
        for chunk in name_string.split("&"):
            split += chunk.split(",")
    elif " and " in name_string:
        for chunk in name_string.split(" and "):
            split += chunk.split(",")
    elif ";" in name_string:
        for chunk in name_string.split(";"):
            split += chunk.split(",")
    else:
        split = name_string.split(",")
    split = [js_trim(s) for s in split]
    if _CJK_RE.search(split[0]):
        return split

    names: list[tuple[str, str]] = []
    if len(split) == 1:
        names.append(_parse_name(name_string))
    else:
        first_is_last = _is_last_name_chunk(split[0]) if is_comma_separated else False
        if len(split) % 2 and first_is_last:
            split = split[:-1]
        if first_is_last:
            for k in range(0, len(split), 2):
                names.append((split[k + 1], split[k]))
        else:
            names.extend(_parse_name(s) for s in split)
    out: list[str] = []
    for first, last in names:
        if not (first or last):
            continue
        full = f"{first} {last}" if first else last
        if full not in out:
            out.append(full)
    return out
