"""The root-field reader counts what graphql-core's parser finds, on every query the product sends.

graphql-core (a dev dependency, and the Hardcover emulator's) is the reference: for each operation file
and each aliased batch, the reader's field names equal the parser's, and the text is valid against
Hardcover's real schema. Hand-written and generated texts cover what the files do not (braces in
comments and strings, block strings, directives, defaults), and malformed text gets the one-line error.
"""

from __future__ import annotations

import json

import pytest
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse, validate
from hypothesis import given, settings
from hypothesis import strategies as st

from emulators.hardcover import load_schema
from tasks.hardcover.errors import HardcoverQueryError
from tasks.hardcover.queries import MAX_ROOT_FIELDS, QUERIES_DIR, batched_query, with_fragments
from tasks.hardcover.root_fields import root_field_names

OPERATION_FILES = sorted(p for p in QUERIES_DIR.glob("*.graphql") if p.stem != "fragments")


def parser_names(query: str) -> tuple[str, ...]:
    """graphql-core's root fields of the one operation in `query` (every selection must be a field)."""
    [op] = [d for d in parse(query).definitions if isinstance(d, OperationDefinitionNode)]
    selections = op.selection_set.selections
    assert all(isinstance(s, FieldNode) for s in selections)
    return tuple(s.name.value for s in selections if isinstance(s, FieldNode))


def product_texts() -> list[tuple[str, str]]:
    """(label, text) of every request text the product builds from tasks/queries/."""
    texts = []
    for path in OPERATION_FILES:
        texts.append((path.name, with_fragments(path.read_text())))  # the file as written, comments kept
        texts += [(f"{path.stem} x{n}", batched_query(path.stem, n)) for n in range(1, MAX_ROOT_FIELDS + 1)]
    return texts


def test_there_are_operation_files():
    assert len(OPERATION_FILES) >= 5


@pytest.mark.parametrize(("label", "query"), product_texts(), ids=[label for label, _ in product_texts()])
def test_the_reader_counts_what_the_parser_finds_on_every_product_query(label, query):
    assert [e.message for e in validate(load_schema(), parse(query))] == []
    names = root_field_names(query)
    assert names == parser_names(query)
    if " x" in label:
        assert len(names) == int(label.rsplit("x", 1)[1])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ books { id } }", ("books",)),
        ("query Q { a, b, c }", ("a", "b", "c")),
        ("query Q {\n  # } { not a field\n  a # {\n  b\n}", ("a", "b")),
        ('{ search(query: "} { x: y", per_page: 1) { ids } editions { id } }', ("search", "editions")),
        ('{ a(s: "\\" } \\\\") b }', ("a", "b")),
        ('{ a(s: """ } { "quoted" \\""" { """) b }', ("a", "b")),
        (
            '{ q0: books { id } q1: books { id } q2: search(query: "x") { ids } }',
            ("books", "books", "search"),
        ),
        ("{ a @include(if: true) { id } b @skip(if: false) @x c }", ("a", "b", "c")),
        (
            "query Q($w: books_bool_exp = {id: {_eq: 1}}, $l: [Int!] = [1, 2]) @d(x: {y: [1]}) { books(where: $w) { id } }",
            ("books",),
        ),
        (
            "fragment F on books { id title }\nquery Q { books { ...F } authors { ... on authors { id } } }",
            ("books", "authors"),
        ),
        ("query Q { books { ...F } }\nfragment F on books { id }", ("books",)),
        (
            "mutation M { insert_x(objects: [{a: 1.5e3, b: -2, c: null, d: ENUM}]) { affected_rows } }",
            ("insert_x",),
        ),
        ("\ufeffquery { a }", ("a",)),
    ],
)
def test_the_reader_agrees_with_the_parser_on_hand_written_queries(query, expected):
    assert parser_names(query) == expected  # the expectation is the parser's, not ours
    assert root_field_names(query) == expected


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("{ books { id }", "never closed"),
        ('{ a(s: "no end) }', "unterminated string"),
        ('{ a(s: """ no end) }', "unterminated string"),
        ("{ a } }", "expected an operation or a fragment"),
        ("{ a( } ) }", "mismatched brackets"),
        ("", "holds 0"),
        ("# only a comment", "holds 0"),
        ("query Q", "expected '{' at the end"),
        ("{ a: }", "expected a field after the alias"),
        ("{ a ~ b }", "unexpected character '~'"),
        ("{ 1 }", "expected a field"),
        ("fragment F books { id }\nquery { a }", "expected 'on'"),
    ],
)
def test_malformed_text_is_one_line_error_where_the_parser_fails_too(query, says):
    with pytest.raises(GraphQLError):
        parse(query)
    with pytest.raises(HardcoverQueryError, match="query does not parse") as caught:
        root_field_names(query)
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        (
            '{ ...F }\nfragment F on query_root { books { id } search(query: "x") { ids } }',
            "fragment at the top level",
        ),
        ("{ ... on query_root { books { id } } }", "fragment at the top level"),
        ("query A { a }\nquery B { b }", "holds 2"),
        ("fragment F on books { id }", "holds 0"),
        ("{ }", "an empty selection set, found '}' at line 1, column 3"),
        ("type Query { a: Int }", "expected an operation or a fragment, found 'type'"),
    ],
)
def test_texts_that_parse_but_hide_or_split_the_billed_fields_are_refused(query, says):
    parse(query)  # valid syntax: the refusal is the reader's choice, not a parse failure
    with pytest.raises(HardcoverQueryError, match=says):
        root_field_names(query)


NAMES = st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,6}", fullmatch=True).filter(
    lambda n: n not in {"fragment", "on", "true", "false", "null"}
)
TEXTS = st.text(alphabet='{}()[]"#\\ :@$.,x\n', max_size=12)
# A bare quote never runs into three (that would end the block string); an escaped triple quote does not end it.
BLOCK_PIECES = st.sampled_from(["{", "}", "(", '\\"""', '"x', "#", " ", "\n", "x"])
IGNORED = st.sampled_from([" ", "\n", ", ", "  # a comment with { and }\n", "\t"])


@st.composite
def fields(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(NAMES)
    text = name
    if draw(st.booleans()):
        text = f"{draw(NAMES)}: {name}"
    arguments = []
    if draw(st.booleans()):  # a JSON string is a valid GraphQL string
        arguments.append(f"s: {json.dumps(draw(TEXTS))}, o: {{k: [1, {{j: {draw(NAMES)}}}]}}")
    if draw(st.booleans()):
        arguments.append(f'b: """{"".join(draw(st.lists(BLOCK_PIECES, max_size=8)))}x"""')
    if arguments:
        text += f"({', '.join(arguments)})"
    if draw(st.booleans()):
        text += " @include(if: $flag)"
    if draw(st.booleans()):
        text += f" {{ {draw(NAMES)} {{ {draw(NAMES)}(x: {json.dumps(draw(TEXTS))}) }} }}"
    return name, text


@settings(max_examples=300, deadline=None)
@given(st.lists(fields(), min_size=1, max_size=7), st.lists(IGNORED, min_size=8, max_size=8))
def test_the_reader_agrees_with_the_parser_on_generated_queries(drawn, gaps):
    body = "".join(gaps[i % len(gaps)] + text for i, (_, text) in enumerate(drawn))
    query = f"query Q($flag: Boolean = true){gaps[0]}{{{body}{gaps[1]}}}"
    expected = tuple(name for name, _ in drawn)
    assert parser_names(query) == expected
    assert root_field_names(query) == expected
