"""Ownership markers: how dezkysync marks what it manages, one format per service.

authentik (users and groups)
    ``attributes["dezkysync"] = {"managed": true, "tenant": "<slug>"}``; tenant groups also
    carry ``"role": "members"`` or ``"role": "admins"``. Group names are
    ``tenant-<slug>`` (every member) and ``tenant-<slug>-admins`` (the tenant's admins).

Stalwart (domains, accounts, mailing lists)
    The ``description`` ends with ``[dezkysync:tenant=<slug>]``, after the readable display
    name: ``"Alice Example [dezkysync:tenant=acme]"``. The marker is parsed robustly (any
    case, spaces around ``=``, pairs separated by ``;`` or ``,``); only a suffix counts.

OCIS (users)
    No marker of its own: an OCIS user is managed when the authentik identity with the same
    login is managed, and belongs to that identity's tenant.

A marker that is present but unreadable (no tenant, a bad slug) yields an :class:`Ownership`
with ``problem`` set: the object is neither ours nor free to take over.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dezkysync.live.model import GroupRole, LiveIdentity, Ownership

MARKER_KEY = "dezkysync"
GROUP_ROLES: tuple[GroupRole, ...] = ("members", "admins")

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_SUFFIX = re.compile(r"\s*\[\s*dezkysync\s*:(?P<body>[^\[\]]*)\]\s*$", re.IGNORECASE)


def group_name(slug: str, role: GroupRole) -> str:
    """The authentik group of a tenant: ``tenant-<slug>`` or ``tenant-<slug>-admins``."""
    return f"tenant-{slug}" if role == "members" else f"tenant-{slug}-admins"


# -- authentik ----------------------------------------------------------------------------------


def authentik_marker(
    tenant: str, role: GroupRole | None = None, *, password_pending: bool = False
) -> dict[str, Any]:
    """The value of ``attributes["dezkysync"]`` for a user (no role) or a tenant group.

    ``password_pending`` marks a user created without its password yet (authentik takes no
    password on create): apply clears it once the password is set, and a plan that finds it
    still set gives the member a fresh password, so a run stopped in between never leaves an
    identity nobody can log in to."""
    marker: dict[str, Any] = {"managed": True, "tenant": tenant}
    if role is not None:
        marker["role"] = role
    if password_pending:
        marker["password_pending"] = True
    return marker


def read_authentik_marker(attributes: Mapping[str, Any] | None, *, group: bool) -> Ownership | None:
    """The ownership recorded in an authentik object's ``attributes`` (None: unmanaged)."""
    if not isinstance(attributes, Mapping) or MARKER_KEY not in attributes:
        return None
    marker = attributes[MARKER_KEY]
    if not isinstance(marker, Mapping):
        return Ownership(tenant="", problem=f"attributes.{MARKER_KEY} is not a mapping")
    if marker.get("managed") is False:
        return None
    if marker.get("managed") is not True:
        return Ownership(tenant="", problem=f"attributes.{MARKER_KEY}.managed is not true")
    tenant = marker.get("tenant")
    if not isinstance(tenant, str) or not _SLUG.match(tenant):
        return Ownership(tenant="", problem=f"attributes.{MARKER_KEY}.tenant is not a tenant slug")
    if not group:
        return Ownership(tenant=tenant, password_pending=marker.get("password_pending") is True)
    role = marker.get("role")
    if role == "members":
        return Ownership(tenant=tenant, role="members")
    if role == "admins":
        return Ownership(tenant=tenant, role="admins")
    return Ownership(
        tenant=tenant, problem=f"attributes.{MARKER_KEY}.role is not 'members' or 'admins'"
    )


def with_authentik_marker(
    attributes: Mapping[str, Any] | None,
    tenant: str,
    role: GroupRole | None = None,
    *,
    password_pending: bool = False,
) -> dict[str, Any]:
    """``attributes`` with the marker set (other keys kept)."""
    merged = dict(attributes or {})
    merged[MARKER_KEY] = authentik_marker(tenant, role, password_pending=password_pending)
    return merged


# -- Stalwart -----------------------------------------------------------------------------------


def stalwart_marker(tenant: str) -> str:
    """The marker suffix: ``[dezkysync:tenant=<slug>]``."""
    return f"[{MARKER_KEY}:tenant={tenant}]"


def stalwart_description(display_name: str | None, tenant: str) -> str:
    """A Stalwart ``description``: the display name (if any), then the marker."""
    name = (display_name or "").strip()
    return f"{name} {stalwart_marker(tenant)}" if name else stalwart_marker(tenant)


def read_stalwart_description(description: str | None) -> tuple[str | None, Ownership | None]:
    """Split a Stalwart ``description`` into (display name, ownership)."""
    if not description:
        return None, None
    match = _SUFFIX.search(description)
    if match is None:
        return description.strip() or None, None
    display = description[: match.start()].strip() or None
    pairs: dict[str, str] = {}
    for part in re.split(r"[;,]", match.group("body")):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            return display, Ownership(tenant="", problem=f"marker part {part.strip()!r} has no '='")
        pairs[key.strip().lower()] = value.strip()
    tenant = pairs.get("tenant", "")
    if not _SLUG.match(tenant):
        return display, Ownership(tenant="", problem="the marker names no valid tenant slug")
    return display, Ownership(tenant=tenant)


# -- OCIS ---------------------------------------------------------------------------------------


def ocis_owner(identity: LiveIdentity | None) -> Ownership | None:
    """An OCIS user's ownership: that of the authentik identity with the same login."""
    return None if identity is None else identity.owner
