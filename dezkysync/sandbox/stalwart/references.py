"""Result references (RFC 8620 §3.7): ``"#ids": {"resultOf", "name", "path"}``.

The referenced call must have answered already, under exactly ``name`` (an ``error`` response
never matches); ``path`` is a JSON pointer where ``*`` maps over a list (``/list/*/id``) and
nested lists are flattened.
"""

from __future__ import annotations

from typing import Any

from dezkysync.sandbox.stalwart.errors import MethodError


def resolve_result_references(
    args: dict[str, Any], responses: list[tuple[str, dict[str, Any], str]]
) -> dict[str, Any]:
    """``args`` with every ``#name`` reference replaced by the value it points at."""
    if not any(isinstance(key, str) and key.startswith("#") for key in args):
        return args
    resolved: dict[str, Any] = {}
    for key, value in args.items():
        if not key.startswith("#"):
            resolved[key] = value
            continue
        name = key[1:]
        if name in args:
            raise MethodError(
                "invalidArguments", f"Argument {name} is both a value and a result reference"
            )
        if not (
            isinstance(value, dict)
            and all(isinstance(value.get(part), str) for part in ("resultOf", "name", "path"))
        ):
            raise MethodError("invalidResultReference", f"Invalid result reference for {name}")
        target = next((r for r in responses if r[2] == value["resultOf"]), None)
        if target is None:
            raise MethodError(
                "invalidResultReference", f"Result reference {value['resultOf']} not found"
            )
        if target[0] != value["name"]:
            raise MethodError(
                "invalidResultReference",
                f"Result reference {value['resultOf']} is {target[0]}, not {value['name']}",
            )
        resolved[name] = evaluate_pointer(target[1], value["path"])
    return resolved


def evaluate_pointer(document: Any, path: str) -> Any:
    """The value at ``path`` in ``document`` (``*`` over lists)."""
    if path in ("", "/"):
        return document
    if not path.startswith("/"):
        raise MethodError("invalidResultReference", f"Invalid path {path}")
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]
    return _walk(document, parts, path)


def _walk(value: Any, parts: list[str], path: str) -> Any:
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(value, dict):
            value = list(value.values())
        if not isinstance(value, list):
            raise MethodError("invalidResultReference", f"Path {path} does not match a list")
        out: list[Any] = []
        for item in value:
            found = _walk(item, rest, path)
            if isinstance(found, list):
                out.extend(found)
            else:
                out.append(found)
        return out
    if isinstance(value, dict) and head in value:
        return _walk(value[head], rest, path)
    if isinstance(value, list) and head.isdigit() and int(head) < len(value):
        return _walk(value[int(head)], rest, path)
    raise MethodError("invalidResultReference", f"Path {path} not found in result")
