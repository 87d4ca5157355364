"""Shared list-filter semantics: the ``attributes`` JSON filter, DRF search, choice errors.

The ``attributes`` filter turns ``{"k": v}`` into the Django lookup ``attributes__k=v``: ``__``
walks into nested objects (and list indexes), and a trailing Django lookup name (``iexact``,
``icontains``, ``in``, ``isnull``, ``gt`` ...) applies that lookup to the value found. A lookup
that Django would reject with ``ValueError`` (e.g. ``isnull`` with a non-boolean) drops the whole
filter, so every object comes back, exactly as authentik does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from dezkysync.sandbox.authentik.errors import ValidationFailed

Predicate = Callable[[dict[str, Any]], bool]

_MISSING = object()
_TEXT_LOOKUPS = {
    "iexact": lambda text, arg: text.lower() == arg.lower(),
    "icontains": lambda text, arg: arg.lower() in text.lower(),
    "startswith": lambda text, arg: text.startswith(arg),
    "istartswith": lambda text, arg: text.lower().startswith(arg.lower()),
    "endswith": lambda text, arg: text.endswith(arg),
    "iendswith": lambda text, arg: text.lower().endswith(arg.lower()),
    "regex": lambda text, arg: re.search(arg, text) is not None,
    "iregex": lambda text, arg: re.search(arg, text, re.IGNORECASE) is not None,
}
_ORDER_LOOKUPS = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
_LOOKUPS = {"exact", "contains", "in", "isnull", *_TEXT_LOOKUPS, *_ORDER_LOOKUPS}


class _DropFilter(Exception):
    """Django would raise ValueError for this lookup: authentik then ignores the filter."""


def choice_error(param: str, value: str) -> ValidationFailed:
    """django-filter's error for a value that is not one of the choices."""
    return ValidationFailed(
        {param: [f"Select a valid choice. {value} is not one of the available choices."]}
    )


def attributes_predicate(raw: str) -> Predicate | None:
    """Parse the ``attributes`` filter; None when authentik would drop it (match all)."""
    try:
        wanted = json.loads(raw)
    except ValueError:
        raise ValidationFailed(["filter: failed to parse JSON"]) from None
    if not isinstance(wanted, dict):
        raise ValidationFailed(["filter: value must be key:value mapping"])
    checks: list[Predicate] = []
    try:
        for key, expected in wanted.items():
            checks.append(_lookup(str(key), expected))
    except _DropFilter:
        return None
    return lambda attributes: all(check(attributes) for check in checks)


def _lookup(key: str, expected: Any) -> Predicate:
    parts = key.split("__")
    lookup = "exact"
    if len(parts) > 1 and parts[-1] in _LOOKUPS:
        lookup = parts.pop()
    if lookup == "isnull":
        if not isinstance(expected, bool):
            raise _DropFilter()
        return lambda attrs: (_walk(attrs, parts) is _MISSING) is expected
    if lookup == "in":
        if not isinstance(expected, list):
            raise _DropFilter()
        return lambda attrs: any(json_equal(_walk(attrs, parts), e) for e in expected)
    if lookup == "exact":
        return lambda attrs: json_equal(_walk(attrs, parts), expected)
    if lookup == "contains":
        return lambda attrs: json_contains(_walk(attrs, parts), expected)
    if lookup in _TEXT_LOOKUPS:
        text_check = _TEXT_LOOKUPS[lookup]
        argument = expected if isinstance(expected, str) else json.dumps(expected)
        return lambda attrs: _text_match(_walk(attrs, parts), argument, text_check)
    order_check = _ORDER_LOOKUPS[lookup]
    return lambda attrs: _ordered(_walk(attrs, parts), expected, order_check)


def _walk(value: Any, parts: list[str]) -> Any:
    current = value
    for part in parts:
        if isinstance(current, dict):
            if part not in current:
                return _MISSING
            current = current[part]
        elif isinstance(current, list) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return _MISSING
            current = current[index]
        else:
            return _MISSING
    return current


def _text_match(found: Any, argument: str, check: Callable[[str, str], bool]) -> bool:
    if found is _MISSING or found is None:
        return False
    text = found if isinstance(found, str) else json.dumps(found)
    return check(text, argument)


def _ordered(found: Any, expected: Any, check: Callable[[Any, Any], bool]) -> bool:
    if found is _MISSING:
        return False
    if _is_number(found) and _is_number(expected):
        return bool(check(found, expected))
    if isinstance(found, str) and isinstance(expected, str):
        return bool(check(found, expected))
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_equal(left: Any, right: Any) -> bool:
    """JSON value equality (``true`` is not ``1``; ``2`` equals ``2.0``)."""
    if left is _MISSING:
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return False
        return all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and bool(left == right)


def json_contains(container: Any, contained: Any) -> bool:
    """PostgreSQL ``@>`` containment."""
    if container is _MISSING:
        return False
    if isinstance(container, dict) and isinstance(contained, dict):
        return all(k in container and json_contains(container[k], v) for k, v in contained.items())
    if isinstance(container, list):
        if isinstance(contained, list):
            return all(any(json_contains(c, item) for c in container) for item in contained)
        return any(json_equal(c, contained) for c in container)
    return json_equal(container, contained)


def search_terms(raw: str | None) -> list[str]:
    """DRF SearchFilter's terms: split on whitespace and commas."""
    if not raw:
        return []
    return [term for term in re.split(r"[\s,]+", raw.replace("\x00", "")) if term]


def matches_search(terms: list[str], values: Iterable[str]) -> bool:
    """Every term is contained (case-insensitively) in at least one of ``values``."""
    folded = [v.casefold() for v in values]
    return all(any(term.casefold() in value for value in folded) for term in terms)
