"""OData query options the way OCIS parses them (a port of the parts of CiscoM31/godata it uses).

OCIS runs ``godata.ParseRequest`` in strict mode before it looks at a listing: unknown or
repeated query parameters, an untokenizable ``$search``/``$filter`` and a ``$filter`` that is not
a boolean expression are all 400s *before* any semantics. Reproducing the tokenizer and the
shunting-yard parser (rather than a friendlier grammar) keeps the emulator's 400-vs-501 split
where the real server has it: ``$search=alice@example.org`` fails with "Token '@example.org' is
invalid", ``$search=alice OR bob`` parses but is then "complex" (501), ``$filter=invalid`` is
"Value must be a boolean expression" (400) while ``$filter=mail eq 'x'`` parses and is
unsupported (501).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

SUPPORTED_KEYWORDS = frozenset(
    {
        "$filter",
        "$apply",
        "$expand",
        "$select",
        "$orderby",
        "$top",
        "$skip",
        "$count",
        "$inlinecount",
        "$search",
        "$format",
        "at",
        "tags",
    }
)


class ODataError(Exception):
    """A godata parse error; ``status`` is the HTTP status godata attaches (400 or 501)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# -- tokens ---------------------------------------------------------------------------------


class Tok(IntEnum):
    """Token types (godata's ExpressionTokenType plus the search tokens)."""

    OPEN_PAREN = 0
    CLOSE_PAREN = 1
    NAV = 3
    COLON = 4
    COMMA = 5
    LOGICAL = 6
    OP = 7
    FUNC = 8
    LAMBDA_NAV = 9
    LAMBDA = 10
    NULL = 11
    IT = 12
    ROOT = 13
    FLOAT = 14
    INTEGER = 15
    STRING = 16
    DATE = 17
    TIME = 18
    DATETIME = 19
    BOOLEAN = 20
    LITERAL = 21
    DURATION = 22
    GUID = 23
    ASSIGNMENT = 24
    GEOGRAPHY_POLYGON = 25
    GEOMETRY_POLYGON = 26
    ARG_COUNT = 100
    LIST_EXPR = 101
    SEARCH_LITERAL = 200
    SEARCH_OPEN = 201
    SEARCH_CLOSE = 202
    SEARCH_OP = 203


@dataclass
class Token:
    """One token: its (possibly substituted) text and type."""

    value: str
    type: Tok


@dataclass
class _Matcher:
    regex: re.Pattern[str]
    type: Tok
    case_insensitive: bool
    subst: Callable[[str], str]


class Tokenizer:
    """An ordered list of anchored regexes; the first one that matches wins (godata)."""

    def __init__(self) -> None:
        self._matchers: list[_Matcher] = []
        self._ignore: list[re.Pattern[str]] = []

    def add(self, pattern: str, kind: Tok, subst: Callable[[str], str] = lambda text: text) -> None:
        """Register a token pattern (``(?P<token>…)`` limits what is consumed)."""
        self._matchers.append(_Matcher(re.compile(pattern), kind, "(?i" in pattern, subst))

    def ignore(self, pattern: str) -> None:
        """Register a pattern that is consumed without producing a token."""
        self._ignore.append(re.compile(pattern))

    def tokenize(self, target: str) -> list[Token]:
        """Split ``target``; raise :class:`ODataError` like godata's TokenizeBytes."""
        result: list[Token] = []
        rest = target
        while rest:
            matched = False
            for matcher in self._matchers:
                found = matcher.regex.match(rest)
                if found is None:
                    continue
                matched = True
                groups = matcher.regex.groupindex
                if "token" in groups:
                    text = found.group("token")
                    rest = rest[len(text) :]
                elif "subtoken" in groups:
                    text = found.group("subtoken")
                    rest = rest[len(found.group(0)) :]
                else:
                    text = found.group(0)
                    rest = rest[len(text) :]
                value = text.lower() if matcher.case_insensitive else text
                result.append(Token(matcher.subst(value), matcher.type))
                break
            if not matched:
                for pattern in self._ignore:
                    found = pattern.match(rest)
                    if found is not None:
                        matched = True
                        rest = rest[len(found.group(0)) :]
                        break
            if not matched:
                raise ODataError(f"Token '{rest}' is invalid")
        if not result:
            raise ODataError("Empty query parameter")
        return result


def _search_tokenizer() -> Tokenizer:
    tokenizer = Tokenizer()
    tokenizer.add(r'^"[^"]+"', Tok.SEARCH_LITERAL)
    tokenizer.add(r"^\(", Tok.SEARCH_OPEN)
    tokenizer.add(r"^\)", Tok.SEARCH_CLOSE)
    tokenizer.add(r"^(OR|AND|NOT)", Tok.SEARCH_OP)
    tokenizer.add(r"^[0-9A-Za-z_]+", Tok.SEARCH_LITERAL)  # Go's \w is ASCII only
    tokenizer.ignore(r"^ ")
    return tokenizer


def _unescape_string(text: str) -> str:
    return text if text == "''" else text.replace("''", "'")


_DURATION = (
    r"^(duration)?'(?P<subtoken>-?P((([0-9]+Y([0-9]+M)?([0-9]+D)?|([0-9]+M)([0-9]+D)?|([0-9]+D))"
    r"(T(([0-9]+H)([0-9]+M)?([0-9]+(\.[0-9]+)?S)?|([0-9]+M)([0-9]+(\.[0-9]+)?S)?|"
    r"([0-9]+(\.[0-9]+)?S)))?)|(T(([0-9]+H)([0-9]+M)?([0-9]+(\.[0-9]+)?S)?|"
    r"([0-9]+M)([0-9]+(\.[0-9]+)?S)?|([0-9]+(\.[0-9]+)?S)))))'"
)
_POLYGON = (
    r"'SRID=[0-9]{1,5};Polygon\(\((-?[0-9]+\.[0-9]+\s+-?[0-9]+\.[0-9]+)"
    r"(,\s-?[0-9]+\.[0-9]+\s+-?[0-9]+\.[0-9]+)*\)\)'"
)
_FUNCTIONS = (
    "contains|endswith|startswith|tolower|toupper|trim|concat|year|month|day|hour|minute|"
    "second|fractionalseconds|date|time|totaloffsetminutes|now|maxdatetime|mindatetime|"
    "totalseconds|round|floor|ceiling|isof|cast"
)


def _expression_tokenizer() -> Tokenizer:
    t = Tokenizer()
    hexd = "[0-9a-fA-F]"
    t.add(rf"^{hexd}{{8}}-{hexd}{{4}}-{hexd}{{4}}-{hexd}{{4}}-{hexd}{{12}}", Tok.GUID)
    t.add(_DURATION, Tok.DURATION)
    t.add(
        r"^[0-9]{4,4}-[0-9]{2,2}-[0-9]{2,2}T[0-9]{2,2}:[0-9]{2,2}(:[0-9]{2,2}(.[0-9]+)?)?"
        r"(Z|[+-][0-9]{2,2}:[0-9]{2,2})",
        Tok.DATETIME,
    )
    t.add(r"^-?[0-9]{4,4}-[0-9]{2,2}-[0-9]{2,2}", Tok.DATE)
    t.add(r"^[0-9]{2,2}:[0-9]{2,2}(:[0-9]{2,2}(.[0-9]+)?)?", Tok.TIME)
    t.add(r"^\(", Tok.OPEN_PAREN)
    t.add(r"^\)", Tok.CLOSE_PAREN)
    t.add(r"^(?P<token>/)(?i:any|all)", Tok.LAMBDA_NAV)
    t.add(r"^/", Tok.NAV)
    t.add(r"^=", Tok.ASSIGNMENT)
    t.add(r"^:", Tok.COLON, lambda _text: ",")
    t.add(r"^,", Tok.COMMA)
    t.add(r"(?i)^(?P<token>(geo.distance|geo.intersects|geo.length))[\s(]", Tok.FUNC)
    t.add(r"^geography" + _POLYGON, Tok.GEOGRAPHY_POLYGON)
    t.add(r"^geometry" + _POLYGON, Tok.GEOMETRY_POLYGON)
    t.add(r"(?i)^(?P<token>(substringof|substring|length|indexof|exists))[\s(]", Tok.FUNC)
    t.add(r"(?i)^(?P<token>(eq|ne|gt|ge|lt|le|and|or|not|has|in))[\s(]", Tok.LOGICAL)
    t.add(r"(?i)^(?P<token>(add|sub|mul|divby|div|mod))\s", Tok.OP)
    t.add(rf"(?i)^(?P<token>({_FUNCTIONS}))[\s(]", Tok.FUNC)
    t.add(r"(?i)^(?P<token>(any|all))[\s(]", Tok.LAMBDA)
    t.add(r"^null", Tok.NULL)
    t.add(r"^\$it", Tok.IT)
    t.add(r"^\$root", Tok.ROOT)
    t.add(r"^-?[0-9]+\.[0-9]+", Tok.FLOAT)
    t.add(r"^-?[0-9]+", Tok.INTEGER)
    t.add(r"^'(''|[^'])*'", Tok.STRING, _unescape_string)
    t.add(r"^(true|false)", Tok.BOOLEAN)
    t.add(r"^@*[a-zA-Z][a-zA-Z0-9_.]*", Tok.LITERAL, lambda text: text.replace("_x0020_", " "))
    t.ignore(r"^ ")
    return t


SEARCH_TOKENIZER = _search_tokenizer()
EXPRESSION_TOKENIZER = _expression_tokenizer()


# -- the shunting-yard parser (godata parser.go) ----------------------------------------------

LEFT, RIGHT, NONE = 0, 1, 2


@dataclass(frozen=True)
class _Operator:
    operands: int
    association: int
    precedence: int
    prefer_list: bool = False


@dataclass
class Node:
    """A parse-tree node."""

    token: Token
    children: list[Node] = field(default_factory=list)


@dataclass
class _StackEntry:
    token: Token
    arg_count: int = 0


class Parser:
    """godata's generic infix → postfix → tree parser."""

    def __init__(
        self,
        operators: Mapping[str, _Operator],
        functions: Mapping[str, Sequence[int]],
        literal: Tok | None,
    ) -> None:
        self.operators = dict(operators)
        self.functions = {name: sorted(counts, reverse=True) for name, counts in functions.items()}
        self.literal = literal

    def parse(self, tokens: list[Token]) -> Node | None:
        """The tree of ``tokens`` (None for no tokens); raise :class:`ODataError`."""
        return self._to_tree(self._to_postfix(tokens))

    def _to_postfix(self, tokens: list[Token]) -> list[Token]:
        queue: list[Token] = []
        stack: list[_StackEntry] = []

        def bump() -> None:
            if stack and stack[-1].token.value == "(":
                stack[-1].arg_count += 1

        pending = list(tokens)
        while pending:
            token = pending.pop(0)
            if token.value in self.functions:
                if not pending or pending[0].value != "(":
                    raise ODataError(f"Function '{token.value}' must be followed by '('")
                bump()
                stack.append(_StackEntry(token))
            elif token.value in self.operators:
                o1 = self.operators[token.value]
                while stack and stack[-1].token.value in self.operators:
                    o2 = self.operators[stack[-1].token.value]
                    if (o1.association == LEFT and o1.precedence <= o2.precedence) or (
                        o1.association == RIGHT and o1.precedence < o2.precedence
                    ):
                        queue.append(stack.pop().token)
                    else:
                        break
                if o1.operands == 1:
                    bump()
                stack.append(_StackEntry(token))
            elif token.value == "(":
                bump()
                stack.append(_StackEntry(token))
            elif token.value == ")":
                while stack and stack[-1].token.value != "(":
                    queue.append(stack.pop().token)
                if not stack:
                    raise ODataError("Parse error. Mismatched parenthesis.")
                arg_count = stack.pop().arg_count
                is_list = False
                pop_head = False
                if stack:
                    head = stack[-1].token
                    if head.value in self.functions:
                        pop_head = is_list = True
                    elif head.value in self.operators:
                        is_list = self.operators[head.value].prefer_list
                    elif self.literal is not None and head.type == self.literal:
                        is_list = pop_head = True
                if arg_count > 1:
                    is_list = True
                if is_list:
                    queue.append(Token(str(arg_count), Tok.ARG_COUNT))
                    queue.append(Token("list", Tok.LIST_EXPR))
                if pop_head:
                    queue.append(stack.pop().token)
            elif token.value == ",":
                while stack and stack[-1].token.value != "(":
                    queue.append(stack.pop().token)
                if not stack:
                    raise ODataError("Parse error")
            elif (
                self.literal is not None
                and token.type == self.literal
                and pending
                and pending[0].value == "("
            ):
                stack.append(_StackEntry(token))
            else:
                bump()
                queue.append(token)
        while stack:
            if stack[-1].token.value in ("(", ")"):
                raise ODataError("parse error. Mismatched parenthesis.")
            queue.append(stack.pop().token)
        return queue

    def _to_tree(self, queue: list[Token]) -> Node | None:
        stack: list[Node] = []
        current: Node | None = None

        def variadic(parent: Node) -> None:
            if not stack:
                raise ODataError("no argCount token found, stack is empty")
            count_node = stack.pop()
            if count_node.token.type != Tok.ARG_COUNT:
                raise ODataError("expected arg count token")
            for _ in range(int(count_node.token.value)):
                if not stack:
                    raise ODataError(f"missing argument found. '{parent.token.value}'")
                parent.children.insert(0, stack.pop())

        for token in queue:
            current = Node(token)
            stack.append(current)
            head = token
            if head.value in self.functions:
                node = stack.pop()
                if not stack:
                    raise ODataError("no list expression token found, stack is empty")
                listed = stack.pop()
                if listed.token.type != Tok.LIST_EXPR:
                    raise ODataError("expected list expression token")
                node.children = listed.children
                if len(node.children) not in self.functions[node.token.value]:
                    raise ODataError(
                        f"invalid number of arguments for function '{node.token.value}'. "
                        f"Got {len(node.children)} argument. "
                        f"Expected: {self.functions[node.token.value]}"
                    )
                stack.append(node)
            elif head.value in self.operators:
                node = stack.pop()
                for _ in range(self.operators[node.token.value].operands):
                    if not stack:
                        raise ODataError(
                            f"insufficient number of operands for operator '{node.token.value}'"
                        )
                    node.children.insert(0, stack.pop())
                stack.append(node)
            elif head.type == Tok.LIST_EXPR:
                node = stack.pop()
                variadic(node)
                stack.append(node)
            elif self.literal is not None and head.type == self.literal:
                node = stack.pop()
                if stack and stack[-1].token.type == Tok.LIST_EXPR:
                    node.children = stack.pop().children
                stack.append(node)
        if len(stack) > 1:
            raise ODataError("invalid expression")
        return current


SEARCH_PARSER = Parser(
    {
        "NOT": _Operator(1, NONE, 3),
        "AND": _Operator(2, LEFT, 2),
        "OR": _Operator(2, LEFT, 1),
    },
    {},
    None,
)

EXPRESSION_PARSER = Parser(
    {
        "/": _Operator(2, LEFT, 8),
        "has": _Operator(2, LEFT, 8),
        "in": _Operator(2, LEFT, 8, prefer_list=True),
        "-": _Operator(1, NONE, 7),
        "not": _Operator(1, RIGHT, 7),
        "cast": _Operator(2, NONE, 7),
        "mul": _Operator(2, NONE, 6),
        "div": _Operator(2, NONE, 6),
        "divby": _Operator(2, NONE, 6),
        "mod": _Operator(2, NONE, 6),
        "add": _Operator(2, NONE, 5),
        "sub": _Operator(2, NONE, 5),
        "gt": _Operator(2, LEFT, 4),
        "ge": _Operator(2, LEFT, 4),
        "lt": _Operator(2, LEFT, 4),
        "le": _Operator(2, LEFT, 4),
        "eq": _Operator(2, LEFT, 3),
        "ne": _Operator(2, LEFT, 3),
        "and": _Operator(2, LEFT, 2),
        "or": _Operator(2, LEFT, 1),
        "=": _Operator(2, RIGHT, 0),
    },
    {
        "contains": [2],
        "endswith": [2],
        "startswith": [2],
        "exists": [2],
        "length": [1],
        "indexof": [2],
        "substring": [2, 3],
        "substringof": [2],
        "tolower": [1],
        "toupper": [1],
        "trim": [1],
        "concat": [2],
        "year": [1],
        "month": [1],
        "day": [1],
        "hour": [1],
        "minute": [1],
        "second": [1],
        "fractionalseconds": [1],
        "date": [1],
        "time": [1],
        "totaloffsetminutes": [1],
        "now": [0],
        "maxdatetime": [0],
        "mindatetime": [0],
        "totalseconds": [1],
        "round": [1],
        "floor": [1],
        "ceiling": [1],
        "isof": [1, 2],
        "cast": [2],
        "geo.distance": [2],
        "geo.intersects": [2],
        "geo.length": [1],
        "any": [0, 2],
        "all": [2],
    },
    Tok.LITERAL,
)


# -- the parsed request -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExpandItem:
    """One ``$expand`` entry: its path segments and whether it carried options."""

    path: tuple[str, ...]
    has_options: bool


@dataclass(frozen=True)
class OrderBy:
    """One ``$orderby`` item."""

    field: str
    descending: bool


@dataclass
class Query:
    """The parsed OData system query options of one request."""

    search: Node | None = None
    filter: Node | None = None
    filter_raw: str = ""
    expand: list[ExpandItem] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    orderby: list[OrderBy] = field(default_factory=list)

    def expand_values(self) -> list[str]:
        """godata/OCIS ``GetExpandValues``: 501 for options or multi-segment paths."""
        values: list[str] = []
        for item in self.expand:
            if item.has_options:
                raise ODataError("options for $expand not supported", 501)
            if len(item.path) > 1:
                raise ODataError("multiple segments in $expand not supported", 501)
            values.append(item.path[0])
        return values

    def search_value(self) -> str:
        """OCIS ``GetSearchValues``: the plain term, quotes stripped; 501 when complex."""
        if self.search is None:
            return ""
        if self.search.children:
            raise ODataError("complex search queries are not supported", 501)
        return self.search.token.value.strip('"')


def parse_query(query: Mapping[str, Sequence[str]]) -> Query:
    """``godata.ParseRequest`` in strict mode; raise :class:`ODataError` (a 400 in OCIS)."""
    for key, values in query.items():
        if key not in SUPPORTED_KEYWORDS:
            text = f"Query parameter '{key}' is not supported"
            raise ODataError(f"{text}. Cause: {text}")
        if len(values) > 1:
            text = f"Query parameter '{key}' cannot be specified more than once"
            raise ODataError(f"{text}. Cause: {text}")

    def get(name: str) -> str:
        values = query.get(name)
        return values[0] if values else ""

    result = Query()
    if get("$filter"):
        result.filter = _parse_filter(get("$filter"))
        result.filter_raw = get("$filter")
    if get("at"):
        _parse_filter(get("at"))
    if get("$expand"):
        result.expand = _parse_expand(get("$expand"))
    if get("$select"):
        result.select = [part.strip() for part in get("$select").split(",")]
    if get("$orderby"):
        result.orderby = _parse_orderby(get("$orderby"))
    for name in ("$top", "$skip"):
        raw = get(name)
        if raw and not re.fullmatch(r"[0-9]+", raw):
            raise ODataError(f"Invalid {name} query option")
    if get("$count") and get("$count") not in ("true", "false"):
        raise ODataError("Invalid $count query option")
    if get("$search"):
        tokens = SEARCH_TOKENIZER.tokenize(get("$search"))
        result.search = SEARCH_PARSER.parse(tokens)
    if get("$format"):
        raise ODataError("Format is not supported", 501)
    return result


def _parse_filter(text: str) -> Node:
    tree = EXPRESSION_PARSER.parse(EXPRESSION_TOKENIZER.tokenize(text))
    if tree is None or (not tree.children and tree.token.type != Tok.BOOLEAN):
        raise ODataError("Value must be a boolean expression")
    return tree


def _split_top_level(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ODataError("Parse error. Mismatched parenthesis.")
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise ODataError("Parse error. Mismatched parenthesis.")
    parts.append("".join(current))
    return parts


def _parse_expand(text: str) -> list[ExpandItem]:
    items: list[ExpandItem] = []
    for raw in _split_top_level(text, ","):
        item = raw.strip()
        if not item:
            raise ODataError("Invalid expand clause")
        options = ""
        if "(" in item:
            item, _, options = item.partition("(")
            options = options[:-1] if options.endswith(")") else options
            if not options.strip():
                raise ODataError("Invalid expand clause")
        segments = tuple(segment for segment in item.strip().split("/"))
        if any(not segment for segment in segments):
            raise ODataError("Invalid expand clause")
        items.append(ExpandItem(segments, bool(options)))
    return items


def _parse_orderby(text: str) -> list[OrderBy]:
    items: list[OrderBy] = []
    for raw in text.split(","):
        words = raw.strip().split()
        if not words or len(words) > 2:
            raise ODataError(f"Invalid orderby clause '{raw.strip()}'")
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise ODataError(f"Invalid orderby clause '{raw.strip()}'")
        items.append(OrderBy(words[0], direction == "desc"))
    return items
