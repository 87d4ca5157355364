"""Typed property specs and the patch engine behind every ``x:`` object.

Ported from Stalwart's registry (``crates/registry/src/jmap/patch.rs``, ``types/{list,map}.rs``):

- ``Set<T>`` is ``{"member": true}``; a patch ``"prop/member": true`` adds, ``false``/``null``
  removes (removing an absent member is fine).
- ``List<T>`` is ``{"0": {...}, "1": {...}}``; ``"prop/3": {...}`` inserts or replaces index 3,
  ``"prop/3": null`` removes it (an error when absent). Stored lists lose their keys: after a
  write they read back renumbered ``0..n-1``.
- ``Map<K,V>`` is a plain object. Multi-variant values carry ``"@type"``, mandatory whenever a
  whole value is written.
- Strings must be non-empty; ``null`` clears an optional property; server-set properties
  refuse any write. Every failure is a :class:`PatchError` whose ``path`` follows Stalwart's
  (the JSON pointer of the failing write, prefixed by the enclosing property for nested objects).

Values have three forms: *stored* (JSON-able; lists are lists), *working* (a deep copy being
patched; lists are ``{index: item}``) and *wire* (what ``/get`` shows).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dezkysync.sandbox.stalwart.ids import decode_id, encode_id

MASKED = "****"
KNOWN_PROPERTIES: set[str] = {
    "id",
    "emailAddress",
    "usedDiskQuota",
    "dnsZoneFile",
    "publicKey",
    "createdAt",
    "credentialId",
    "accountId",
    "currentSecret",
    "secret",
    "text",
    "email",
}


class PatchError(Exception):
    """A value or JSON-pointer path Stalwart refuses (SetError ``invalidPatch``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


class UnresolvedReference(Exception):
    """A ``#creationId`` that names no object created earlier in the request."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


@dataclass
class PatchContext:
    """What a patch may do: create-only properties, tenant ids, ``#id`` resolution."""

    is_create: bool
    resolve: Callable[[str], int | None] = field(default=lambda _ref: None)
    can_set_tenant: bool = True

    def id_from(self, value: object) -> int | None:
        """An id from a wire string, resolving ``#creationId`` references."""
        if isinstance(value, str) and value.startswith("#"):
            resolved = self.resolve(value[1:])
            if resolved is None:
                raise UnresolvedReference(value)
            return resolved
        return decode_id(value)


class Pointer:
    """A JSON pointer being walked; ``path`` is the whole pointer, as Stalwart reports it."""

    def __init__(self, items: tuple[str | int, ...], pos: int = 0) -> None:
        self.items = items
        self.pos = pos

    @classmethod
    def parse(cls, text: str) -> Pointer:
        """Split ``"aliases/3/name"`` into ``("aliases", 3, "name")``."""
        items: list[str | int] = []
        for raw in text.split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            items.append(int(part) if part.isdigit() and len(part) < 10 else part)
        return cls(tuple(items))

    @property
    def path(self) -> str:
        return "/".join(str(item).replace("~", "~0").replace("/", "~1") for item in self.items)

    def has_next(self) -> bool:
        return self.pos < len(self.items)

    def peek(self) -> str | int | None:
        return self.items[self.pos] if self.has_next() else None

    def advanced(self) -> Pointer:
        return Pointer(self.items, self.pos + 1)

    def error(self, message: str) -> PatchError:
        return PatchError(self.path, message)

    def assert_eof(self) -> None:
        if self.has_next():
            raise self.error("Invalid JSON Pointer path")


class Spec:
    """One property type: default, patch, and the stored/working/wire conversions."""

    def default(self) -> Any:
        return None

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        raise NotImplementedError

    def thaw(self, stored: Any) -> Any:
        return stored

    def freeze(self, working: Any) -> Any:
        return working

    def render(self, stored: Any) -> Any:
        return stored


Validator = Callable[[str], str | None]


@dataclass
class Str(Spec):
    """A non-empty string, optionally canonicalised by validators (None means invalid)."""

    validators: tuple[tuple[Validator, str], ...] = ()
    initial: str = ""
    secret: bool = False

    def default(self) -> Any:
        return self.initial

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        if not isinstance(value, str) or not value:
            raise pointer.error("Invalid value for property.")
        for validate, message in self.validators:
            cleaned = validate(value)
            if cleaned is None:
                raise pointer.error(message)
            value = cleaned
        pointer.assert_eof()
        return value

    def render(self, stored: Any) -> Any:
        return MASKED if self.secret and stored is not None else stored


@dataclass
class Bool(Spec):
    initial: bool = False

    def default(self) -> Any:
        return self.initial

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        if not isinstance(value, bool):
            raise pointer.error("Invalid value for boolean property (expected true or false)")
        pointer.assert_eof()
        return value


@dataclass
class UInt(Spec):
    initial: int = 0

    def default(self) -> Any:
        return self.initial

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise pointer.error(
                "Invalid value for unsigned integer property (expected non-negative integer)"
            )
        pointer.assert_eof()
        return value


@dataclass
class Enum(Spec):
    """One of a fixed set of strings; ``accepts`` widens the set with a pattern."""

    name: str
    values: tuple[str, ...] = ()
    initial: str | None = None
    accepts: re.Pattern[str] | None = None

    def default(self) -> Any:
        return self.initial if self.initial is not None else (self.values[0] if self.values else "")

    def parse(self, value: object) -> str | None:
        if not isinstance(value, str):
            return None
        if value in self.values or (self.accepts is not None and self.accepts.fullmatch(value)):
            return value
        return None

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        parsed = self.parse(value)
        if parsed is None:
            raise pointer.error(f"Invalid value {json.dumps(value)} for enum type {self.name}.")
        pointer.assert_eof()
        return parsed


@dataclass
class IdRef(Spec):
    """An id (stored as a number); ``target`` names the object a foreign key points to."""

    target: str

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        number = ctx.id_from(value)
        if number is None:
            raise pointer.error("Invalid value for property.")
        pointer.assert_eof()
        return number

    def render(self, stored: Any) -> Any:
        return None if stored is None else encode_id(stored)


class DateTime(Spec):
    """A UTC date-time, written ``2026-07-08T20:45:29Z``."""

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        if not isinstance(value, str):
            raise pointer.error("Invalid value for property.")
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise pointer.error("Invalid value for property.") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        pointer.assert_eof()
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Opt(Spec):
    """An optional value: ``null`` clears it."""

    inner: Spec

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        if value is None:
            pointer.assert_eof()
            return None
        base = self.inner.default() if current is None else current
        return self.inner.patch(base, pointer, value, ctx)

    def thaw(self, stored: Any) -> Any:
        return None if stored is None else self.inner.thaw(stored)

    def freeze(self, working: Any) -> Any:
        return None if working is None else self.inner.freeze(working)

    def render(self, stored: Any) -> Any:
        return None if stored is None else self.inner.render(stored)


class SetItem:
    """How a ``Set`` member is read from a key: text, id, enum, IP network, address."""

    def parse(self, key: str | int, ctx: PatchContext) -> Any:
        raise NotImplementedError

    invalid_message: str | None = None

    def render(self, item: Any) -> str:
        return str(item)


class TextItem(SetItem):
    """A trimmed non-empty string, optionally canonicalised."""

    def __init__(self, clean: Validator | None = None, message: str = "") -> None:
        self.clean = clean
        if message:
            self.invalid_message = message

    def parse(self, key: str | int, ctx: PatchContext) -> Any:
        text = str(key).strip()
        if not text:
            return None
        return self.clean(text) if self.clean is not None else text


class IdItem(SetItem):
    def parse(self, key: str | int, ctx: PatchContext) -> Any:
        return None if isinstance(key, int) else ctx.id_from(key)

    def render(self, item: Any) -> str:
        return encode_id(item)


class EnumItem(SetItem):
    def __init__(self, enum: Enum) -> None:
        self.enum = enum

    def parse(self, key: str | int, ctx: PatchContext) -> Any:
        return None if isinstance(key, int) else self.enum.parse(key)


class NetworkItem(SetItem):
    def parse(self, key: str | int, ctx: PatchContext) -> Any:
        try:
            return str(ipaddress.ip_network(str(key), strict=False))
        except ValueError:
            return None


@dataclass
class SetOf(Spec):
    """``Set<T>``: ``{"member": true}``, stored as an ordered list without duplicates."""

    item: SetItem
    initial: tuple[Any, ...] = ()

    def default(self) -> Any:
        return list(self.initial)

    def thaw(self, stored: Any) -> Any:
        return list(stored)

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        members: list[Any] = list(current)
        if pointer.has_next():
            key = pointer.peek()
            assert key is not None
            rest = pointer.advanced()
            if value is None or value is False or value is True:
                member = self.item.parse(key, ctx)
                if not rest.has_next() and member is not None:
                    if value is True:
                        if member not in members:
                            members.append(member)
                    else:
                        members = [m for m in members if m != member]
                    return members
                if member is None and self.item.invalid_message and value is True:
                    raise pointer.error(self.item.invalid_message)
            raise pointer.error("Invalid value for object property")
        if not isinstance(value, dict):
            raise pointer.error("Invalid value for object property")
        members = []
        for key, flag in value.items():
            member = self.item.parse(key, ctx)
            if member is None or not isinstance(flag, bool):
                raise pointer.error(self.item.invalid_message or "Invalid key for object property")
            if flag and member not in members:
                members.append(member)
        return members

    def render(self, stored: Any) -> Any:
        return {self.item.render(member): True for member in stored}


@dataclass
class ListOf(Spec):
    """``List<T>``: ``{"0": item}``; working form ``{index: item}``, stored as a list."""

    item: Spec

    def default(self) -> Any:
        return {}

    def thaw(self, stored: Any) -> Any:
        return {index: self.item.thaw(entry) for index, entry in enumerate(stored)}

    def freeze(self, working: Any) -> Any:
        return [self.item.freeze(working[index]) for index in sorted(working)]

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        entries: dict[int, Any] = current
        if pointer.has_next():
            key = pointer.peek()
            rest = pointer.advanced()
            index = key if isinstance(key, int) else None
            if index is not None:
                if value is None and not rest.has_next():
                    if index in entries:
                        del entries[index]
                        return entries
                else:
                    base = entries[index] if index in entries else self.item.default()
                    entries[index] = self.item.patch(base, rest, value, ctx)
                    return dict(sorted(entries.items()))
            raise pointer.error("Invalid value for object property")
        if not isinstance(value, dict):
            raise pointer.error("Invalid value for object property")
        fresh: dict[int, Any] = {}
        for key, entry in value.items():
            if not (isinstance(key, str) and key.isdigit() and len(key) < 10):
                raise pointer.error("Invalid key for object property")
            fresh[int(key)] = self.item.patch(self.item.default(), pointer, entry, ctx)
        return dict(sorted(fresh.items()))

    def render(self, stored: Any) -> Any:
        return {str(index): self.item.render(entry) for index, entry in enumerate(stored)}


@dataclass
class MapOf(Spec):
    """``Map<K,V>`` (e.g. quotas): a plain object with enum keys."""

    key: Enum
    value: Spec

    def default(self) -> Any:
        return {}

    def thaw(self, stored: Any) -> Any:
        return dict(stored)

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        entries: dict[str, Any] = dict(current)
        if pointer.has_next():
            key = self.key.parse(str(pointer.peek()))
            rest = pointer.advanced()
            if key is not None:
                if value is None and not rest.has_next():
                    entries.pop(key, None)
                    return entries
                base = entries.get(key, self.value.default())
                entries[key] = self.value.patch(base, rest, value, ctx)
                return entries
            raise pointer.error("Invalid value for object property")
        if not isinstance(value, dict):
            raise pointer.error("Invalid value for object property")
        fresh: dict[str, Any] = {}
        for raw_key, entry in value.items():
            key = self.key.parse(raw_key)
            if key is None:
                raise pointer.error("Invalid key for object property")
            fresh[key] = self.value.patch(self.value.default(), pointer, entry, ctx)
        return fresh


@dataclass
class Field:
    """One property of an object: its type and who may write it."""

    spec: Spec
    server_set: bool = False
    read_only: bool = False
    tenant: bool = False
    omit_if_null: bool = False
    virtual: bool = False  # computed on read (``emailAddress``…): refuses writes, not stored


class Struct(Spec):
    """A fixed set of named properties (one variant of an object, or a nested object)."""

    def __init__(self, name: str, fields: dict[str, Field], required: tuple[str, ...] = ()):
        self.name = name
        self.fields = fields
        self.stored = {key: f for key, f in fields.items() if not f.virtual}
        self.required = required
        KNOWN_PROPERTIES.update(fields)

    def default(self) -> Any:
        return {key: f.spec.default() for key, f in self.stored.items()}

    def thaw(self, stored: Any) -> Any:
        return {
            key: f.spec.thaw(stored.get(key, f.spec.default())) for key, f in self.stored.items()
        }

    def freeze(self, working: Any) -> Any:
        return {key: f.spec.freeze(working[key]) for key, f in self.stored.items()}

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        if pointer.has_next():
            return self.patch_property(current, pointer, value, ctx)
        if not isinstance(value, dict):
            raise pointer.error("Invalid value type for object")
        working = current
        for key, entry in value.items():
            if key == "@type":
                continue
            if key not in KNOWN_PROPERTIES:
                raise pointer.error("Invalid key for object")
            try:
                working = self.patch_property(working, Pointer((key,)), entry, ctx)
            except PatchError as exc:
                if exc.path and pointer.items:
                    exc.path = f"{pointer.path}/{exc.path}"
                elif not exc.path:
                    exc.path = Pointer((*pointer.items, key)).path
                raise
        return working

    def patch_property(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        key = pointer.peek()
        if key == "@type":
            return current
        found = self.fields.get(key) if isinstance(key, str) else None
        if found is None:
            raise pointer.error("Invalid property")
        if found.server_set:
            raise pointer.error("Cannot modify server set property")
        if found.read_only and not ctx.is_create:
            raise pointer.error("Cannot modify read-only property")
        if found.tenant and not ctx.can_set_tenant:
            raise pointer.error("Cannot modify memberTenantId property")
        assert isinstance(key, str)
        current[key] = found.spec.patch(current[key], pointer.advanced(), value, ctx)
        return current

    def render(self, stored: Any) -> Any:
        out: dict[str, Any] = {}
        for key, f in self.stored.items():
            value = stored.get(key)
            if value is None and f.omit_if_null:
                continue
            out[key] = f.spec.render(value) if value is not None else None
        return out

    def missing(self, stored: Any) -> list[str]:
        """Required properties left empty (Stalwart's ``ValidationError::Required``)."""
        return [key for key in self.required if stored.get(key) in (None, "")]


class Variant(Spec):
    """A multi-variant value with an ``"@type"`` discriminator."""

    def __init__(self, name: str, variants: dict[str, Struct], initial: str) -> None:
        self.name = name
        self.variants = variants
        self.initial = initial

    def default(self) -> Any:
        return {"@type": self.initial, **self.variants[self.initial].default()}

    def new(self, variant: str) -> Any:
        return {"@type": variant, **self.variants[variant].default()}

    def variant_of(self, value: object) -> str | None:
        if isinstance(value, dict):
            kind = value.get("@type")
            if isinstance(kind, str) and kind in self.variants:
                return kind
        return None

    def thaw(self, stored: Any) -> Any:
        struct = self.variants[stored["@type"]]
        return {"@type": stored["@type"], **struct.thaw(stored)}

    def freeze(self, working: Any) -> Any:
        struct = self.variants[working["@type"]]
        return {"@type": working["@type"], **struct.freeze(working)}

    def patch(self, current: Any, pointer: Pointer, value: Any, ctx: PatchContext) -> Any:
        if not pointer.has_next():
            kind = self.variant_of(value)
            if kind is None:
                raise pointer.error("Missing or invalid '@type' property in object")
            fresh = self.new(kind)
            return self.variants[kind].patch(fresh, pointer, value, ctx)
        return self.variants[current["@type"]].patch_property(current, pointer, value, ctx)

    def render(self, stored: Any) -> Any:
        out = self.variants[stored["@type"]].render(stored)
        out["@type"] = stored["@type"]
        return out

    def struct_of(self, stored: Any) -> Struct:
        return self.variants[stored["@type"]]
