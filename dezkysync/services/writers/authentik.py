"""Writing authentik through its REST API (``/api/v3/``).

The only module that knows authentik's write quirks:

- a password cannot be given on create: a new user gets one through ``set_password`` (204),
  which applies no policy and ends no session;
- ``PATCH is_active: false`` ends every session of the user server-side (``PUT`` does not, and
  resets the groups: it is never used here);
- memberships change through ``add_user``/``remove_user`` (both idempotent), never by
  writing a group's ``users`` list;
- sessions cannot be listed by user pk: ``?user=`` is silently ignored and returns everyone's.
  Force-logout lists by exact ``user__username``, then keeps only the sessions whose ``user``
  equals the target's pk **on the client side** before deleting anything (404 = already gone);
- ownership markers live in ``attributes``; writing them merges with what is there.

PATCH, DELETE, ``set_password``, ``add_user`` and ``remove_user`` are idempotent (retried by the
HTTP layer); creates are sent once. A 404 on a delete means "already gone".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dezkysync.http import Params, ServiceClient
from dezkysync.live.model import GroupRole
from dezkysync.services.authentik import API, GROUPS_PATH, USERS_PATH, AuthentikClient
from dezkysync.services.ownership import with_authentik_marker
from dezkysync.services.writers.errors import WriteRefused

SESSIONS_PATH = f"{API}/core/authenticated_sessions/"
SESSION_PAGE_SIZE = 100
MAX_SESSION_PAGES = 1000
LOGOUT_ROUNDS = 3

#: The user fields a PATCH may carry here.
USER_FIELDS = frozenset({"username", "name", "email", "is_active", "attributes"})


class AuthentikWriter:
    """Writes to authentik through the reader's :class:`AuthentikClient`."""

    service = "authentik"

    def __init__(self, client: AuthentikClient) -> None:
        self.client = client

    @property
    def http(self) -> ServiceClient:
        """The HTTP client underneath."""
        return self.client.http

    # -- users ----------------------------------------------------------------------------------
    def create_user(
        self, *, username: str, name: str, email: str, active: bool, tenant: str
    ) -> int:
        """Create an internal user carrying the tenant's marker, flagged ``password_pending``;
        return its pk. It has no usable password until :meth:`set_password`, after which the
        caller clears the flag with :meth:`mark_user`."""
        body = {
            "username": username,
            "name": name,
            "email": email,
            "is_active": active,
            "path": "users",
            "type": "internal",
            "attributes": with_authentik_marker({}, tenant, password_pending=True),
        }
        answer = self.http.send_json("POST", USERS_PATH, body, accept=(201,))
        pk = answer.get("pk") if isinstance(answer, dict) else None
        if not isinstance(pk, int):
            raise self.http.fail("POST", USERS_PATH, "the created user has no pk", status=201)
        return pk

    def update_user(self, pk: int, changes: Mapping[str, Any]) -> None:
        """PATCH ``username``, ``name``, ``email``, ``is_active`` or ``attributes``."""
        unknown = set(changes) - USER_FIELDS
        if unknown:
            raise ValueError(f"not a user field: {', '.join(sorted(unknown))}")
        if changes:
            self.http.send_json(
                "PATCH", self._user(pk), dict(changes), idempotent=True, accept=(200,)
            )

    def mark_user(self, pk: int, tenant: str, changes: Mapping[str, Any] | None = None) -> None:
        """Put the tenant's ownership marker on a user (other attributes kept), with
        ``changes`` in the same PATCH."""
        current = self.http.get_json(self._user(pk))
        attributes = current.get("attributes") if isinstance(current, dict) else None
        merged = with_authentik_marker(
            attributes if isinstance(attributes, Mapping) else {}, tenant
        )
        self.update_user(pk, {**(changes or {}), "attributes": merged})

    def set_password(self, pk: int, password: str) -> None:
        """Set the user's password (no policy applies; sessions are not ended)."""
        self.http.send_json(
            "POST",
            f"{self._user(pk)}set_password/",
            {"password": password},
            idempotent=True,
            accept=(204,),
        )

    def set_active(self, pk: int, active: bool) -> None:
        """Activate or deactivate the user; deactivating ends all of its sessions."""
        self.update_user(pk, {"is_active": active})

    def delete_user(self, pk: int) -> bool:
        """Delete the user; False when it was already gone."""
        return self._delete(self._user(pk))

    # -- groups ---------------------------------------------------------------------------------
    def create_group(self, name: str, tenant: str, role: GroupRole) -> str:
        """Create a tenant group with its marker; return its pk (a UUID)."""
        body = {"name": name, "attributes": with_authentik_marker({}, tenant, role)}
        answer = self.http.send_json("POST", GROUPS_PATH, body, accept=(201,))
        pk = answer.get("pk") if isinstance(answer, dict) else None
        if not isinstance(pk, str):
            raise self.http.fail("POST", GROUPS_PATH, "the created group has no pk", status=201)
        return pk

    def rename_group(self, pk: str, name: str) -> None:
        """Rename a group."""
        self.http.send_json(
            "PATCH", self._group(pk), {"name": name}, idempotent=True, accept=(200,)
        )

    def mark_group(self, pk: str, tenant: str, role: GroupRole) -> None:
        """Put the tenant's marker (with the group's role) on a group, other attributes kept."""
        current = self.http.get_json(self._group(pk), params={"include_users": "false"})
        attributes = current.get("attributes") if isinstance(current, dict) else None
        merged = with_authentik_marker(
            attributes if isinstance(attributes, Mapping) else {}, tenant, role
        )
        self.http.send_json(
            "PATCH", self._group(pk), {"attributes": merged}, idempotent=True, accept=(200,)
        )

    def delete_group(self, pk: str) -> bool:
        """Delete a group; False when it was already gone."""
        return self._delete(self._group(pk))

    def add_member(self, group_pk: str, user_pk: int) -> None:
        """Make the user a member of the group (nothing happens if it already is)."""
        self.http.send_json(
            "POST",
            f"{self._group(group_pk)}add_user/",
            {"pk": user_pk},
            idempotent=True,
            accept=(204,),
        )

    def remove_member(self, group_pk: str, user_pk: int) -> None:
        """Take the user out of the group (nothing happens if it is not a member)."""
        self.http.send_json(
            "POST",
            f"{self._group(group_pk)}remove_user/",
            {"pk": user_pk},
            idempotent=True,
            accept=(204,),
        )

    # -- sessions -------------------------------------------------------------------------------
    def end_sessions(self, pk: int, username: str) -> int:
        """Force-logout: end every session of the user ``pk`` and no one else's.

        Lists the sessions by exact ``user__username``, keeps only those whose ``user`` is
        ``pk`` (the server may return anyone's), deletes them by uuid (404: already gone), and
        checks again, a few rounds, for sessions opened meanwhile. Returns how many it ended.
        """
        if not username.strip():
            raise WriteRefused(
                f"the user {pk} has no username to look its sessions up by; no session was ended"
            )
        ended = 0
        for _ in range(LOGOUT_ROUNDS):
            targets = [
                session["uuid"]
                for session in self._sessions(username)
                if session.get("user") == pk and isinstance(session.get("uuid"), str)
            ]
            if not targets:
                return ended
            for uuid in targets:
                if self._delete(f"{SESSIONS_PATH}{uuid}/"):
                    ended += 1
        remaining = sum(1 for s in self._sessions(username) if s.get("user") == pk)
        if remaining:
            raise WriteRefused(
                f"{remaining} session(s) of {username} came back while logging it out; "
                "deactivate the user first"
            )
        return ended

    def _sessions(self, username: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while page <= MAX_SESSION_PAGES:
            params: Params = {
                "user__username": username,
                "page": str(page),
                "page_size": str(SESSION_PAGE_SIZE),
            }
            response = self.http.request("GET", SESSIONS_PATH, params=params, accept=(200, 404))
            if response.status_code == 404:
                if page == 1:
                    raise self.http.fail(
                        "GET", SESSIONS_PATH, "the session list is missing", params=params
                    )
                break  # the list shrank while reading: what was read is still valid
            body = self.http.decode(response, "GET", SESSIONS_PATH, params)
            results = body.get("results") if isinstance(body, dict) else None
            pagination = body.get("pagination") if isinstance(body, dict) else None
            if not isinstance(results, list) or not isinstance(pagination, dict):
                raise self.http.fail(
                    "GET", SESSIONS_PATH, "not a paginated session list", params=params
                )
            found.extend(item for item in results if isinstance(item, dict))
            following = pagination.get("next")
            if not isinstance(following, (int, float)) or int(following) <= page:
                break
            page = int(following)
        return found

    # -- plumbing -------------------------------------------------------------------------------
    @staticmethod
    def _user(pk: int) -> str:
        return f"{USERS_PATH}{int(pk)}/"

    @staticmethod
    def _group(pk: str) -> str:
        return f"{GROUPS_PATH}{pk}/"

    def _delete(self, path: str) -> bool:
        response = self.http.request("DELETE", path, idempotent=True, accept=(204, 404))
        return response.status_code == 204
