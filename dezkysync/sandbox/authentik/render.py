"""The JSON shapes of authentik's serializers (User, Group, UserSelf, AuthenticatedSession, ...).

Attribute dictionaries are returned in PostgreSQL ``jsonb`` key order (shorter keys first, then
bytewise), as the real server does once a value has been stored; only the response to the write
that carried the value echoes the request's order (see :func:`echo_attributes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dezkysync.sandbox.authentik._clock import format_datetime
from dezkysync.sandbox.authentik.model import Group, Session, Token, User
from dezkysync.sandbox.authentik.store import Store

DEFAULT_AVATAR = "/static/dist/assets/images/user_default.png"

SUPERUSER_SYSTEM_PERMISSIONS = [
    "view_system_info",
    "access_admin_interface",
    "view_initialpermissions",
    "add_role",
    "view_system_settings",
    "change_role",
    "delete_initialpermissions",
    "edit_system_settings",
    "change_initialpermissions",
    "view_role",
    "assign_role_permissions",
    "unassign_role_permissions",
    "add_initialpermissions",
    "delete_role",
    "manage_media_files",
    "view_media_files",
]

USER_AUTOCOMPLETE: dict[str, Any] = {
    "current_model": "authentik_core.user",
    "models": {
        "authentik_core.user": {
            "username": {"type": "str", "nullable": False, "options": None},
            "name": {"type": "str", "nullable": False, "options": None},
            "email": {"type": "str", "nullable": False, "options": None},
            "path": {"type": "str", "nullable": False, "options": None},
            "is_active": {"type": "bool", "nullable": True, "options": None},
            "type": {
                "type": "str",
                "nullable": False,
                "options": [
                    "internal",
                    "external",
                    "service_account",
                    "internal_service_account",
                ],
            },
            "attributes": {
                "type": "relation",
                "nullable": False,
                "options": None,
                "relation": "authentik_core.user_attributes",
            },
        }
    },
}

GROUP_AUTOCOMPLETE: dict[str, Any] = {
    "current_model": "authentik_core.group",
    "models": {
        "authentik_core.group": {
            "name": {"type": "str", "nullable": False, "options": None},
            "is_superuser": {"type": "bool", "nullable": True, "options": None},
            "attributes": {
                "type": "relation",
                "nullable": False,
                "options": None,
                "relation": "authentik_core.group_attributes",
            },
        }
    },
}


def jsonb(value: Any) -> Any:
    """``value`` with every object's keys in PostgreSQL ``jsonb`` order."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return {k: jsonb(value[k]) for k in keys}
    if isinstance(value, list):
        return [jsonb(v) for v in value]
    return value


def echo_attributes(payload: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Make a write's response echo the ``attributes`` the request sent (request key order)."""
    if "attributes" in body and isinstance(body["attributes"], dict):
        payload["attributes"] = body["attributes"]
    return payload


class Renderer:
    """Renders objects of one store; caches what is shared between objects of one response."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._superuser_groups: set[str] | None = None

    @property
    def superuser_groups(self) -> set[str]:
        """Groups that make their members superusers (computed once per response)."""
        if self._superuser_groups is None:
            self._superuser_groups = self.store.superuser_group_uuids()
        return self._superuser_groups

    def is_superuser(self, user: User) -> bool:
        """The derived ``is_superuser`` flag."""
        return self.store.is_superuser(user.pk, self.superuser_groups)

    def direct_groups(self, user: User) -> list[Group]:
        """The user's direct groups, ordered by name."""
        return self.groups_by_name(self.store.user_group_uuids(user.pk))

    def groups_by_name(self, uuids: Iterable[str]) -> list[Group]:
        """The groups of ``uuids``, ordered by name."""
        return sorted((self.store.groups[u] for u in uuids), key=lambda g: g.name)

    # -- users --------------------------------------------------------------------------
    def user(
        self, user: User, *, include_groups: bool = True, include_roles: bool = True
    ) -> dict[str, Any]:
        """The ``User`` serializer."""
        groups = self.direct_groups(user)
        return {
            "pk": user.pk,
            "username": user.username,
            "name": user.name,
            "is_active": user.is_active,
            "last_login": _dt(user),
            "date_joined": format_datetime(user.date_joined),
            "is_superuser": self.is_superuser(user),
            "groups": [g.uuid for g in groups],
            "groups_obj": [self.partial_group(g) for g in groups] if include_groups else None,
            "roles": list(user.roles),
            "roles_obj": (
                [self.role(r) for r in user.roles if r in self.store.roles]
                if include_roles
                else None
            ),
            "email": user.email,
            "avatar": DEFAULT_AVATAR,
            "attributes": jsonb(user.attributes),
            "uid": self.store.uid_for(user.pk),
            "path": user.path,
            "type": user.type,
            "uuid": user.uuid,
            "password_change_date": format_datetime(user.password_change_date),
            "last_updated": format_datetime(user.last_updated),
        }

    def partial_user(self, user: User) -> dict[str, Any]:
        """``PartialUser`` (a group's ``users_obj``)."""
        return {
            "pk": user.pk,
            "username": user.username,
            "name": user.name,
            "is_active": user.is_active,
            "last_login": _dt(user),
            "email": user.email,
            "attributes": jsonb(user.attributes),
            "uid": self.store.uid_for(user.pk),
        }

    def user_self(self, user: User) -> dict[str, Any]:
        """``UserSelf`` (``/core/users/me/``)."""
        all_groups = self.groups_by_name(self.store.all_group_uuids(user.pk))
        superuser = self.is_superuser(user)
        return {
            "pk": user.pk,
            "username": user.username,
            "name": user.name,
            "is_active": user.is_active,
            "is_superuser": superuser,
            "groups": [{"name": g.name, "pk": g.uuid} for g in all_groups],
            "roles": [
                {"name": self.store.roles[r].name, "pk": r}
                for r in user.roles
                if r in self.store.roles
            ],
            "email": user.email,
            "avatar": DEFAULT_AVATAR,
            "uid": self.store.uid_for(user.pk),
            "settings": {},
            "type": user.type,
            "system_permissions": list(SUPERUSER_SYSTEM_PERMISSIONS) if superuser else [],
        }

    # -- groups -------------------------------------------------------------------------
    def partial_group(self, group: Group) -> dict[str, Any]:
        """``PartialGroup`` (a user's ``groups_obj``)."""
        return {
            "pk": group.uuid,
            "num_pk": group.num_pk,
            "name": group.name,
            "is_superuser": group.is_superuser,
            "attributes": jsonb(group.attributes),
        }

    def related_group(self, group: Group) -> dict[str, Any]:
        """``RelatedGroup`` (``parents_obj`` / ``children_obj``)."""
        return {
            "pk": group.uuid,
            "name": group.name,
            "is_superuser": group.is_superuser,
            "attributes": jsonb(group.attributes),
            "group_uuid": group.uuid,
        }

    def group(
        self,
        group: Group,
        *,
        include_users: bool = True,
        include_parents: bool = False,
        include_children: bool = False,
        include_inherited_roles: bool = False,
    ) -> dict[str, Any]:
        """The ``Group`` serializer."""
        members = sorted(group.users)
        children = self.groups_by_name(self.store.children(group.uuid))
        inherited: list[dict[str, str]] = []
        if include_inherited_roles:
            for ancestor in self.store.ancestors(group.uuid):
                for role_uuid in self.store.groups[ancestor].roles:
                    shown = self.role(role_uuid)
                    if role_uuid not in group.roles and shown not in inherited:
                        inherited.append(shown)
        return {
            "pk": group.uuid,
            "num_pk": group.num_pk,
            "name": group.name,
            "is_superuser": group.is_superuser,
            "parents": list(group.parents),
            "parents_obj": (
                [self.related_group(self.store.groups[p]) for p in group.parents]
                if include_parents
                else None
            ),
            "users": members,
            "users_obj": (
                [self.partial_user(u) for u in self.store.iter_users(members)]
                if include_users
                else None
            ),
            "attributes": jsonb(group.attributes),
            "roles": list(group.roles),
            "roles_obj": [self.role(r) for r in group.roles if r in self.store.roles],
            "inherited_roles_obj": inherited if include_inherited_roles else None,
            "children": [c.uuid for c in children],
            "children_obj": (
                [self.related_group(c) for c in children] if include_children else None
            ),
        }

    def role(self, uuid: str) -> dict[str, str]:
        """``Role``."""
        return {"pk": uuid, "name": self.store.roles[uuid].name}

    # -- sessions and tokens ------------------------------------------------------------
    def session(self, session: Session, *, current: bool) -> dict[str, Any]:
        """``AuthenticatedSession``; the user agent is not parsed (ua-parser's "Other")."""
        return {
            "uuid": session.uuid,
            "current": current,
            "user_agent": {
                "string": session.last_user_agent,
                "user_agent": {"family": "Other", "major": None, "minor": None, "patch": None},
                "os": {
                    "family": "Other",
                    "major": None,
                    "minor": None,
                    "patch": None,
                    "patch_minor": None,
                },
                "device": {"family": "Other", "brand": None, "model": None},
            },
            "geo_ip": None,
            "asn": None,
            "user": session.user_pk,
            "last_ip": session.last_ip,
            "last_user_agent": session.last_user_agent,
            "last_used": format_datetime(session.last_used),
            "expires": format_datetime(session.expires),
        }

    def token(self, token: Token) -> dict[str, Any]:
        """The ``Token`` serializer (never the key)."""
        owner = self.store.users[token.user_pk]
        return {
            "pk": token.uuid,
            "managed": token.managed,
            "identifier": token.identifier,
            "intent": token.intent,
            "user": token.user_pk,
            "user_obj": self.user(owner),
            "description": token.description,
            "expires": None if token.expires is None else format_datetime(token.expires),
            "expiring": token.expiring,
        }


def _dt(user: User) -> str | None:
    return None if user.last_login is None else format_datetime(user.last_login)
