"""The registry: every object by type and id, with the indexes Stalwart keeps.

Each write goes through :meth:`Registry.check` first (foreign keys exist, unique keys are
free — ``invalidForeignKey`` / ``primaryKeyViolation``), then :meth:`insert`, :meth:`replace`
or :meth:`delete`, which keep these indexes current:

- search indexes ``kind -> index -> value -> {ids}`` (query filters and sorting),
- unique keys ``(scope, property, value) -> (kind, id)``; scope ``None`` is global (the
  ``email`` key shared by accounts, mailing lists and every alias),
- references ``(kind, id) -> {(kind, id)}`` for ``objectIsLinked``,
- the sorted ids of each kind (pagination slices it).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dezkysync.sandbox.stalwart.errors import set_error
from dezkysync.sandbox.stalwart.ids import encode_id

UniqueKey = tuple[str | None, str, Hashable]
_WORD = re.compile(r"[^\W_]{2,}")


@dataclass
class IndexKeys:
    """What one object contributes to the indexes."""

    search: list[tuple[str, Hashable]] = field(default_factory=list)
    unique: list[UniqueKey] = field(default_factory=list)
    refs: list[tuple[str, int, str | None]] = field(default_factory=list)  # kind, id, @type


def tokens(*texts: str | None) -> set[str]:
    """Words of ``texts`` as the text index keeps them: lowercase, split on non-alphanumeric
    characters, longer than one character."""
    words: set[str] = set()
    for text in texts:
        if text:
            words.update(word.lower() for word in _WORD.findall(text))
    return words


class Registry:
    """All registry objects of one emulated server."""

    def __init__(self, index_keys: Callable[[str, Any], IndexKeys], kinds: Iterable[str]) -> None:
        self._index_keys = index_keys
        self.objects: dict[str, dict[int, Any]] = {kind: {} for kind in kinds}
        self.order: dict[str, list[int]] = {kind: [] for kind in self.objects}
        self.counters: dict[str, int] = {kind: 0 for kind in self.objects}
        self.search: dict[str, dict[str, dict[Hashable, set[int]]]] = {
            kind: {} for kind in self.objects
        }
        self.unique: dict[UniqueKey, tuple[str, int]] = {}
        self.refs: dict[tuple[str, int], set[tuple[str, int]]] = {}
        self._keys: dict[tuple[str, int], IndexKeys] = {}

    # -- reading ------------------------------------------------------------------------
    def get(self, kind: str, ident: int) -> Any | None:
        return self.objects[kind].get(ident)

    def ids(self, kind: str) -> list[int]:
        """Every id of ``kind``, ascending (do not mutate)."""
        return self.order[kind]

    def count(self, kind: str) -> int:
        return len(self.order[kind])

    def find(self, kind: str, index: str, value: Hashable) -> set[int]:
        return self.search[kind].get(index, {}).get(value, set())

    def index_values(self, kind: str, index: str) -> dict[Hashable, set[int]]:
        return self.search[kind].get(index, {})

    def owner(self, key: UniqueKey) -> tuple[str, int] | None:
        return self.unique.get(key)

    def linked(self, kind: str, ident: int) -> list[tuple[str, int]]:
        """Objects referencing ``(kind, ident)``, ordered by object type then id."""
        return sorted(self.refs.get((kind, ident), set()))

    # -- checking -----------------------------------------------------------------------
    def check(self, kind: str, ident: int | None, keys: IndexKeys) -> dict[str, Any] | None:
        """The SetError a write of these keys would meet, or None."""
        old = self._keys.get((kind, ident)) if ident is not None else None
        for target_kind, target_id, type_filter in keys.refs:
            target = self.objects.get(target_kind, {}).get(target_id)
            exists = target is not None and (
                type_filter is None or target_id in self.find(target_kind, "@type", type_filter)
            )
            if not exists:
                return set_error("invalidForeignKey", object_id=(target_kind, encode_id(target_id)))
        for key in keys.unique:
            if old is not None and key in old.unique:
                continue
            existing = self.unique.get(key)
            if existing is not None and existing != (kind, ident):
                return set_error(
                    "primaryKeyViolation",
                    properties=[key[1]],
                    object_id=(existing[0], encode_id(existing[1])),
                )
        return None

    # -- writing ------------------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]

    def insert(self, kind: str, ident: int, record: Any, keys: IndexKeys | None = None) -> None:
        self.objects[kind][ident] = record
        order = self.order[kind]
        if not order or order[-1] < ident:
            order.append(ident)
        else:
            bisect.insort(order, ident)
        self._add_keys(kind, ident, keys or self._index_keys(kind, record))

    def replace(self, kind: str, ident: int, record: Any, keys: IndexKeys | None = None) -> None:
        self._drop_keys(kind, ident)
        self.objects[kind][ident] = record
        self._add_keys(kind, ident, keys or self._index_keys(kind, record))

    def delete(self, kind: str, ident: int) -> None:
        self._drop_keys(kind, ident)
        del self.objects[kind][ident]
        order = self.order[kind]
        position = bisect.bisect_left(order, ident)
        if position < len(order) and order[position] == ident:
            del order[position]

    def rebuild(self) -> None:
        """Recompute every index from the stored objects (after a restore)."""
        self.unique.clear()
        self.refs.clear()
        self._keys.clear()
        for kind, objects in self.objects.items():
            self.search[kind] = {}
            self.order[kind] = sorted(objects)
            for ident, record in objects.items():
                self._add_keys(kind, ident, self._index_keys(kind, record))

    def _add_keys(self, kind: str, ident: int, keys: IndexKeys) -> None:
        self._keys[(kind, ident)] = keys
        indexes = self.search[kind]
        for index, value in keys.search:
            indexes.setdefault(index, {}).setdefault(value, set()).add(ident)
        for key in keys.unique:
            self.unique[key] = (kind, ident)
        for target_kind, target_id, _ in keys.refs:
            self.refs.setdefault((target_kind, target_id), set()).add((kind, ident))

    def _drop_keys(self, kind: str, ident: int) -> None:
        keys = self._keys.pop((kind, ident), None)
        if keys is None:
            return
        indexes = self.search[kind]
        for index, value in keys.search:
            bucket = indexes.get(index, {})
            members = bucket.get(value)
            if members is not None:
                members.discard(ident)
                if not members:
                    del bucket[value]
        for key in keys.unique:
            if self.unique.get(key) == (kind, ident):
                del self.unique[key]
        for target_kind, target_id, _ in keys.refs:
            referrers = self.refs.get((target_kind, target_id))
            if referrers is not None:
                referrers.discard((kind, ident))
                if not referrers:
                    del self.refs[(target_kind, target_id)]
