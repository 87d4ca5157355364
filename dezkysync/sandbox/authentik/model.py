"""The objects an authentik install holds, as plain records (no behaviour beyond (de)serialising).

Relations are kept in :class:`~dezkysync.sandbox.authentik.store.Store` (memberships live on the
group, sessions point at their user); these records carry only their own fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dezkysync.sandbox.authentik._clock import format_datetime, parse_datetime

USER_TYPES = ("internal", "external", "service_account", "internal_service_account")
TOKEN_INTENTS = ("verification", "api", "recovery", "app_password")
INTERNAL_SERVICE_ACCOUNT = "internal_service_account"
SERVICE_ACCOUNT_PATH = "goauthentik.io/service-accounts"
TOKEN_EXPIRING_ATTRIBUTE = "goauthentik.io/user/token-expires"


def json_copy(value: Any) -> Any:
    """A copy of a JSON value (objects and lists are copied, scalars shared)."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def _dt(value: datetime | None) -> str | None:
    return None if value is None else format_datetime(value)


def _parse(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"bad datetime in snapshot: {value!r}")
    return parsed


def _parse_required(value: Any) -> datetime:
    parsed = _parse(value)
    if parsed is None:
        raise ValueError("missing datetime in snapshot")
    return parsed


@dataclass
class User:
    """``authentik_core.User``."""

    pk: int
    uuid: str
    username: str
    name: str
    email: str
    is_active: bool
    path: str
    type: str
    attributes: dict[str, Any]
    date_joined: datetime
    last_updated: datetime
    password_change_date: datetime
    last_login: datetime | None
    password: str
    roles: list[str] = field(default_factory=list)
    permissions: set[str] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for snapshots (includes the password hash)."""
        return {
            "pk": self.pk,
            "uuid": self.uuid,
            "username": self.username,
            "name": self.name,
            "email": self.email,
            "is_active": self.is_active,
            "path": self.path,
            "type": self.type,
            "attributes": json_copy(self.attributes),
            "date_joined": _dt(self.date_joined),
            "last_updated": _dt(self.last_updated),
            "password_change_date": _dt(self.password_change_date),
            "last_login": _dt(self.last_login),
            "password": self.password,
            "roles": list(self.roles),
            "permissions": sorted(self.permissions),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> User:
        """Inverse of :meth:`to_json`."""
        return cls(
            pk=int(data["pk"]),
            uuid=str(data["uuid"]),
            username=str(data["username"]),
            name=str(data["name"]),
            email=str(data["email"]),
            is_active=bool(data["is_active"]),
            path=str(data["path"]),
            type=str(data["type"]),
            attributes=json_copy(data["attributes"]),
            date_joined=_parse_required(data["date_joined"]),
            last_updated=_parse_required(data["last_updated"]),
            password_change_date=_parse_required(data["password_change_date"]),
            last_login=_parse(data.get("last_login")),
            password=str(data["password"]),
            roles=[str(r) for r in data.get("roles", [])],
            permissions={str(p) for p in data.get("permissions", [])},
        )


@dataclass
class Group:
    """``authentik_core.Group``; ``users`` holds the direct members' pks."""

    uuid: str
    num_pk: int
    name: str
    is_superuser: bool
    attributes: dict[str, Any]
    parents: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    users: set[int] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for snapshots."""
        return {
            "uuid": self.uuid,
            "num_pk": self.num_pk,
            "name": self.name,
            "is_superuser": self.is_superuser,
            "attributes": json_copy(self.attributes),
            "parents": list(self.parents),
            "roles": list(self.roles),
            "users": sorted(self.users),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Group:
        """Inverse of :meth:`to_json`."""
        return cls(
            uuid=str(data["uuid"]),
            num_pk=int(data["num_pk"]),
            name=str(data["name"]),
            is_superuser=bool(data["is_superuser"]),
            attributes=json_copy(data["attributes"]),
            parents=[str(p) for p in data.get("parents", [])],
            roles=[str(r) for r in data.get("roles", [])],
            users={int(u) for u in data.get("users", [])},
        )


@dataclass
class Role:
    """``authentik_rbac.Role`` (only what users and groups reference)."""

    uuid: str
    name: str

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for snapshots."""
        return {"uuid": self.uuid, "name": self.name}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Role:
        """Inverse of :meth:`to_json`."""
        return cls(uuid=str(data["uuid"]), name=str(data["name"]))


@dataclass
class Token:
    """``authentik_core.Token``; the URL key is ``identifier``."""

    uuid: str
    identifier: str
    key: str
    intent: str
    user_pk: int
    description: str
    expires: datetime | None
    expiring: bool
    managed: str | None = None

    def is_expired(self, now: datetime) -> bool:
        """Whether the token can no longer be used at ``now``."""
        return self.expiring and self.expires is not None and self.expires <= now

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for snapshots (includes the key)."""
        return {
            "uuid": self.uuid,
            "identifier": self.identifier,
            "key": self.key,
            "intent": self.intent,
            "user_pk": self.user_pk,
            "description": self.description,
            "expires": _dt(self.expires),
            "expiring": self.expiring,
            "managed": self.managed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Token:
        """Inverse of :meth:`to_json`."""
        return cls(
            uuid=str(data["uuid"]),
            identifier=str(data["identifier"]),
            key=str(data["key"]),
            intent=str(data["intent"]),
            user_pk=int(data["user_pk"]),
            description=str(data.get("description", "")),
            expires=_parse(data.get("expires")),
            expiring=bool(data["expiring"]),
            managed=None if data.get("managed") is None else str(data["managed"]),
        )


@dataclass
class Session:
    """``authentik_core.AuthenticatedSession``: a logged-in browser session."""

    uuid: str
    session_key: str
    user_pk: int
    last_ip: str
    last_user_agent: str
    last_used: datetime
    expires: datetime

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for snapshots."""
        return {
            "uuid": self.uuid,
            "session_key": self.session_key,
            "user_pk": self.user_pk,
            "last_ip": self.last_ip,
            "last_user_agent": self.last_user_agent,
            "last_used": _dt(self.last_used),
            "expires": _dt(self.expires),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Session:
        """Inverse of :meth:`to_json`."""
        return cls(
            uuid=str(data["uuid"]),
            session_key=str(data["session_key"]),
            user_pk=int(data["user_pk"]),
            last_ip=str(data["last_ip"]),
            last_user_agent=str(data["last_user_agent"]),
            last_used=_parse_required(data["last_used"]),
            expires=_parse_required(data["expires"]),
        )


@dataclass
class FlowState:
    """An anonymous browser session part-way through the authentication flow."""

    session_key: str
    stage: str = "identification"
    pending_username: str = ""
    pending_user_pk: int | None = None
    invalid_tries: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON-able form for snapshots."""
        return {
            "session_key": self.session_key,
            "stage": self.stage,
            "pending_username": self.pending_username,
            "pending_user_pk": self.pending_user_pk,
            "invalid_tries": self.invalid_tries,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowState:
        """Inverse of :meth:`to_json`."""
        pending = data.get("pending_user_pk")
        return cls(
            session_key=str(data["session_key"]),
            stage=str(data.get("stage", "identification")),
            pending_username=str(data.get("pending_username", "")),
            pending_user_pk=None if pending is None else int(pending),
            invalid_tries=int(data.get("invalid_tries", 0)),
        )
