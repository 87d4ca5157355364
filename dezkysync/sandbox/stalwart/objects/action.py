"""``x:Action``: fire-and-forget server actions, create-only.

``create {"c": {"@type": "InvalidateCaches"}}`` answers ``created.c = {"id": <now>}``; updates
and destroys fail with ``forbidden``, ``/query`` with ``invalidArguments`` and ``/get`` finds
nothing (``mapping/action.rs``). The actions that need a message body (``TroubleshootDmarc``,
``ClassifySpam``) are not emulated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dezkysync.sandbox.stalwart.errors import REQUEST_TOO_LARGE, MethodError, set_error
from dezkysync.sandbox.stalwart.ids import encode_id
from dezkysync.sandbox.stalwart.schema import PatchContext, PatchError, Pointer, Struct, Variant

if TYPE_CHECKING:
    from dezkysync.sandbox.stalwart.calls import CallContext

MAX_OBJECTS_IN_SET = 500

ACTION_TYPES = (
    "ReloadSettings",
    "ReloadTlsCertificates",
    "ReloadLookupStores",
    "ReloadBlockedIps",
    "InvalidateCaches",
    "InvalidateNegativeCaches",
    "PauseMtaQueue",
    "ResumeMtaQueue",
    "UpdateApps",
)
ACTION = Variant("Action", {name: Struct(name, {}) for name in ACTION_TYPES}, "ReloadSettings")


def set_actions(args: dict[str, Any], call: CallContext) -> dict[str, Any]:
    """``x:Action/set``: run each created action; updates and destroys are refused."""
    account_id = call.account_id(args)
    create = args.get("create") or {}
    update = args.get("update") or {}
    destroy = args.get("destroy") or []
    if (
        not isinstance(create, dict)
        or not isinstance(update, dict)
        or not isinstance(destroy, list)
    ):
        raise MethodError("invalidArguments", "invalid create, update or destroy")
    if len(create) + len(update) + len(destroy) > MAX_OBJECTS_IN_SET:
        raise MethodError("requestTooLarge", REQUEST_TOO_LARGE)
    created: dict[str, Any] = {}
    not_created: dict[str, Any] = {}
    not_updated = {
        key: set_error("forbidden", description="Actions cannot be updated") for key in update
    }
    not_destroyed = {
        str(key): set_error("forbidden", description="Actions cannot be destroyed")
        for key in destroy
    }
    for client_id, value in create.items():
        try:
            ACTION.patch(ACTION.default(), Pointer(()), value, PatchContext(is_create=True))
        except PatchError as exc:
            not_created[client_id] = set_error(
                "invalidPatch",
                description=exc.message,
                properties=[exc.path] if exc.path else None,
            )
            continue
        created[client_id] = {"id": encode_id(int(call.state.now()))}
    parts = {
        "created": created,
        "notCreated": not_created,
        "notUpdated": not_updated,
        "notDestroyed": not_destroyed,
    }
    return {"accountId": account_id, **{k: v for k, v in parts.items() if v}}


def get_actions(args: dict[str, Any], call: CallContext) -> dict[str, Any]:
    """``x:Action/get``: actions are not stored; every id is not found."""
    ids = args.get("ids")
    return {
        "accountId": call.account_id(args),
        "list": [],
        "notFound": [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else [],
    }
