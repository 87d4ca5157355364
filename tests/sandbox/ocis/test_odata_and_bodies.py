"""The godata port and the Go-like body decoding, at unit level."""

from __future__ import annotations

import pytest

from dezkysync.sandbox.ocis._bodies import BodyError, decode
from dezkysync.sandbox.ocis._odata import (
    EXPRESSION_PARSER,
    EXPRESSION_TOKENIZER,
    Node,
    ODataError,
    Tok,
    parse_query,
)


def _tree(text: str) -> Node:
    tree = EXPRESSION_PARSER.parse(EXPRESSION_TOKENIZER.tokenize(text))
    assert tree is not None
    return tree


def _shape(node: Node) -> object:
    if not node.children:
        return node.token.value
    return [node.token.value, *[_shape(child) for child in node.children]]


def test_lambda_filter_tree() -> None:
    tree = _tree("memberOf/any(m:m/id eq 'abc')")
    assert tree.token.type == Tok.LAMBDA_NAV
    assert _shape(tree) == ["/", "memberOf", ["any", "m", ["eq", ["/", "m", "id"], "'abc'"]]]


def test_precedence_and_case_insensitive_operators() -> None:
    tree = _tree("a eq 1 OR b eq 2 and c eq 3")
    assert _shape(tree) == ["or", ["eq", "a", "1"], ["and", ["eq", "b", "2"], ["eq", "c", "3"]]]


def test_functions_and_tokens() -> None:
    tree = _tree("startswith(displayName,'It''s')")
    assert _shape(tree) == ["startswith", "displayName", "'It's'"]
    guid = _tree("id eq 4c510ada-c86b-4815-8820-42cdf82c3d51").children[1]
    assert guid.token.type == Tok.GUID


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "contains(a)",
            "invalid number of arguments for function 'contains'. Got 1 argument. Expected: [2]",
        ),
        ("a eq", "insufficient number of operands for operator 'eq'"),
        ("a b", "invalid expression"),
        ("(a eq 1", "parse error. Mismatched parenthesis."),
        ("a eq 1)", "Parse error. Mismatched parenthesis."),
        ("a\teq 1", "Token '\teq 1' is invalid"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ODataError) as caught:
        EXPRESSION_PARSER.parse(EXPRESSION_TOKENIZER.tokenize(text))
    assert caught.value.message == message


def test_search_value_and_complexity() -> None:
    assert parse_query({"$search": ['"a b"']}).search_value() == "a b"
    with pytest.raises(ODataError) as caught:
        parse_query({"$search": ["NOT alice"]}).search_value()
    assert caught.value.status == 501
    with pytest.raises(ODataError, match="Token '\"\"' is invalid"):
        parse_query({"$search": ['""']})
    # A leading OR/AND/NOT is an operator even inside a word, as in godata.
    with pytest.raises(ODataError, match="insufficient number of operands"):
        parse_query({"$search": ["ORACLE"]})


def test_format_is_not_implemented_and_orderby_items() -> None:
    with pytest.raises(ODataError) as caught:
        parse_query({"$format": ["json"]})
    assert caught.value.status == 501
    items = parse_query({"$orderby": ["displayName desc, mail"]}).orderby
    assert [(item.field, item.descending) for item in items] == [
        ("displayName", True),
        ("mail", False),
    ]
    with pytest.raises(ODataError):
        parse_query({"$orderby": ["displayName sideways"]})


def test_decode_is_strict_case_insensitive_and_null_tolerant() -> None:
    assert decode(b'{"DisplayName": "A", "mail": null}', "User") == {"displayName": "A"}
    # Go keeps the last of two keys that fold to the same field.
    assert decode(b'{"displayName": "A", "displayname": "B"}', "User") == {"displayName": "B"}


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"", "EOF"),
        (b"   ", "EOF"),
        (b'{"displayName": ', "unexpected EOF"),
        (b"[1]", "json: cannot unmarshal array into Go value of type libregraph.User"),
        (
            b'{"accountEnabled": "yes"}',
            "json: cannot unmarshal string into Go struct field User.accountEnabled of type bool",
        ),
        (
            b'{"identities": [{"issuer": 1}]}',
            "json: cannot unmarshal number into Go struct field "
            "User.identities.issuer of type string",
        ),
        (
            b'{"identities": {}}',
            "json: cannot unmarshal object into Go struct field "
            "User.identities of type []libregraph.ObjectIdentity",
        ),
        (b'{"x": 1}', 'json: unknown field "x"'),
    ],
)
def test_decode_errors(body: bytes, detail: str) -> None:
    with pytest.raises(BodyError) as caught:
        decode(body, "User")
    assert caught.value.detail == detail


def test_decode_reads_only_the_first_value_and_int64() -> None:
    assert decode(b'{"displayName": "A"} trailing', "User") == {"displayName": "A"}
    assert decode(b'{"quota": {"total": 5.0}}', "DriveUpdate") == {"quota": {"total": 5}}
    with pytest.raises(BodyError, match=r"number 1\.5"):
        decode(b'{"quota": {"total": 1.5}}', "DriveUpdate")
    assert decode(b"null", "User") == {}
