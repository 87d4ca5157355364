"""Reading one tenant file: safe YAML that remembers where every key and value was written.

The reader is deliberately strict, because a tenant file is a contract about people's mail:
one UTF-8 document, a mapping at the top, no duplicate keys, no tabs in indentation, no
anchors, aliases or merge keys (so no "billion laughs" expansion can ever start), at most
``MAX_FILE_SIZE`` bytes. Every problem becomes a ``ValidationError`` with a line and column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dezkysync.tenants.errors import ValidationError

MAX_FILE_SIZE = 1024 * 1024
#: Tenant files are four levels deep; anything far deeper is an accident or an attack.
MAX_DEPTH = 32

DocPath = tuple[str | int, ...]
_Fail = Callable[..., "FileUnreadable"]  # (message, line=1, column=1) -> the exception

_MERGE_TAG = "tag:yaml.org,2002:merge"
_ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
_TYPE_NAMES = {
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:null": "null (nothing)",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:binary": "binary data",
    "tag:yaml.org,2002:str": "text",
    "tag:yaml.org,2002:map": "a mapping",
    "tag:yaml.org,2002:seq": "a list",
}


@dataclass(frozen=True)
class NodeInfo:
    """Where a YAML node was written and how."""

    line: int  # 1-based
    column: int  # 1-based
    tag: str  # the resolved YAML tag
    text: str | None = None  # the scalar's text as written (without quotes)
    plain: bool = False  # an unquoted scalar

    @property
    def type_name(self) -> str:
        """What YAML made of the value, in words ("a boolean", "text", ...)."""
        return _TYPE_NAMES.get(self.tag, f"a value tagged {self.tag}")


@dataclass
class Document:
    """One tenant file's content with the position of every key and value."""

    file: str
    data: dict[str, Any]
    values: dict[DocPath, NodeInfo] = field(default_factory=dict)
    keys: dict[DocPath, NodeInfo] = field(default_factory=dict)

    def value_at(self, path: DocPath) -> NodeInfo:
        """The node of the value at ``path`` (or of its nearest recorded parent)."""
        while path not in self.values and path:
            path = path[:-1]
        return self.values[path]

    def key_at(self, path: DocPath) -> NodeInfo:
        """The node of the key naming ``path`` (the value's node for list items)."""
        return self.keys.get(path) or self.value_at(path)

    def error(self, path: DocPath, message: str, *, at_key: bool = False) -> ValidationError:
        """A ``ValidationError`` at the value (or key) ``path`` points to."""
        info = self.key_at(path) if at_key else self.value_at(path)
        return ValidationError(self.file, info.line, info.column, location(path), message)


def location(path: DocPath) -> str:
    """A document path in the operator's notation: ``members[2].email``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


class FileUnreadable(Exception):
    """The file could not be read into a document; ``errors`` says why and where."""

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class _Refused(Exception):
    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


#: The event parser: libyaml's when PyYAML was built with it (thirty times faster), else the
#: pure-Python one. Only its events are used; composing and constructing happen below, with
#: ``SafeConstructor``, so both give the same values and positions.
_Parser: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _EventComposer:
    """Composes YAML events into nodes, refusing anchors, aliases and deep nesting.

    Refusing at the first anchor or alias means an alias bomb is rejected before anything is
    expanded. Depth is checked before descending, so hostile nesting cannot exhaust the stack.
    """

    def __init__(self, text: str) -> None:
        self.parser = _Parser(text)
        self.resolver = yaml.resolver.Resolver()

    def close(self) -> None:
        self.parser.dispose()

    def peek(self) -> Any:
        return self.parser.peek_event()  # type: ignore[no-untyped-call]

    def next(self) -> Any:
        return self.parser.get_event()  # type: ignore[no-untyped-call]

    def at(self, kind: type[yaml.Event]) -> bool:
        return isinstance(self.peek(), kind)

    def node(self, depth: int) -> Node:
        event: Any = self.next()  # either parser's event; marks are duck-typed
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark,
                f"YAML aliases (*{event.anchor}) are not allowed in tenant files; "
                "write the value out in full",
            )
        if getattr(event, "anchor", None) is not None:
            raise _Refused(
                event.start_mark,
                f"YAML anchors (&{event.anchor}) are not allowed in tenant files; "
                "write each value out in full",
            )
        if depth > MAX_DEPTH:
            raise _Refused(event.start_mark, f"values are nested more than {MAX_DEPTH} deep")
        tag = event.tag
        start: Any = event.start_mark  # yaml.Mark, or libyaml's own Mark type
        if isinstance(event, yaml.ScalarEvent):
            if tag is None or tag == "!":
                tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
            # libyaml reports the plain style as "", the Python parser as None
            style = event.style or None
            end: Any = event.end_mark
            return ScalarNode(tag, event.value, start, end, style)
        if isinstance(event, yaml.SequenceStartEvent):
            if tag is None or tag == "!":
                tag = self.resolver.resolve(SequenceNode, None, event.implicit)  # type: ignore[no-untyped-call]
            items = []
            while not self.at(yaml.SequenceEndEvent):
                items.append(self.node(depth + 1))
            end = self.next().end_mark
            return SequenceNode(tag, items, start, end, event.flow_style)
        if tag is None or tag == "!":
            tag = self.resolver.resolve(MappingNode, None, event.implicit)  # type: ignore[no-untyped-call]
        pairs = []
        while not self.at(yaml.MappingEndEvent):
            key = self.node(depth + 1)
            pairs.append((key, self.node(depth + 1)))
        end = self.next().end_mark
        return MappingNode(tag, pairs, start, end, event.flow_style)


def read_document(path: Path, file: str, *, max_size: int = MAX_FILE_SIZE) -> Document:
    """Read one tenant file; raises ``FileUnreadable`` with every problem found."""

    def fail(message: str, line: int = 1, column: int = 1) -> FileUnreadable:
        return FileUnreadable([ValidationError(file, line, column, "", message)])

    try:
        size = path.stat().st_size
        if size > max_size:
            raise fail(f"the file is {size} bytes; tenant files may be at most {max_size} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > max_size:  # grew since stat
        raise fail(f"the file is over {max_size} bytes; tenant files may be at most that")
    text = _decode(raw, fail)
    tab_errors = _tabs_in_indentation(text, file)
    if tab_errors:
        raise FileUnreadable(tab_errors)
    return _parse(text, file, fail)


def _decode(raw: bytes, fail: _Fail) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise fail("the file is UTF-16; tenant files must be UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start : exc.start].decode("utf-8")) + 1  # in characters
        raise fail(
            f"the file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot start or continue "
            "a character here; save the file as UTF-8",
            line,
            column,
        ) from None
    return text.removeprefix("\ufeff")


def _tabs_in_indentation(text: str, file: str) -> list[ValidationError]:
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" \t")
        if not stripped:
            continue
        indentation = line[: len(line) - len(stripped)]
        if "\t" in indentation:
            errors.append(
                ValidationError(
                    file,
                    number,
                    indentation.index("\t") + 1,
                    "",
                    "a tab is used for indentation; YAML allows only spaces there",
                )
            )
    return errors


def _parse(text: str, file: str, fail: _Fail) -> Document:
    composer: _EventComposer | None = None
    try:
        composer = _EventComposer(text)
        composer.next()  # stream start
        if composer.at(yaml.StreamEndEvent):
            raise fail("the file is empty; a tenant file describes one tenant")
        composer.next()  # document start
        root = composer.node(1)
        composer.next()  # document end
        if not composer.at(yaml.StreamEndEvent):
            mark = composer.peek().start_mark
            raise fail(
                "the file holds several YAML documents ('---'); put each tenant in its own file",
                mark.line + 1,
                mark.column + 1,
            )
        if isinstance(root, ScalarNode) and root.tag == "tag:yaml.org,2002:null":
            raise fail("the file is empty; a tenant file describes one tenant")
        if not isinstance(root, MappingNode):
            info = _info(root)
            raise fail(
                f"the top level of a tenant file must be a mapping (tenant: ..., name: ...), "
                f"not {info.type_name}",
                info.line,
                info.column,
            )
        builder = _Builder(file)
        data = builder.build(root, ())
        if builder.errors:
            raise FileUnreadable(builder.errors)
        assert isinstance(data, dict)
        return Document(file=file, data=data, values=builder.values, keys=builder.keys)
    except _Refused as exc:
        raise fail(exc.message, exc.mark.line + 1, exc.mark.column + 1) from None
    except yaml.MarkedYAMLError as exc:
        raise fail(*_syntax_error(exc)) from None
    except yaml.reader.ReaderError as exc:
        raise fail(*_reader_error(exc, text)) from None
    finally:
        if composer is not None:
            composer.close()


def _reader_error(exc: yaml.reader.ReaderError, text: str) -> tuple[str, int, int]:
    # The pure-Python reader counts characters; libyaml counts bytes of the UTF-8 encoding.
    position = exc.position
    if _Parser is not yaml.SafeLoader:
        position = len(text.encode("utf-8")[:position].decode("utf-8", errors="ignore"))
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    if isinstance(exc.character, int):
        return f"character U+{exc.character:04X} is not allowed in a YAML file", line, column
    return f"the file cannot be read as YAML: {exc.reason}", line, column


def _syntax_error(exc: yaml.MarkedYAMLError) -> tuple[str, int, int]:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "invalid YAML"
    message = f"YAML syntax error: {problem}"
    if exc.context and exc.context_mark is not None:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    if "'\\t'" in problem:
        message += "; tabs cannot indent or start values, use spaces"
    if mark is None:
        return message, 1, 1
    return message, mark.line + 1, mark.column + 1


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag


def _info(node: Node) -> NodeInfo:
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, ScalarNode):
        return NodeInfo(line, column, node.tag, node.value, node.style is None)
    return NodeInfo(line, column, node.tag)


class _Builder:
    """Turns composed nodes into plain data, recording positions and duplicate keys."""

    def __init__(self, file: str) -> None:
        self.constructor = yaml.constructor.SafeConstructor()
        self.file = file
        self.values: dict[DocPath, NodeInfo] = {}
        self.keys: dict[DocPath, NodeInfo] = {}
        self.errors: list[ValidationError] = []

    def _error(self, info: NodeInfo, path: DocPath, message: str) -> None:
        self.errors.append(
            ValidationError(self.file, info.line, info.column, location(path), message)
        )

    def build(self, node: Node, path: DocPath) -> Any:
        info = _info(node)
        self.values[path] = info
        if node.tag not in _ALLOWED_TAGS:
            self._error(
                info,
                path,
                f"YAML tag {_short_tag(node.tag)!r} is not allowed in tenant files; "
                "write plain values",
            )
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: DocPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_info = _info(key_node)
            if key_node.tag == _MERGE_TAG:
                self._error(
                    key_info,
                    path,
                    "merge keys (<<) are not supported in tenant files; write the keys out",
                )
                continue
            if not isinstance(key_node, ScalarNode):
                self._error(key_info, path, f"a key must be plain text, not {key_info.type_name}")
                continue
            key = str(key_node.value)
            if key in result:
                first = self.keys[(*path, key)]
                self._error(
                    key_info,
                    (*path, key),
                    f"duplicate key {key!r} (first written at line {first.line}); "
                    "YAML would silently keep only one of them",
                )
                continue
            self.keys[(*path, key)] = key_info
            result[key] = self.build(value_node, (*path, key))
        return result

    def _scalar(self, node: Node, path: DocPath) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            self._error(_info(node), path, f"cannot read this value: {exc.problem}")
        except (ValueError, TypeError, OverflowError) as exc:
            self._error(
                _info(node), path, f"cannot read this value as {_info(node).type_name}: {exc}"
            )
        return None
