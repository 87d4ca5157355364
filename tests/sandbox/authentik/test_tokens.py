"""Tokens: enough of ``/core/tokens/`` for a service-token bootstrap."""

from __future__ import annotations

import httpx

from dezkysync.sandbox.authentik import AuthentikEmulator
from tests.sandbox.authentik.conftest import ClientFactory

TOKENS = "/api/v3/core/tokens/"


def test_service_token_bootstrap(api: httpx.Client, make_client: ClientFactory) -> None:
    svc = api.post(
        "/api/v3/core/users/service_account/",
        json={"name": "svc-provisioner", "create_group": False, "expiring": False},
    ).json()
    created = api.post(
        TOKENS,
        json={
            "identifier": "svc-provisioner-api",
            "intent": "api",
            "user": svc["user_pk"],
            "expiring": False,
            "description": "provisioning",
        },
    )
    assert created.status_code == 201
    token = created.json()
    assert "key" not in token
    assert token["user_obj"]["username"] == "svc-provisioner"
    assert token["expiring"] is False and token["expires"] is not None
    duplicate = api.post(
        TOKENS, json={"identifier": "svc-provisioner-api", "intent": "api", "user": svc["user_pk"]}
    )
    assert duplicate.json() == {"identifier": ["Token with this identifier already exists."]}
    assert api.get(f"{TOKENS}svc-provisioner-api/").json() == token
    listed = api.get(TOKENS, params={"identifier": "svc-provisioner-api"}).json()
    assert listed["results"] == [token] and listed["autocomplete"] == {}
    key = api.get(f"{TOKENS}svc-provisioner-api/view_key/").json()["key"]
    assert api.get(f"{TOKENS}nope/view_key/").json() == {
        "detail": "No Token matches the given query."
    }
    me = make_client(token=key).get("/api/v3/core/users/me/").json()["user"]
    assert me["username"] == "svc-provisioner"


def test_token_validation(api: httpx.Client) -> None:
    bad = api.post(TOKENS, json={"identifier": "has space", "intent": "weird"})
    assert bad.json() == {
        "identifier": [
            "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
        ],
        "intent": ['"weird" is not a valid choice.'],
    }
    wrong_intent = api.post(TOKENS, json={"identifier": "ok", "intent": "recovery"})
    assert wrong_intent.json() == {"intent": ["Invalid intent recovery"]}
    assert api.post(TOKENS, json={}).json() == {"identifier": ["This field is required."]}


def test_non_superuser_sees_and_creates_only_its_own_tokens(
    api: httpx.Client, make_client: ClientFactory, emulator: AuthentikEmulator
) -> None:
    svc = api.post("/api/v3/core/users/service_account/", json={"name": "svc-w"}).json()
    api.post(TOKENS, json={"identifier": "svc-w-api", "user": svc["user_pk"], "expiring": False})
    weak = make_client(token=api.get(f"{TOKENS}svc-w-api/view_key/").json()["key"])
    identifiers = [t["identifier"] for t in weak.get(TOKENS).json()["results"]]
    assert sorted(identifiers) == sorted(["svc-w-api", "service-account-svc-w-password"])
    own = weak.post(TOKENS, json={"identifier": "mine", "user": 3}).json()
    assert own["user"] == svc["user_pk"]
    assert own["expiring"] is True  # the account's token-expires attribute defaults to true
    assert weak.get(f"{TOKENS}dezkysync-api/").status_code == 404


def test_delete_and_patch_token(api: httpx.Client) -> None:
    api.post(TOKENS, json={"identifier": "temp", "expiring": False})
    patched = api.patch(f"{TOKENS}temp/", json={"description": "x"})
    assert patched.status_code == 200 and patched.json()["description"] == "x"
    assert api.delete(f"{TOKENS}temp/").status_code == 204
    assert api.get(f"{TOKENS}temp/").status_code == 404
