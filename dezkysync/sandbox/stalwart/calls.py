"""What a method call needs: the state, the caller, the request's creation ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dezkysync.sandbox.stalwart.auth import Principal
from dezkysync.sandbox.stalwart.errors import MethodError
from dezkysync.sandbox.stalwart.ids import decode_id, encode_id
from dezkysync.sandbox.stalwart.state import ServerState

MAX_OBJECTS_IN_GET = 500
MAX_OBJECTS_IN_SET = 500
QUERY_MAX_RESULTS = 5000


@dataclass
class CallContext:
    """One request's shared context; ``created_ids`` maps creation ids to wire ids."""

    state: ServerState
    principal: Principal
    created_ids: dict[str, str] = field(default_factory=dict)

    def resolve_creation(self, reference: str) -> int | None:
        """The id created under ``reference`` earlier in this request (or None)."""
        wire = self.created_ids.get(reference)
        return decode_id(wire) if wire is not None else None

    def id_or_reference(self, raw: object) -> int | None:
        """An id from a wire string or a ``#creationId``; None when neither resolves."""
        if isinstance(raw, str) and raw.startswith("#"):
            return self.resolve_creation(raw[1:])
        return decode_id(raw)

    def account_id(self, args: dict[str, Any]) -> str:
        """The ``accountId`` to echo: the caller's unless another is given (and allowed)."""
        raw = args.get("accountId")
        if raw is not None and not isinstance(raw, str):
            raise MethodError("invalidArguments", "accountId must be a string")
        number = decode_id(raw) if raw is not None else None
        if number is None:
            return encode_id(self.principal.account_id)
        if number != self.principal.account_id and not self.principal.is_admin:
            raise MethodError("accountNotFound", f"Account {raw} not found")
        return encode_id(number)


def require_permission(principal: Principal, permission: str) -> None:
    """Method-level ``forbidden`` unless the caller holds ``permission``."""
    if not principal.permissions.has(permission):
        raise MethodError("forbidden", "You are not authorized to perform this action")


def require_set_permissions(principal: Principal, kind: str, args: dict[str, Any]) -> None:
    """Stalwart's ``validate_set``: permission only for the operation kinds present."""
    can_create = principal.permissions.has(f"sys{kind}Create")
    can_update = principal.permissions.has(f"sys{kind}Update")
    can_destroy = principal.permissions.has(f"sys{kind}Destroy")
    if can_create and can_update and can_destroy:
        return
    if not (can_create or can_update or can_destroy):
        raise MethodError(
            "forbidden", "You are not authorized to create, update or destroy objects of this type"
        )
    if not can_create and args.get("create"):
        raise MethodError("forbidden", "You are not authorized to create objects of this type")
    if not can_update and args.get("update"):
        raise MethodError("forbidden", "You are not authorized to update objects of this type")
    if not can_destroy and (args.get("destroy") or "#destroy" in args):
        raise MethodError("forbidden", "You are not authorized to destroy objects of this type")
