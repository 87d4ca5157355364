"""Writing ownCloud Infinite Scale through LibreGraph (``/graph/v1.0/users``).

The only module that knows OCIS's write quirks:

- bodies are strict JSON: an unknown property is a 400, so only known fields are sent;
- the username is ``onPremisesSamAccountName`` (the member's login, matched against the SSO's
  ``preferred_username`` at login); create answers 201 (older servers 200) with the user;
- ``PATCH`` ignores empty strings (a field cannot be cleared) and answers 200 with the user;
- suspension is ``accountEnabled: false`` (data and drive untouched);
- ``DELETE`` purges the personal drive and memberships; 404 means already gone.

PATCH and DELETE are idempotent (retried by the HTTP layer); creates are sent once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from dezkysync.http import ServiceClient
from dezkysync.services.ocis import USERS_PATH, OcisClient

#: The user fields a PATCH may carry here.
USER_FIELDS = frozenset({"onPremisesSamAccountName", "displayName", "mail", "accountEnabled"})


class OcisWriter:
    """Writes to OCIS through the reader's :class:`OcisClient`."""

    service = "ocis"

    def __init__(self, client: OcisClient) -> None:
        self.client = client

    @property
    def http(self) -> ServiceClient:
        """The HTTP client underneath."""
        return self.client.http

    def create_user(self, *, username: str, display_name: str, mail: str, enabled: bool) -> str:
        """Create a user; return its id."""
        body: dict[str, Any] = {
            "onPremisesSamAccountName": username,
            "displayName": display_name or username,
            "mail": mail,
            "accountEnabled": enabled,
        }
        answer = self.http.send_json("POST", USERS_PATH, body, accept=(200, 201))
        ident = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(ident, str) or not ident:
            raise self.http.fail("POST", USERS_PATH, "the created user has no id")
        return ident

    def update_user(self, user_id: str, changes: Mapping[str, Any]) -> None:
        """PATCH ``onPremisesSamAccountName``, ``displayName``, ``mail`` or ``accountEnabled``."""
        unknown = set(changes) - USER_FIELDS
        if unknown:
            raise ValueError(f"not an OCIS user field: {', '.join(sorted(unknown))}")
        if changes:
            self.http.send_json(
                "PATCH", self._user(user_id), dict(changes), idempotent=True, accept=(200, 204)
            )

    def set_enabled(self, user_id: str, enabled: bool) -> None:
        """Enable or disable (suspend) the user."""
        self.update_user(user_id, {"accountEnabled": enabled})

    def delete_user(self, user_id: str) -> bool:
        """Delete the user (and its personal drive); False when it was already gone."""
        response = self.http.request(
            "DELETE", self._user(user_id), idempotent=True, accept=(204, 404)
        )
        return response.status_code == 204

    @staticmethod
    def _user(user_id: str) -> str:
        return f"{USERS_PATH}/{quote(user_id, safe='')}"
