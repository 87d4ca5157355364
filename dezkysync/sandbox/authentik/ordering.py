"""DRF's OrderingFilter: ``?ordering=a,-b`` over a whitelist of fields; unknown fields are
dropped and, when none is left, the view's default ordering applies. NULLs sort last ascending
and first descending, as PostgreSQL does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")
SortKey = Callable[[Any], Any]


def requested_ordering(raw: str | None, fields: Mapping[str, SortKey]) -> list[tuple[str, bool]]:
    """The valid ``(field, descending)`` terms of ``raw``, in order."""
    if not raw:
        return []
    terms: list[tuple[str, bool]] = []
    for part in raw.split(","):
        term = part.strip()
        descending = term.startswith("-")
        name = term.lstrip("-")
        if name in fields:
            terms.append((name, descending))
    return terms


def apply_ordering(
    items: list[T], terms: list[tuple[str, bool]], fields: Mapping[str, SortKey]
) -> list[T]:
    """``items`` sorted by ``terms`` (stable: earlier terms win)."""
    ordered = list(items)
    for name, descending in reversed(terms):
        ordered.sort(key=_sort_key(fields[name]), reverse=descending)
    return ordered


def _sort_key(key: SortKey) -> Callable[[Any], tuple[bool, Any]]:
    return lambda item: _null_last(key(item))


def _null_last(value: Any) -> tuple[bool, Any]:
    return (value is None, "" if value is None else value)
