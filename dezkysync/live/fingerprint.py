"""Fingerprints of live objects: what a saved plan records so that ``apply`` can tell whether
an object changed since the plan was computed."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

#: The fingerprint recorded for an object that did not exist when the plan was computed.
ABSENT = "absent"


def fingerprint(obj: object | None) -> str:
    """``sha256:<hex>`` of a canonical JSON form of a live object (``absent`` for None)."""
    if obj is None:
        return ABSENT
    text = json.dumps(_plain(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value
