"""The root fields of a GraphQL request: what Hardcover bills (one request per top-level field).

A small reader of the operation's top-level selection set, not a GraphQL parser: it tokenises the text
(comments, commas and whitespace ignored; strings and block strings as single tokens), skips
arguments, directives and sub-selections as balanced groups, and names each top-level field (the
field, not its alias). The queries it reads are the product's own files and their aliased batches;
whether a query fits the schema is the server's check, and the tests check the files against it.

A top-level fragment spread or inline fragment is refused rather than resolved: its fields would be
billed but are not visible at the top level, and the product's operations never use one there.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from tasks.hardcover.errors import HardcoverQueryError

_TOKEN = re.compile(
    r"""
    (?P<ignored>[\s,\ufeff]+|\#[^\n\r]*)
  | (?P<block_string>\"\"\"(?:[^"\\]|\\\"\"\"|\\(?!\"\"\")|"(?!""))*\"\"\")
  | (?P<string>"(?:[^"\\\n\r]|\\.)*")
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<number>-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<punctuator>\.\.\.|[!$&():=@\[\]{|}])
    """,
    re.VERBOSE,
)
_CLOSING = {"{": "}", "(": ")", "[": "]"}
_OPERATION_TYPES = {"query", "mutation", "subscription"}


class _Token(NamedTuple):
    kind: str
    text: str
    offset: int


def _where(query: str, offset: int) -> str:
    line = query.count("\n", 0, offset) + 1
    column = offset - (query.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _fail(query: str, offset: int, what: str) -> HardcoverQueryError:
    return HardcoverQueryError(f"query does not parse: {what} at {_where(query, offset)}")


def _tokens(query: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if m is None:
            what = "an unterminated string" if query[pos] == '"' else f"unexpected character {query[pos]!r}"
            raise _fail(query, pos, what)
        if m.lastgroup != "ignored":
            out.append(_Token(m.lastgroup or "", m.group(), pos))
        pos = m.end()
    return out


class _Reader:
    def __init__(self, query: str) -> None:
        self.query = query
        self.tokens = _tokens(query)
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def fail(self, what: str) -> HardcoverQueryError:
        token = self.peek()
        if token is None:
            return HardcoverQueryError(f"query does not parse: {what} at the end of the text")
        return _fail(self.query, token.offset, f"{what}, found {token.text!r}")

    def at(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "punctuator" and token.text == text

    def take(self, text: str) -> bool:
        if self.at(text):
            self.i += 1
            return True
        return False

    def name(self, what: str) -> str:
        token = self.peek()
        if token is None or token.kind != "name":
            raise self.fail(f"expected {what}")
        self.i += 1
        return token.text

    def skip_group(self) -> None:
        """Skip one bracketed group (the current token opens it), nested brackets of every kind included."""
        open_at = self.tokens[self.i]
        stack: list[str] = []
        while (token := self.peek()) is not None:
            self.i += 1
            if token.kind != "punctuator":
                continue
            if token.text in _CLOSING:
                stack.append(_CLOSING[token.text])
            elif token.text in _CLOSING.values():
                if token.text != stack.pop():
                    self.i -= 1
                    raise self.fail("mismatched brackets")
                if not stack:
                    return
        raise _fail(self.query, open_at.offset, f"{open_at.text!r} is never closed")

    def skip_directives(self) -> None:
        while self.take("@"):
            self.name("a directive name")
            if self.at("("):
                self.skip_group()

    def root_fields(self) -> tuple[str, ...]:
        """The top-level field names of a selection set (the current token opens it)."""
        open_at = self.peek()
        if open_at is None or not self.take("{"):
            raise self.fail("expected '{'")
        names: list[str] = []
        while True:
            token = self.peek()
            if token is None:
                raise _fail(self.query, open_at.offset, "'{' is never closed")
            if self.at("}") and names:
                self.i += 1
                return tuple(names)
            if self.at("}"):
                raise self.fail("an empty selection set")
            if self.at("..."):
                raise self.fail(
                    "a fragment at the top level of the operation is not counted; select root fields"
                )
            name = self.name("a field")
            if self.take(":"):
                name = self.name("a field after the alias")
            names.append(name)
            if self.at("("):
                self.skip_group()
            self.skip_directives()
            if self.at("{"):
                self.skip_group()

    def operation(self) -> tuple[str, ...]:
        """An operation from its keyword (or its `{`, the query shorthand) through its selection set."""
        if self.at("{"):
            return self.root_fields()
        self.name("an operation")
        if (token := self.peek()) is not None and token.kind == "name":
            self.i += 1
        if self.at("("):
            self.skip_group()
        self.skip_directives()
        return self.root_fields()

    def fragment(self) -> None:
        self.i += 1
        self.name("a fragment name")
        if self.name("'on'") != "on":
            self.i -= 1
            raise self.fail("expected 'on'")
        self.name("a type condition")
        self.skip_directives()
        if not self.at("{"):
            raise self.fail("expected '{'")
        self.skip_group()


@cache
def root_field_names(query: str) -> tuple[str, ...]:
    """The names of the operation's top-level fields, in order (an aliased field under its own name).

    Raises HardcoverQueryError (one line, with the position) when the text is not one operation
    (plus fragments) this reader can count.
    """
    reader = _Reader(query)
    operations: list[tuple[str, ...]] = []
    while (token := reader.peek()) is not None:
        if token.kind == "name" and token.text == "fragment":
            reader.fragment()
        elif reader.at("{") or (token.kind == "name" and token.text in _OPERATION_TYPES):
            operations.append(reader.operation())
        else:
            raise reader.fail("expected an operation or a fragment")
    if len(operations) != 1:
        raise HardcoverQueryError(
            f"query does not parse: a request holds one operation, this text holds {len(operations)}"
        )
    return operations[0]
