"""ownCloud Infinite Scale over LibreGraph (``/graph/v1.0/``, Bearer token).

The only module that knows OCIS's quirks:

- ``GET /users`` is never paginated (``$top``/``$skip`` ignored, no ``@odata.nextLink``): one
  request returns every user, and ``{"value": null}`` means an empty list;
- the username is ``onPremisesSamAccountName`` (the member's login); ``accountEnabled``
  missing means enabled;
- unauthenticated or disabled callers get a bare 401.

OCIS users carry no ownership marker of their own: they are managed when the authentik
identity with the same login is (see :mod:`dezkysync.services.ownership`). Reading costs two
requests (``/me`` and ``/users``). Tenant groups are kept in authentik only, so OCIS groups are
not read.

Writes ("apply one typed change") belong beside the readers in this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dezkysync.http import ServiceClient
from dezkysync.live.model import LiveFilesUser, OcisState, SelfIdentity

GRAPH = "/graph/v1.0"
USERS_PATH = f"{GRAPH}/users"
ME_PATH = f"{GRAPH}/me"


class OcisClient:
    """Reads (and, later, writes) OCIS through one :class:`ServiceClient`."""

    service = "ocis"

    def __init__(self, http: ServiceClient) -> None:
        self.http = http

    def me(self) -> SelfIdentity:
        """The user the token acts as (``GET /me``)."""
        body = self.http.get_json(ME_PATH)
        ident = body.get("id") if isinstance(body, dict) else None
        username = body.get("onPremisesSamAccountName") if isinstance(body, dict) else None
        if not isinstance(ident, str) or not isinstance(username, str):
            raise self.http.fail("GET", ME_PATH, "the answer names no id and username")
        return SelfIdentity(username=username, id=ident)

    def read_state(self) -> OcisState:
        """The token's own user and every user (one unpaginated list)."""
        me = self.me()
        body = self.http.get_json(USERS_PATH)
        if not isinstance(body, dict) or "value" not in body:
            raise self.http.fail("GET", USERS_PATH, "the answer has no 'value'")
        if body.get("@odata.nextLink"):
            # OCIS never pages; a next link means a server we do not understand: refuse rather
            # than read half the users.
            raise self.http.incomplete(
                "GET", USERS_PATH, "the list is paginated (@odata.nextLink), which OCIS never does"
            )
        value = body["value"]
        if value is None:
            value = []
        if not isinstance(value, list):
            raise self.http.fail("GET", USERS_PATH, "'value' is not a list")
        users = [self._user(raw) for raw in value]
        return OcisState(me=me, users=tuple(sorted(users, key=lambda u: (u.login, u.id))))

    def _user(self, raw: Any) -> LiveFilesUser:
        if not isinstance(raw, Mapping):
            raise self.http.fail("GET", USERS_PATH, "a user is not an object")
        ident, username = raw.get("id"), raw.get("onPremisesSamAccountName")
        if not isinstance(ident, str) or not isinstance(username, str):
            raise self.http.fail("GET", USERS_PATH, "a user has no id or onPremisesSamAccountName")
        mail = raw.get("mail")
        return LiveFilesUser(
            id=ident,
            username=username,
            display_name=str(raw.get("displayName") or ""),
            mail=mail.lower() if isinstance(mail, str) and mail else None,
            enabled=raw.get("accountEnabled") is not False,
        )
