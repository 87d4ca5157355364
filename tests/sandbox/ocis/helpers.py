"""A graph client for the tests: httpx with the contract check on every response, plus a few
shortcuts for setting up state through the API itself."""

from __future__ import annotations

from typing import Any

import httpx

from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.ocis import OcisEmulator
from tests.sandbox.ocis.contract import ContractChecker

ADMIN_TOKEN = "sandbox-ocis-token"
V1 = "/graph/v1.0"


class Graph(httpx.Client):
    """An httpx client whose every response passes through a :class:`ContractChecker`."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str | None = ADMIN_TOKEN,
        transport: httpx.BaseTransport | None = None,
        checker: ContractChecker | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.checker = checker or ContractChecker()
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        super().__init__(
            base_url=base_url,
            transport=transport,
            headers={**auth, **(headers or {})},
            event_hooks={"response": [self.checker]},
            timeout=10,
        )

    # -- shortcuts that must succeed ------------------------------------------------------
    def create_user(
        self, username: str, display_name: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """POST /users; asserts 201."""
        body = {"onPremisesSamAccountName": username, "displayName": display_name or username}
        response = self.post(f"{V1}/users", json={**body, **extra})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def create_group(self, name: str) -> dict[str, Any]:
        """POST /groups; asserts 201."""
        response = self.post(f"{V1}/groups", json={"displayName": name})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def add_member(self, group_id: str, user_id: str) -> None:
        """POST /groups/{id}/members/$ref; asserts 204."""
        ref = {"@odata.id": f"https://ocis.example/graph/v1.0/users/{user_id}"}
        response = self.post(f"{V1}/groups/{group_id}/members/$ref", json=ref)
        assert response.status_code == 204, response.text

    def create_project(self, name: str, **extra: Any) -> dict[str, Any]:
        """POST /drives (a project drive); asserts 201."""
        response = self.post(f"{V1}/drives", json={"name": name, **extra})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def in_process(emulator: OcisEmulator, token: str | None = ADMIN_TOKEN, **kwargs: Any) -> Graph:
    """A checked client calling ``emulator`` without a socket."""
    return Graph(
        base_url="http://ocis.test", token=token, transport=SandboxTransport(emulator), **kwargs
    )


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    """(status, code, message) of an OData error response, after checking its shape."""
    payload = response.json()
    error = payload["error"]
    inner = error["innererror"]
    assert set(inner) == {"date", "request-id"}, inner
    assert inner["request-id"] == response.headers["X-Request-Id"]
    return response.status_code, error["code"], error["message"]
