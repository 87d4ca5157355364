"""Property types shared by accounts, groups and mailing lists."""

from __future__ import annotations

import re
from typing import Any

from dezkysync.sandbox.stalwart.names import sanitize_local_part
from dezkysync.sandbox.stalwart.schema import (
    Bool,
    Enum,
    EnumItem,
    Field,
    IdRef,
    ListOf,
    MapOf,
    Opt,
    SetOf,
    Str,
    Struct,
    UInt,
    Variant,
)
from dezkysync.sandbox.stalwart.store import IndexKeys, tokens

LOCAL_PART = (sanitize_local_part, "Invalid email local part")

EMAIL_ALIAS = Struct(
    "EmailAlias",
    {
        "enabled": Field(Bool(initial=True)),
        "name": Field(Str(validators=(LOCAL_PART,))),
        "domainId": Field(IdRef("Domain")),
        "description": Field(Opt(Str())),
    },
    required=("name", "domainId"),
)
ALIASES = ListOf(EMAIL_ALIAS)

# 660 permission names exist; accept any camelCase identifier (see docs/sandbox-stalwart.md).
PERMISSION = Enum("Permission", accepts=re.compile(r"[a-z][A-Za-z0-9]*"))
PERMISSION_LIST = Struct(
    "PermissionsList",
    {
        "enabledPermissions": Field(SetOf(EnumItem(PERMISSION))),
        "disabledPermissions": Field(SetOf(EnumItem(PERMISSION))),
    },
)
PERMISSIONS = Variant(
    "Permissions",
    {"Inherit": Struct("Inherit", {}), "Merge": PERMISSION_LIST, "Replace": PERMISSION_LIST},
    "Inherit",
)

STORAGE_QUOTA = Enum(
    "StorageQuota",
    (
        "maxDiskQuota",
        "maxEmails",
        "maxMailboxes",
        "maxEmailSubmissions",
        "maxEmailIdentities",
        "maxParticipantIdentities",
        "maxSieveScripts",
        "maxPushSubscriptions",
        "maxCalendars",
        "maxCalendarEvents",
        "maxCalendarEventNotifications",
        "maxAddressBooks",
        "maxContactCards",
        "maxFiles",
        "maxFolders",
        "maxMaskedAddresses",
        "maxAppPasswords",
        "maxApiKeys",
        "maxPublicKeys",
    ),
)
QUOTAS = MapOf(STORAGE_QUOTA, UInt())

LOCALE = Enum("Locale", initial="en_US", accepts=re.compile(r"[a-z]{2,3}(_[A-Z]{2})?"))
TIME_ZONE = Enum("Timezone", accepts=re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*"))


def alias_entries(record: Any) -> list[tuple[str, int]]:
    """``(local part, domain id)`` of every alias of an account or list."""
    aliases = record.get("aliases") or []
    entries = aliases.values() if isinstance(aliases, dict) else aliases
    return [(entry["name"], entry["domainId"]) for entry in entries]


def address_keys(record: Any, keys: IndexKeys) -> None:
    """The global ``email`` unique keys and domain references of a name plus its aliases."""
    if record.get("name") and record.get("domainId") is not None:
        keys.unique.append((None, "email", (record["name"], record["domainId"])))
        keys.refs.append(("Domain", record["domainId"], None))
    for name, domain_id in alias_entries(record):
        if name and domain_id is not None:
            keys.unique.append((None, "email", (name, domain_id)))
            keys.refs.append(("Domain", domain_id, None))
    keys.unique[:] = list(dict.fromkeys(keys.unique))
    keys.refs[:] = list(dict.fromkeys(keys.refs))


def text_tokens(record: Any) -> set[str]:
    """Words of the name, description and alias names (the ``text`` filter)."""
    names = [name for name, _ in alias_entries(record)]
    return tokens(record.get("name"), record.get("description"), *names)
