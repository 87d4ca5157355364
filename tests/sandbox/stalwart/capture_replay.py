"""Helpers for replaying ``../shared/reference/stalwart-captures``: placeholders and matching.

Captures written from Stalwart's tests use placeholders such as ``"<user id>"``; a replay fills
the ones it set up (:func:`fill`) and :func:`match` binds the others to what the emulator
answered, so "the same id" stays the same across steps. Matching is a subset match (test
captures list only what the test asserted); live captures are compared whole by the callers.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.support.contract import load_captures

PLACEHOLDER = re.compile(r"^<[^<>]+>$")
WIRE_ID = re.compile(r"^[a-z0-9]{1,13}$")
UTC_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def capture(name: str) -> dict[str, Any]:
    """One capture file, parsed (skips the test when the reference folder is absent)."""
    for found, data in load_captures("stalwart-captures"):
        if found == name:
            return data
    raise AssertionError(f"capture {name} not found")


def all_capture_names() -> set[str]:
    return {name for name, _ in load_captures("stalwart-captures")}


def fill(value: Any, bindings: dict[str, Any]) -> Any:
    """``value`` with every bound placeholder (also in object keys) replaced."""
    if isinstance(value, str):
        if PLACEHOLDER.match(value):
            if value not in bindings:
                raise AssertionError(f"unbound placeholder {value}")
            return bindings[value]
        return value
    if isinstance(value, list):
        return [fill(item, bindings) for item in value]
    if isinstance(value, dict):
        return {fill(key, bindings): fill(item, bindings) for key, item in value.items()}
    return value


def match(expected: Any, actual: Any, bindings: dict[str, Any], where: str = "") -> None:
    """Assert ``actual`` contains ``expected``; unbound placeholders bind to actual values."""
    if isinstance(expected, str) and PLACEHOLDER.match(expected):
        if expected in bindings:
            assert actual == bindings[expected], f"{where}: {actual!r} != {expected}"
        else:
            assert isinstance(actual, str) and actual, f"{where}: {actual!r} for {expected}"
            bindings[expected] = actual
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, item in expected.items():
            real_key = bindings.get(key, key) if PLACEHOLDER.match(key) else key
            if PLACEHOLDER.match(key) and key not in bindings:
                assert len(actual) == 1, f"{where}: cannot bind {key} in {actual!r}"
                real_key = next(iter(actual))
                bindings[key] = real_key
            assert real_key in actual, f"{where}: missing {real_key} in {json.dumps(actual)}"
            match(item, actual[real_key], bindings, f"{where}/{real_key}")
        return
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (
            f"{where}: {actual!r} vs {expected!r}"
        )
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            match(left, right, bindings, f"{where}/{index}")
        return
    assert actual == expected, f"{where}: {actual!r} != {expected!r}"
