"""Comparing a capture's expected JSON with an emulator response, field by field.

Rules (from ocis-captures/README.md): the capture's schemas are open, so the response may carry
more fields and more list items than shown; ``<uuid>``, ``<storage-uuid>$<space-uuid>``,
``https://<host>`` and ``<RFC3339 …>`` are placeholders; an id, date, eTag or URL with a concrete
value in a capture is a generated value whose *shape* is checked, not its value; a list item
written as ``"<…>"`` stands for "other items".
"""

from __future__ import annotations

import re
from typing import Any

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
DRIVE_ID = rf"{UUID}\${UUID}"
RFC3339 = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_PLACEHOLDERS = [
    ("<storage-uuid>$<space-uuid>", DRIVE_ID),
    ("<uuid>", UUID),
    ("https://<host>", r"https?://[^/]+"),
    ("<X-Request-Id>", r".+"),
]
GENERATED_KEYS = frozenset(
    {"id", "request-id", "date", "eTag", "lastModifiedDateTime", "webUrl", "webDavUrl"}
)


def is_placeholder(value: Any) -> bool:
    """A capture string that stands for something not asserted (``"<...>"``)."""
    return isinstance(value, str) and value.startswith("<") and value.endswith(">")


def _pattern(expected: str) -> str:
    if expected.startswith("<RFC3339"):
        return RFC3339
    pattern = re.escape(expected)
    for placeholder, regex in _PLACEHOLDERS:
        pattern = pattern.replace(re.escape(placeholder), regex)
    return re.sub(r"<[^>]*>", ".*", pattern) if "<" in expected else pattern


def _generated_shape(expected: str) -> str:
    """A regex for a generated value of the same kind as ``expected``."""
    if re.fullmatch(UUID, expected):
        return UUID
    if re.fullmatch(RFC3339, expected):
        return RFC3339
    if expected.startswith('"') and expected.endswith('"'):
        return r'"[0-9a-f]+"'
    url = re.fullmatch(r"https?://[^/]+(/.*)?/[^/]+", expected)
    if url:
        prefix = re.escape(url.group(1) or "")
        return rf"https?://[^/]+{prefix}/{DRIVE_ID}"
    if "$" in expected:
        return DRIVE_ID
    return r".+"


def mismatches(expected: Any, actual: Any, where: str = "$", key: str = "") -> list[str]:
    """Every difference between ``expected`` (capture) and ``actual`` (response JSON)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        found: list[str] = []
        for name, value in expected.items():
            if name == "...":
                continue
            if name not in actual:
                found.append(f"{where}.{name}: missing")
                continue
            found.extend(mismatches(value, actual[name], f"{where}.{name}", name))
        return found
    if isinstance(expected, list):
        return _list_mismatches(expected, actual, where)
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return [f"{where}: expected a string, got {actual!r}"]
        if "<" in expected and ">" in expected:
            pattern = _pattern(expected)
        elif key in GENERATED_KEYS:
            pattern = _generated_shape(expected)
        else:
            return [] if expected == actual else [f"{where}: {actual!r} != {expected!r}"]
        return [] if re.fullmatch(pattern, actual) else [f"{where}: {actual!r} !~ {pattern}"]
    if expected != actual or type(expected) is not type(actual):
        return [f"{where}: {actual!r} != {expected!r}"]
    return []


def _list_mismatches(expected: list[Any], actual: Any, where: str) -> list[str]:
    if not isinstance(actual, list):
        return [f"{where}: expected a list, got {actual!r}"]
    remaining = list(actual)
    found: list[str] = []
    for index, item in enumerate(expected):
        if is_placeholder(item):
            continue
        for candidate in remaining:
            if not mismatches(item, candidate, f"{where}[{index}]"):
                remaining.remove(candidate)
                break
        else:
            found.append(f"{where}[{index}]: no item matches {item!r} in {actual!r}")
    return found


def assert_matches(expected: Any, actual: Any) -> None:
    """Fail with every difference listed."""
    problems = mismatches(expected, actual)
    assert not problems, "\n".join(problems)
