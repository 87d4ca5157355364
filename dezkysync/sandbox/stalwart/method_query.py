"""``x:<Object>/query``, ported from Stalwart's ``registry/query.rs`` and
``QueryResponseBuilder``, quirks included.

- Filters: AND of indexed properties only (``OR``/``NOT``: ``unsupportedFilter`` "Only AND is
  supported in filters"); ``<prop>IsGreaterThan`` etc. compare; ``text`` matches words.
- Sort: the first comparator only; default ``id`` descending; other properties only when the
  object indexes them (else ``unsupportedSort``).
- Fast path (sort by ``id``, no ``calculateTotal``, no ``anchorOffset``, ``position`` absent or
  > 0): the store pages the *ascending* id list (``position`` skips, ``anchor`` starts after
  the anchor, ``limit`` caps at 5000) and only then is the page reversed for a descending sort;
  the response then shows ``position: 0`` and never ``limit``. Otherwise every match is sorted
  and paged by the builder (``position`` may be negative, ``anchorNotFound``, ``total`` when
  asked, ``limit`` only when results were cut).
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from dezkysync.sandbox.stalwart.calls import QUERY_MAX_RESULTS, CallContext
from dezkysync.sandbox.stalwart.errors import ANCHOR_NOT_FOUND, MethodError
from dezkysync.sandbox.stalwart.ids import decode_id, encode_id
from dezkysync.sandbox.stalwart.objects import FilterSpec, Kind
from dezkysync.sandbox.stalwart.schema import KNOWN_PROPERTIES
from dezkysync.sandbox.stalwart.store import Registry, tokens

_OPERATORS = (
    ("IsGreaterThanOrEqual", "ge"),
    ("IsLessThanOrEqual", "le"),
    ("IsGreaterThan", "gt"),
    ("IsLessThan", "lt"),
)
_ACCOUNT_TYPES = ("User", "Group")


@dataclass(frozen=True)
class Condition:
    """One filter condition: search index, operator and decoded value."""

    spec: FilterSpec
    operator: str
    value: Hashable


@dataclass
class Page:
    """The paging arguments that reach :class:`QueryResponseBuilder`."""

    position: int | None = None
    anchor: int | None = None
    anchor_offset: int | None = None
    limit: int | None = None
    calculate_total: bool = False


def query_objects(kind: Kind, args: dict[str, Any], call: CallContext) -> dict[str, Any]:
    """Answer one ``/query`` call."""
    account_id = call.account_id(args)
    if kind.singleton:
        raise MethodError("invalidArguments", f"{kind.name} objects cannot be queried")
    conditions = _conditions(kind, args.get("filter"))
    sort_by, ascending = _sort(kind, args.get("sort"))
    page = _page(args)
    registry = call.state.registry
    fast = (
        sort_by == "id"
        and not page.calculate_total
        and page.anchor_offset in (None, 0)
        and (page.position is None or page.position > 0)
    )
    if fast:
        limit = min(page.limit, QUERY_MAX_RESULTS) if page.limit is not None else QUERY_MAX_RESULTS
        results = _store_query(registry, kind, conditions, page.anchor, page.position, limit)
        if not ascending:
            results.reverse()
        page = Page()
    else:
        matches = _store_query(registry, kind, conditions) if conditions else None
        if sort_by == "id":
            results = list(matches if matches is not None else registry.ids(kind.name))
            if not ascending:
                results.reverse()
        else:
            results = _sort_by_index(registry, kind, kind.sortable[sort_by], matches, ascending)
    builder = QueryResponseBuilder(len(results), account_id, page)
    for ident in results:
        if not builder.add(ident):
            break
    return builder.build()


def _conditions(kind: Kind, raw: Any) -> list[Condition]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise MethodError("invalidArguments", "filter must be an object")
    if "operator" in raw:
        operator = raw.get("operator")
        if operator != "AND":
            raise MethodError("unsupportedFilter", "Only AND is supported in filters")
        found: list[Condition] = []
        for inner in raw.get("conditions") or []:
            found.extend(_conditions(kind, inner))
        return found
    found = []
    for key, value in raw.items():
        prop, operator = key, "eq"
        for suffix, name in _OPERATORS:
            if key.endswith(suffix) and len(key) > len(suffix):
                prop, operator = key[: -len(suffix)], name
                break
        spec = kind.filters.get(prop)
        if spec is None:
            detail = (
                f"Filter on property {prop} is not supported or invalid"
                if prop in KNOWN_PROPERTIES or prop == "@type"
                else key
            )
            raise MethodError("unsupportedFilter", detail)
        decoded = _decode(spec, value)
        if decoded is None or (spec.value in ("enum", "text") and operator != "eq"):
            raise MethodError(
                "unsupportedFilter", f"Filter on property {prop} is not supported or invalid"
            )
        found.append(Condition(spec, operator, decoded))
    return found


def _decode(spec: FilterSpec, value: Any) -> Hashable | None:
    if spec.value == "id":
        return decode_id(value)
    if spec.value == "enum":
        return value if value in _ACCOUNT_TYPES else None
    if spec.value in ("keyword", "text"):
        return value if isinstance(value, str) else None
    if spec.value == "number":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return value if isinstance(value, bool) else None


def _sort(kind: Kind, raw: Any) -> tuple[str, bool]:
    if raw is None or raw == []:
        return "id", False
    if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
        raise MethodError("invalidArguments", "sort must be a list of comparators")
    first = raw[0]
    prop = first.get("property")
    ascending = first.get("isAscending", True)
    if not isinstance(prop, str) or not isinstance(ascending, bool):
        raise MethodError("invalidArguments", "invalid comparator")
    if prop != "id" and prop not in kind.sortable:
        raise MethodError("unsupportedSort", f"Property {prop} is not supported for sorting")
    return prop, ascending


def _page(args: dict[str, Any]) -> Page:
    def integer(name: str, minimum: int | None = None) -> int | None:
        value = args.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise MethodError("invalidArguments", f"{name} must be an integer")
        if minimum is not None and value < minimum:
            raise MethodError("invalidArguments", f"{name} must be at least {minimum}")
        return value

    anchor_raw = args.get("anchor")
    anchor = None
    if anchor_raw is not None:
        anchor = decode_id(anchor_raw)
        if anchor is None:
            raise MethodError("invalidArguments", "anchor must be an id")
    total = args.get("calculateTotal")
    if total is not None and not isinstance(total, bool):
        raise MethodError("invalidArguments", "calculateTotal must be a boolean")
    return Page(
        position=integer("position"),
        anchor=anchor,
        anchor_offset=integer("anchorOffset"),
        limit=integer("limit", 0),
        calculate_total=bool(total),
    )


def _matches(registry: Registry, kind: Kind, condition: Condition) -> set[int]:
    index = condition.spec.index
    if condition.spec.value == "text":
        words = tokens(str(condition.value))
        if not words:
            return set()
        found: set[int] | None = None
        for word in words:
            members = registry.find(kind.name, index, word)
            found = set(members) if found is None else found & members
            if not found:
                return set()
        return found or set()
    if condition.operator == "eq":
        return set(registry.find(kind.name, index, condition.value))
    result: set[int] = set()
    target: Any = condition.value
    for value, members in registry.index_values(kind.name, index).items():
        current: Any = value
        if type(current) is not type(target):
            continue
        if (
            (condition.operator == "gt" and current > target)
            or (condition.operator == "ge" and current >= target)
            or (condition.operator == "lt" and current < target)
            or (condition.operator == "le" and current <= target)
        ):
            result |= members
    return result


def _store_query(
    registry: Registry,
    kind: Kind,
    conditions: list[Condition],
    anchor: int | None = None,
    position: int | None = None,
    limit: int | None = None,
) -> list[int]:
    """Matching ids ascending, paged the way the registry store pages them."""
    if conditions:
        found: set[int] | None = None
        for condition in conditions:
            members = _matches(registry, kind, condition)
            found = members if found is None else found & members
            if not found:
                return []
        ordered = sorted(found or set())
    else:
        ordered = registry.ids(kind.name)
        if anchor is not None:
            ordered = ordered[bisect.bisect_right(ordered, anchor) :]
            anchor = None
    start = 0
    if anchor is not None:
        try:
            start = ordered.index(anchor) + 1
        except ValueError:
            return []
    elif position is not None and position > 0:
        start = position
    # The store checks the limit after taking an id, so a limit of 0 still yields one.
    end = len(ordered) if limit is None else start + max(limit, 1)
    return list(ordered[start:end])


def _sort_by_index(
    registry: Registry, kind: Kind, index: str, matches: list[int] | None, ascending: bool
) -> list[int]:
    entries: list[tuple[Any, int]] = []
    seen: set[int] = set()
    wanted = set(matches) if matches is not None else None
    for value, members in registry.index_values(kind.name, index).items():
        key = kind.sort_value(index, value)
        for ident in members:
            if wanted is None or ident in wanted:
                entries.append((key, ident))
                seen.add(ident)
    entries.sort(key=lambda entry: (entry[0], entry[1]), reverse=not ascending)
    ordered = [ident for _, ident in entries]
    rest = (wanted if wanted is not None else set(registry.ids(kind.name))) - seen
    return ordered + sorted(rest)


class QueryResponseBuilder:
    """Pagination by position or anchor, exactly as Stalwart's builder does it."""

    def __init__(self, total: int, account_id: str, page: Page) -> None:
        if page.limit is not None:
            limit = min(page.limit, QUERY_MAX_RESULTS) if page.limit > 0 else 0
            limit_total = min(limit, total) if page.limit > 0 else 0
        else:
            limit, limit_total = QUERY_MAX_RESULTS, min(QUERY_MAX_RESULTS, total)
        self.requested_position = page.position or 0
        self.position = page.position or 0
        self.limit = limit_total
        self.has_anchor = page.anchor is not None
        self.anchor = page.anchor
        self.anchor_offset = page.anchor_offset or 0
        self.anchor_found = False
        self.ids: list[int] = []
        self.response: dict[str, Any] = {
            "accountId": account_id,
            "queryState": "n",
            "canCalculateChanges": True,
            "position": 0,
            "ids": [],
        }
        if page.calculate_total:
            self.response["total"] = total
        if total > limit:
            self.response["limit"] = limit

    def add(self, ident: int) -> bool:
        if not self.has_anchor:
            if self.position >= 0:
                if self.position > 0:
                    self.position -= 1
                else:
                    self.ids.append(ident)
                    if len(self.ids) == self.limit:
                        return False
            else:
                self.ids.append(ident)
            return True
        if ident == self.anchor:
            self.anchor_found = True
        elif not self.anchor_found:
            self.position += 1
        if self.anchor_found and self.anchor_offset == 0:
            self.ids.append(ident)
            if len(self.ids) == self.limit:
                return False
        elif self.anchor_offset < 0:
            self.ids.append(ident)
            if self.anchor_found:
                self.position += self.anchor_offset
                self.anchor_offset = 0
                if len(self.ids) > self.limit:
                    self.ids = self.ids[: self.limit]
                    return False
                if len(self.ids) == self.limit:
                    return False
            elif len(self.ids) > -self.anchor_offset:
                self.ids.pop(0)
        elif self.anchor_found and self.anchor_offset > 0:
            self.anchor_offset -= 1
            self.position += 1
        return True

    def build(self) -> dict[str, Any]:
        if self.has_anchor and not self.anchor_found:
            raise MethodError("anchorNotFound", ANCHOR_NOT_FOUND)
        if not self.has_anchor and self.requested_position >= 0:
            self.response["position"] = self.requested_position if self.position == 0 else 0
        elif self.position >= 0:
            self.response["position"] = self.position
        else:
            back = -self.position
            start = len(self.ids) - back if back < len(self.ids) else 0
            self.response["position"] = start
            end = min(start + self.limit, len(self.ids)) if self.limit > 0 else len(self.ids)
            self.ids = self.ids[start:end]
        self.response["ids"] = [encode_id(ident) for ident in self.ids]
        return self.response
