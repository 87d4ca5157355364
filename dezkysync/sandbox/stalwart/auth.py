"""Who is calling, and what they may do.

- ``Bearer <token>``: the API token of the service identity, the recovery-admin-like account
  ``d333333`` (session username ``admin``) holding every permission.
- ``Basic admin:<password>``: the same identity, when an admin password is configured.
- ``Basic user@domain:<password>``: a User account with a Password credential (a bare local
  part gets the default domain; an alias address needs ``authenticateWithAlias``). Groups
  cannot log in.

Effective permissions follow Stalwart: role permissions (``User`` role, or every permission for
``Admin``), then ``permissions`` ``Inherit`` | ``Merge`` (role ∪ enabled − disabled) |
``Replace`` (enabled − disabled); disabled always wins. An expired password shrinks them to
what is needed to change it. Without ``authenticate`` the login is refused with 403.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dezkysync.sandbox.stalwart.ids import RECOVERY_ADMIN_ID
from dezkysync.sandbox.stalwart.secrets_store import verify_secret

if TYPE_CHECKING:
    from dezkysync.sandbox.stalwart.state import ServerState

USER_ROLE_PERMISSIONS = frozenset(
    {
        "authenticate",
        "authenticateWithAlias",
        "emailSend",
        "emailReceive",
        "jmapCoreEcho",
        "jmapEmailGet",
        "jmapEmailQuery",
        "jmapEmailSet",
        "jmapMailboxGet",
        "jmapMailboxQuery",
        "jmapIdentityGet",
        "jmapQuotaGet",
        "jmapPrincipalGet",
        "sysAccountPasswordGet",
        "sysAccountPasswordUpdate",
        "sysAccountSettingsGet",
        "sysAccountSettingsUpdate",
        "sysAppPasswordGet",
        "sysAppPasswordQuery",
        "sysAppPasswordCreate",
        "sysAppPasswordUpdate",
        "sysAppPasswordDestroy",
        "sysApiKeyGet",
        "sysApiKeyQuery",
        "sysApiKeyCreate",
        "sysApiKeyUpdate",
        "sysApiKeyDestroy",
    }
)
EXPIRED_PASSWORD_PERMISSIONS = frozenset(
    {
        "authenticate",
        "authenticateWithAlias",
        "sysAccountPasswordGet",
        "sysAccountPasswordUpdate",
        "emailReceive",
    }
)


@dataclass(frozen=True)
class Permissions:
    """A permission set; ``everything`` stands for all 660 names minus ``denied``."""

    granted: frozenset[str] = frozenset()
    denied: frozenset[str] = frozenset()
    everything: bool = False

    def has(self, permission: str) -> bool:
        if permission in self.denied:
            return False
        return self.everything or permission in self.granted


ADMIN_PERMISSIONS = Permissions(everything=True)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    account_id: int
    username: str
    permissions: Permissions
    revision: str = ""

    @property
    def is_admin(self) -> bool:
        return self.permissions.has("impersonate")

    @property
    def state(self) -> str:
        """The session state (``sessionState``): changes when the caller's account does."""
        return format(zlib.crc32(f"{self.account_id}:{self.revision}".encode()), "x")


class AuthFailure(Exception):
    """Authentication failed: 401 (bad credentials) or 403 (no ``authenticate``)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def token_digest(token: str) -> str:
    """How API tokens are kept in the state."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authenticate(state: ServerState, authorization: str) -> Principal:
    """The principal behind an ``Authorization`` header; raises :class:`AuthFailure`."""
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer" and credentials:
        if hmac.compare_digest(token_digest(credentials), state.admin_token_digest):
            return admin_principal()
        raise AuthFailure(401)
    if scheme.lower() != "basic" or not credentials:
        raise AuthFailure(401)
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthFailure(401) from exc
    username, separator, password = decoded.partition(":")
    if not separator:
        raise AuthFailure(401)
    username = username.strip().lower()
    if username == "admin" and state.admin_password_hash:
        if verify_secret(state.admin_password_hash, password):
            return admin_principal()
        raise AuthFailure(401)
    found = state.find_login(username)
    if found is None:
        raise AuthFailure(401)
    ident, record, via_alias = found
    password_entry = next(
        (c for c in record.get("credentials", []) if c["@type"] == "Password"), None
    )
    if password_entry is None or not verify_secret(password_entry["secret"], password):
        raise AuthFailure(401)
    permissions = effective_permissions(record)
    if _expired(password_entry.get("expiresAt"), state.now()):
        permissions = Permissions(
            granted=frozenset(p for p in EXPIRED_PASSWORD_PERMISSIONS if permissions.has(p))
        )
    if not permissions.has("authenticate") or (
        via_alias and not permissions.has("authenticateWithAlias")
    ):
        raise AuthFailure(403)
    return Principal(
        account_id=ident,
        username=f"{record['name']}@{state.domain_name(record['domainId'])}",
        permissions=permissions,
        revision=_revision(record),
    )


def admin_principal() -> Principal:
    return Principal(RECOVERY_ADMIN_ID, "admin", ADMIN_PERMISSIONS)


def effective_permissions(record: dict[str, Any]) -> Permissions:
    """(role permissions ∪ enabled) − disabled, per the account's ``permissions`` mode."""
    roles = record.get("roles") or {}
    if roles.get("@type") == "Admin":
        base = Permissions(everything=True)
    elif roles.get("@type") == "User":
        base = Permissions(granted=USER_ROLE_PERMISSIONS)
    else:
        base = Permissions()  # custom roles: x:Role is not emulated
    mode = record.get("permissions") or {"@type": "Inherit"}
    enabled = frozenset(mode.get("enabledPermissions", []))
    disabled = frozenset(mode.get("disabledPermissions", []))
    if mode["@type"] == "Merge":
        return Permissions(
            granted=base.granted | enabled, denied=disabled, everything=base.everything
        )
    if mode["@type"] == "Replace":
        return Permissions(granted=enabled - disabled, denied=disabled)
    return base


def _expired(expires_at: str | None, now: float) -> bool:
    if not expires_at:
        return False
    moment = datetime.strptime(expires_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return moment.timestamp() <= now


def _revision(record: dict[str, Any]) -> str:
    material = repr((record.get("permissions"), record.get("roles"), record.get("credentials")))
    return hashlib.sha256(material.encode()).hexdigest()[:16]
