"""``x:<Object>/get``: ``{accountId, list, notFound}``, never a ``state``.

- More than 500 ids is ``requestTooLarge``; ``ids: null`` returns the first 500 objects by id
  and silently drops the rest.
- ``properties`` keeps ``id`` and the named properties (in the object's own order); unknown
  names are ignored, and a list with no known name — even ``[]`` — returns every property.
- Computed properties (``dnsZoneFile``, ``emailAddress``, ``publicKey``…) are only computed when
  returned.
"""

from __future__ import annotations

from typing import Any

from dezkysync.sandbox.stalwart.calls import MAX_OBJECTS_IN_GET, CallContext
from dezkysync.sandbox.stalwart.errors import REQUEST_TOO_LARGE, MethodError
from dezkysync.sandbox.stalwart.ids import SINGLETON
from dezkysync.sandbox.stalwart.objects import SINGLETON_KEY, Kind
from dezkysync.sandbox.stalwart.schema import KNOWN_PROPERTIES


def get_objects(kind: Kind, args: dict[str, Any], call: CallContext) -> dict[str, Any]:
    """Answer one ``/get`` call."""
    account_id = call.account_id(args)
    ids = args.get("ids")
    properties = args.get("properties")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        raise MethodError("invalidArguments", "ids must be null or a list of ids")
    if properties is not None and not (
        isinstance(properties, list) and all(isinstance(p, str) for p in properties)
    ):
        raise MethodError("invalidArguments", "properties must be null or a list of strings")
    if ids is not None and len(ids) > MAX_OBJECTS_IN_GET:
        raise MethodError("requestTooLarge", REQUEST_TOO_LARGE)
    wanted = {p for p in properties or [] if p in KNOWN_PROPERTIES or p == "@type"}
    if wanted:
        wanted.add("id")
    registry = call.state.registry
    found: list[dict[str, Any]] = []
    not_found: list[str] = []
    if ids is None:
        targets: list[tuple[str, int | None]] = (
            [(SINGLETON, SINGLETON_KEY)]
            if kind.singleton
            else [(str(i), i) for i in registry.ids(kind.name)[:MAX_OBJECTS_IN_GET]]
        )
    elif kind.singleton:
        targets = [(raw, SINGLETON_KEY if raw == SINGLETON else None) for raw in ids]
    else:
        targets = [(raw, call.id_or_reference(raw)) for raw in ids]
    for raw, ident in targets:
        record = registry.get(kind.name, ident) if ident is not None else None
        if record is None or ident is None:
            not_found.append(raw)
            continue
        found.append(kind.render(call.state, ident, record, wanted or None))
    return {"accountId": account_id, "list": found, "notFound": not_found}
