"""``x:<Object>/set``, in the order of Stalwart's ``registry/set.rs``.

1. More than 500 create+update+destroy entries: ``requestTooLarge``.
2. Singletons: every destroy fails with ``singleton``; updates of other ids with ``notFound``.
   An update of an id also being destroyed fails with ``willDestroy``.
3. Creates (ordered so that ``#creationId`` references inside the same call resolve), then
   updates, then destroys. Each create/update: patch (``invalidPatch``), object checks
   (``invalidProperties``…), required properties (``validationFailed``), foreign keys
   (``invalidForeignKey``), unique keys (``primaryKeyViolation``), write. An update that
   changes nothing writes nothing. Destroying a referenced object fails with
   ``objectIsLinked`` listing every referrer, and deletes nothing.

The response has ``created``/``updated``/``destroyed``/``notCreated``/``notUpdated``/
``notDestroyed`` (empty ones left out) and no ``oldState``/``newState``.
"""

from __future__ import annotations

from typing import Any

from dezkysync.sandbox.stalwart.calls import MAX_OBJECTS_IN_SET, CallContext
from dezkysync.sandbox.stalwart.errors import (
    REQUEST_TOO_LARGE,
    MethodError,
    SetFailure,
    set_error,
)
from dezkysync.sandbox.stalwart.ids import SINGLETON, encode_id
from dezkysync.sandbox.stalwart.objects import KINDS, SINGLETON_KEY, Kind, Write
from dezkysync.sandbox.stalwart.schema import (
    PatchContext,
    PatchError,
    Pointer,
    UnresolvedReference,
    Variant,
)
from dezkysync.sandbox.stalwart.store import IndexKeys


def wire_id(kind: str, ident: int) -> str:
    """An object id as SetErrors show it (``singleton`` for singletons)."""
    return SINGLETON if KINDS[kind].singleton else encode_id(ident)


def set_objects(kind: Kind, args: dict[str, Any], call: CallContext) -> dict[str, Any]:
    """Answer one ``/set`` call."""
    account_id = call.account_id(args)
    create = args.get("create") or {}
    update = args.get("update") or {}
    destroy = args.get("destroy") or []
    if not isinstance(create, dict) or not isinstance(update, dict):
        raise MethodError("invalidArguments", "create and update must be objects")
    if not (isinstance(destroy, list) and all(isinstance(d, str) for d in destroy)):
        raise MethodError("invalidArguments", "destroy must be a list of ids")
    if len(create) + len(update) + len(destroy) > MAX_OBJECTS_IN_SET:
        raise MethodError("requestTooLarge", REQUEST_TOO_LARGE)

    result = _Result()
    targets: list[tuple[str, int | None]] = []
    for raw in destroy:
        if kind.singleton:
            result.not_destroyed[raw] = set_error("singleton")
        else:
            targets.append((raw, call.id_or_reference(raw)))
    destroying = {ident for _, ident in targets if ident is not None}
    updates: list[tuple[str, int | None, Any]] = []
    for raw, patch in update.items():
        if kind.singleton:
            if raw == SINGLETON:
                updates.append((raw, SINGLETON_KEY, patch))
            else:
                result.not_updated[raw] = set_error("notFound")
            continue
        ident = call.id_or_reference(raw)
        if ident is not None and ident in destroying:
            result.not_updated[raw] = set_error("willDestroy")
        else:
            updates.append((raw, ident, patch))

    for client_id in _creation_order(create):
        try:
            ident, extra = _create(kind, create[client_id], client_id, call)
        except SetFailure as failure:
            result.not_created[client_id] = failure.error
            continue
        wire = wire_id(kind.name, ident)
        result.created[client_id] = {**extra, "id": wire}
        call.created_ids[client_id] = wire

    for raw, ident, patch in updates:
        try:
            result.updated[raw] = _update(kind, ident, patch, call)
        except SetFailure as failure:
            result.not_updated[raw] = failure.error

    for raw, ident in targets:
        try:
            _destroy(kind, ident, call)
        except SetFailure as failure:
            result.not_destroyed[raw] = failure.error
            continue
        result.destroyed.append(raw if ident is None else encode_id(ident))
    return {"accountId": account_id, **result.as_json()}


class _Result:
    def __init__(self) -> None:
        self.created: dict[str, Any] = {}
        self.updated: dict[str, Any] = {}
        self.destroyed: list[str] = []
        self.not_created: dict[str, Any] = {}
        self.not_updated: dict[str, Any] = {}
        self.not_destroyed: dict[str, Any] = {}

    def as_json(self) -> dict[str, Any]:
        parts = {
            "created": self.created,
            "updated": self.updated,
            "destroyed": self.destroyed,
            "notCreated": self.not_created,
            "notUpdated": self.not_updated,
            "notDestroyed": self.not_destroyed,
        }
        return {key: value for key, value in parts.items() if value}


def _creation_order(create: dict[str, Any]) -> list[str]:
    """Creation ids, each after the creations its value references (request order else)."""
    known = set(create)
    needs = {cid: (_references(value) & known) - {cid} for cid, value in create.items()}
    if not any(needs.values()):
        return list(create)
    ordered: list[str] = []
    placed: set[str] = set()
    remaining = list(create)
    while remaining:
        ready = [cid for cid in remaining if needs[cid] <= placed] or remaining[:1]
        for cid in ready:
            ordered.append(cid)
            placed.add(cid)
            remaining.remove(cid)
    return ordered


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, str) and value.startswith("#"):
        found.add(value[1:])
    elif isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(key, str) and "#" in key:
                found.update(part[1:] for part in key.split("/") if part.startswith("#"))
            found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return found


def _patch_failure(exc: PatchError) -> SetFailure:
    return SetFailure(
        set_error(
            "invalidPatch",
            description=exc.message,
            properties=[exc.path] if exc.path else None,
        )
    )


def _unresolved(exc: UnresolvedReference) -> SetFailure:
    return SetFailure(
        set_error("notFound", description=f"Reference {exc.reference} could not be resolved")
    )


def _create(
    kind: Kind, value: Any, client_id: str, call: CallContext
) -> tuple[int, dict[str, Any]]:
    state = call.state
    ctx = PatchContext(is_create=True, resolve=call.resolve_creation)
    if not isinstance(value, dict):
        raise SetFailure(set_error("invalidPatch", description="Invalid value type for object"))
    base = None if isinstance(kind.spec, Variant) else kind.new()  # a variant starts afresh
    try:
        record = kind.spec.patch(base, Pointer(()), value, ctx)
    except PatchError as exc:
        raise _patch_failure(exc) from exc
    except UnresolvedReference as exc:
        raise _unresolved(exc) from exc
    if kind.singleton:
        old = state.registry.get(kind.name, SINGLETON_KEY)
        _store(kind, SINGLETON_KEY, record, old, call, client_id=client_id)
        return SINGLETON_KEY, {}
    write = Write(kind.name, None, record, None, client_id)
    kind.prepare(state, write)
    frozen, keys = _validated(kind, write.record, None, call)
    if "createdAt" in kind.struct_of(frozen).stored:
        frozen["createdAt"] = state.iso_now()
    ident = state.next_snowflake() if kind.snowflake_ids else state.registry.next_id(kind.name)
    state.registry.insert(kind.name, ident, frozen, keys)
    kind.created(state, ident, frozen)
    return ident, write.response


def _update(kind: Kind, ident: int | None, patch: Any, call: CallContext) -> Any:
    state = call.state
    old = state.registry.get(kind.name, ident) if ident is not None else None
    if old is None or ident is None:
        raise SetFailure(set_error("notFound"))
    if not isinstance(patch, dict):
        raise SetFailure(set_error("invalidPatch", description="Invalid value type for object"))
    ctx = PatchContext(is_create=False, resolve=call.resolve_creation)
    spec = kind.spec
    try:
        new_type = patch.get("@type")
        if isinstance(spec, Variant) and isinstance(new_type, str) and new_type != old["@type"]:
            ctx.is_create = True
            record = spec.patch(kind.new(), Pointer(()), patch, ctx)
        else:
            record = spec.thaw(old)
            for key, value in patch.items():
                if key == "@type":
                    continue
                record = spec.patch(record, Pointer.parse(key), value, ctx)
    except PatchError as exc:
        raise _patch_failure(exc) from exc
    except UnresolvedReference as exc:
        raise _unresolved(exc) from exc
    return _store(kind, ident, record, old, call)


def _store(
    kind: Kind,
    ident: int,
    record: Any,
    old: Any,
    call: CallContext,
    *,
    client_id: str | None = None,
) -> Any:
    """Validate and write an update (or a singleton create); ``updated`` value is null."""
    state = call.state
    write = Write(kind.name, ident, record, old, client_id)
    kind.prepare(state, write)
    if "createdAt" in kind.struct_of(write.record).stored and old is not None:
        write.record["createdAt"] = old.get("createdAt")
    candidate = kind.spec.freeze(write.record)
    if candidate == old:
        return None
    frozen, keys = _validated(kind, write.record, ident, call)
    state.registry.replace(kind.name, ident, frozen, keys)
    kind.updated(state, ident, frozen, old)
    return write.response or None


def _validated(
    kind: Kind, record: Any, ident: int | None, call: CallContext
) -> tuple[Any, IndexKeys]:
    """The stored form and its index keys, after the registry's own checks (required
    properties, foreign keys, unique keys)."""
    missing = kind.missing(record)
    if missing:
        raise SetFailure(
            set_error(
                "validationFailed",
                validation=[{"type": "Required", "property": name} for name in missing],
            )
        )
    frozen = kind.spec.freeze(record)
    keys = kind.index_keys(frozen)
    problem = call.state.registry.check(kind.name, ident, keys)
    if problem is not None:
        raise SetFailure(problem)
    return frozen, keys


def _destroy(kind: Kind, ident: int | None, call: CallContext) -> None:
    registry = call.state.registry
    record = registry.get(kind.name, ident) if ident is not None else None
    if record is None or ident is None:
        raise SetFailure(set_error("notFound"))
    linked = registry.linked(kind.name, ident)
    if linked:
        raise SetFailure(
            set_error(
                "objectIsLinked",
                object_id=(kind.name, encode_id(ident)),
                linked=[(other, wire_id(other, other_id)) for other, other_id in linked],
            )
        )
    registry.delete(kind.name, ident)
    kind.destroyed(call.state, ident, record)
