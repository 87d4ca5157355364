"""How recorded, live and file values read in the text and markdown renderers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from dezkysync.drift.pending import PRESENCE
from dezkysync.plan.render.values import value

_T = TypeVar("_T")


def shown(field: str, item: Any) -> str:
    """One value as an operator reads it (``present``/``absent`` plain, quotas in units)."""
    if field == PRESENCE and isinstance(item, str):
        return item
    return value(field, item)


def grouped(items: Iterable[_T], key: Any) -> Iterator[tuple[str, list[_T]]]:
    """``items`` grouped by ``key(item)``, keeping the order of first appearance."""
    groups: dict[str, list[_T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    yield from groups.items()
