"""Pending changes: how a tenant file's desired state differs from the one last applied.

Both sides are canonical desired states (:meth:`dezkysync.tenants.model.Tenant.canonical`), so
formatting, key order and list order never count. The comparison is field by field: the
tenant's name and state; each domain (by name), member (by address) and list (by address)
added, removed, or with a field changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The pseudo-field of an object that exists on one side only.
PRESENCE = "presence"

_SECTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("domains", "domain", "name", ("primary", "dmarc")),
    ("members", "member", "email", ("name", "role", "aliases", "quota", "state", "guest")),
    ("lists", "list", "email", ("name", "recipients")),
)


@dataclass(frozen=True)
class PendingChange:
    """One field of the desired state that the files changed since the last apply."""

    tenant: str
    object: str  # "tenant acme", "member alice@acme.example", "domain acme.example", ...
    field: str
    recorded: Any  # as last applied (None: unset, or "absent" for presence)
    file: Any  # as the file says now


def pending_changes(
    tenant: str, recorded: Mapping[str, Any], current: Mapping[str, Any]
) -> list[PendingChange]:
    """Every field that differs between the applied (``recorded``) and the file's (``current``)
    canonical desired state, in a stable order."""
    changes: list[PendingChange] = []
    for key in ("name", "state"):
        if recorded.get(key) != current.get(key):
            changes.append(
                PendingChange(tenant, f"tenant {tenant}", key, recorded.get(key), current.get(key))
            )
    for section, kind, ident, fields in _SECTIONS:
        before = _by_key(recorded.get(section), ident)
        after = _by_key(current.get(section), ident)
        for key in sorted(before.keys() | after.keys()):
            what = f"{kind} {key}"
            if key not in after:
                changes.append(PendingChange(tenant, what, PRESENCE, "present", "absent"))
            elif key not in before:
                changes.append(PendingChange(tenant, what, PRESENCE, "absent", "present"))
            else:
                changes.extend(
                    PendingChange(tenant, what, name, before[key].get(name), after[key].get(name))
                    for name in fields
                    if before[key].get(name) != after[key].get(name)
                )
    return changes


def _by_key(items: Any, ident: str) -> dict[str, Mapping[str, Any]]:
    if not isinstance(items, list):
        return {}
    return {
        str(item.get(ident)): item
        for item in items
        if isinstance(item, Mapping) and item.get(ident) is not None
    }


__all__ = ["PRESENCE", "PendingChange", "pending_changes"]
