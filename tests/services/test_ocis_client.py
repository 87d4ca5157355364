"""The OCIS client: one unpaginated list, null as empty, no silent half lists."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dezkysync.http import IncompleteRead, ServiceClient, UnexpectedResponse
from dezkysync.services.ocis import OcisClient

ME = {"id": "me-id", "onPremisesSamAccountName": "dezkysync", "displayName": "dezkysync"}


def make(users_body: Any) -> OcisClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/graph/v1.0/me":
            return httpx.Response(200, json=ME)
        assert request.url.path == "/graph/v1.0/users"
        return httpx.Response(200, json=users_body)

    return OcisClient(
        ServiceClient("ocis", "http://files.test", "tok", transport=httpx.MockTransport(handler))
    )


def test_reads_users() -> None:
    state = make(
        {
            "value": [
                {
                    "id": "1",
                    "onPremisesSamAccountName": "Bob@acme.example",
                    "displayName": "Bob",
                    "mail": "BOB@acme.example",
                    "accountEnabled": False,
                },
                {
                    "id": "2",
                    "onPremisesSamAccountName": "alice@acme.example",
                    "displayName": "Alice",
                },
            ]
        }
    ).read_state()
    assert state.me.username == "dezkysync" and state.me.id == "me-id"
    assert [u.login for u in state.users] == ["alice@acme.example", "bob@acme.example"]
    bob = state.user_by_login["bob@acme.example"]
    assert bob.mail == "bob@acme.example" and not bob.enabled
    assert state.user_by_login["alice@acme.example"].enabled  # missing accountEnabled: enabled
    assert state.user_by_login["alice@acme.example"].mail is None


def test_null_value_is_empty() -> None:
    assert make({"value": None}).read_state().users == ()


def test_a_next_link_is_refused() -> None:
    with pytest.raises(IncompleteRead, match="nextLink"):
        make({"value": [], "@odata.nextLink": "https://x/graph/v1.0/users?$skip=10"}).read_state()


@pytest.mark.parametrize("body", [[], {"users": []}, {"value": {}}, {"value": [{"id": "1"}]}])
def test_malformed_lists(body: Any) -> None:
    with pytest.raises(UnexpectedResponse):
        make(body).read_state()
