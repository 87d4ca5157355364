"""Authentication (bearer, app tokens), RequireAdmin, what non-admins may see, request ids,
and the router's own answers."""

from __future__ import annotations

import base64

import pytest

from dezkysync.sandbox.ocis import OcisEmulator
from tests.sandbox.ocis.helpers import V1, Graph, error_of, in_process


def _basic(username: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer wrong-token",
        "Token sandbox-ocis-token",
        "Basic !!!",
        _basic("dezkysync", "x")["Authorization"],
    ],
)
def test_bad_credentials_are_a_bare_401(graph: Graph, authorization: str) -> None:
    response = graph.get(f"{V1}/me", headers={"Authorization": authorization})
    assert (response.status_code, response.content) == (401, b"")
    assert "www-authenticate" not in response.headers


def test_disabled_and_deleted_users_are_rejected_by_the_proxy(
    graph: Graph, emulator: OcisEmulator
) -> None:
    graph.create_user("bob")
    token = emulator.issue_token("bob")
    with in_process(emulator, token=token) as as_bob:
        assert as_bob.get(f"{V1}/me").status_code == 200
        graph.patch(f"{V1}/users/bob", json={"accountEnabled": False})
        assert as_bob.get(f"{V1}/me").status_code == 401
        graph.patch(f"{V1}/users/bob", json={"accountEnabled": True})
        assert as_bob.get(f"{V1}/me").status_code == 200
        graph.delete(f"{V1}/users/bob")
        assert as_bob.get(f"{V1}/me").status_code == 401


@pytest.fixture
def bob(graph: Graph, emulator: OcisEmulator) -> Graph:
    graph.create_user("alice", "Alice Hansen", mail="alice@example.org")
    graph.create_user("bob", "Bob Smith", mail="bob@example.org")
    return in_process(emulator, token=emulator.issue_token("bob"))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/users", {"displayName": "X", "onPremisesSamAccountName": "x"}),
        ("PATCH", "/users/alice", {"accountEnabled": False}),
        ("DELETE", "/users/alice", None),
        ("POST", "/groups", {"displayName": "g"}),
        ("GET", "/users/alice/appRoleAssignments", None),
    ],
)
def test_writes_by_a_non_admin_are_403(bob: Graph, method: str, path: str, body: object) -> None:
    response = bob.request(method, f"{V1}{path}", json=body)
    assert error_of(response) == (403, "accessDenied", "Forbidden")


def test_non_admin_listing_needs_a_search_term(bob: Graph) -> None:
    assert error_of(bob.get(f"{V1}/users"))[::2] == (403, "search term too short")
    assert error_of(bob.get(f"{V1}/users", params={"$search": "al"}))[::2] == (
        403,
        "search term too short",
    )
    assert (
        error_of(bob.get(f"{V1}/users", params={"$search": "alice", "$expand": "memberOf"}))[0]
        == 403
    )
    found = bob.get(f"{V1}/users", params={"$search": "ali"}).json()["value"]
    assert [set(user) for user in found] == [{"id", "displayName", "userType"}]


def test_non_admin_sees_mail_when_configured(emulator: OcisEmulator) -> None:
    configured = OcisEmulator(show_user_email=True)
    with in_process(configured) as admin:
        admin.create_user("alice", "Alice", mail="alice@example.org")
        admin.create_user("bob")
    with in_process(configured, token=configured.issue_token("bob")) as as_bob:
        [alice] = as_bob.get(f"{V1}/users", params={"$search": "alice"}).json()["value"]
        assert alice["mail"] == "alice@example.org"


def test_non_admin_get_user_is_reduced_except_for_self(bob: Graph) -> None:
    other = bob.get(f"{V1}/users/alice").json()
    assert set(other) == {"id", "displayName", "userType"}
    me = bob.get(f"{V1}/users/bob").json()
    assert me["onPremisesSamAccountName"] == "bob" and me["accountEnabled"] is True


def test_non_admin_cannot_read_another_users_drive(
    bob: Graph, emulator: OcisEmulator, graph: Graph
) -> None:
    emulator.login("alice")
    alice_id = graph.get(f"{V1}/users/alice").json()["id"]
    assert error_of(bob.get(f"{V1}/users/{alice_id}/drive")) == (
        404,
        "itemNotFound",
        "no drive returned from storage",
    )
    own = bob.get(f"{V1}/me/drives").json()["value"]
    assert [d["driveAlias"] for d in own] == ["personal/bob"]
    everything = bob.get(f"{V1}/drives").json()["value"]
    assert [d["driveAlias"] for d in everything] == ["personal/bob"]


def test_non_admin_cannot_set_quota_or_create_projects(bob: Graph) -> None:
    drive_id = bob.get(f"{V1}/me/drive").json()["id"]
    assert error_of(bob.patch(f"{V1}/drives/{drive_id}", json={"quota": {"total": 1}})) == (
        403,
        "notAllowed",
        "user is not allowed to set the space quota",
    )
    assert error_of(bob.post(f"{V1}/drives", json={"name": "Mine"}))[:2] == (403, "notAllowed")


def test_app_tokens_over_basic_auth(graph: Graph, emulator: OcisEmulator) -> None:
    graph.create_user("carol")
    with in_process(emulator, token=emulator.issue_token("carol")) as as_carol:
        created = as_carol.post("/auth-app/tokens", params={"expiry": "72h"})
        assert created.status_code == 200
        secret = created.json()["token"]
        assert len(secret) == 16
        listed = as_carol.get("/auth-app/tokens").json()
        assert [item["label"] for item in listed] == ["Generated via API"]
        assert secret not in str(listed)
        assert secret not in str(emulator.snapshot())
    with in_process(emulator, token=None, headers=_basic("carol", secret)) as app:
        assert app.get(f"{V1}/me").json()["onPremisesSamAccountName"] == "carol"
        assert app.delete("/auth-app/tokens", params={"token": secret}).status_code == 200
        assert app.get(f"{V1}/me").status_code == 401


def test_app_token_errors_are_plain_text(graph: Graph) -> None:
    missing = graph.delete("/auth-app/tokens")
    assert (missing.status_code, missing.text) == (400, "missing token\n")
    bad = graph.post("/auth-app/tokens", params={"expiry": "3 days"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/plain")
    assert (
        graph.post("/auth-app/tokens", params={"expiry": "1h", "userName": "x"}).status_code == 403
    )


def test_request_id_is_echoed(graph: Graph) -> None:
    response = graph.get(f"{V1}/users/nobody", headers={"X-Request-Id": "req-123"})
    assert response.headers["X-Request-Id"] == "req-123"
    assert response.json()["error"]["innererror"]["request-id"] == "req-123"
    assert graph.get(f"{V1}/users").headers["X-Request-Id"]


def test_router_answers(graph: Graph) -> None:
    unknown = graph.get(f"{V1}/nothing-here")
    assert (unknown.status_code, unknown.text) == (404, "404 page not found\n")
    wrong_method = graph.put(f"{V1}/users")
    assert (wrong_method.status_code, wrong_method.content) == (405, b"")
    outside = graph.get("/ocs/v1.php/cloud/users")
    assert outside.status_code == 404


def test_tokens_follow_the_username_claim(graph: Graph, emulator: OcisEmulator) -> None:
    graph.create_user("dana")
    token = emulator.issue_token("dana")
    with in_process(emulator, token=token) as as_dana:
        first_id = as_dana.get(f"{V1}/me").json()["id"]
        graph.patch(f"{V1}/users/dana", json={"onPremisesSamAccountName": "dana2"})
        assert as_dana.get(f"{V1}/me").status_code == 401  # the claim no longer resolves
        graph.patch(f"{V1}/users/dana2", json={"onPremisesSamAccountName": "Dana"})
        assert as_dana.get(f"{V1}/me").json()["id"] == first_id  # case-insensitive match
        graph.delete(f"{V1}/users/Dana")
        assert as_dana.get(f"{V1}/me").status_code == 401
        recreated = graph.create_user("dana")
        assert as_dana.get(f"{V1}/me").json()["id"] == recreated["id"]


def test_login_helper_without_autoprovisioning(graph: Graph, emulator: OcisEmulator) -> None:
    with pytest.raises(KeyError):
        emulator.login("ghost")
    graph.create_user("erin", accountEnabled=False)
    with pytest.raises(PermissionError):
        emulator.login("erin")
    assert graph.get(f"{V1}/users/erin", params={"$expand": "drive"}).json()["drive"] == {
        "name": ""
    }


def test_autoprovisioning_creates_and_refreshes_users_at_login() -> None:
    emulator = OcisEmulator(autoprovision=True)
    token = emulator.issue_token(
        "frank@tenant.example",
        display_name="Frank",
        mail="frank@tenant.example",
        issuer="https://auth.example/application/o/ocis/",
        subject="sub-frank",
    )
    with in_process(emulator, token=token) as as_frank:
        me = as_frank.get(f"{V1}/me").json()
        assert (me["onPremisesSamAccountName"], me["displayName"], me["mail"]) == (
            "frank@tenant.example",
            "Frank",
            "frank@tenant.example",
        )
        assert as_frank.get(f"{V1}/me/drive").status_code == 200
    with in_process(emulator) as admin:
        frank = admin.get(f"{V1}/users/frank@tenant.example").json()
        assert frank["identities"] == [
            {"issuer": "https://auth.example/application/o/ocis/", "issuerAssignedId": "sub-frank"}
        ]
        admin.patch(f"{V1}/users/{frank['id']}", json={"displayName": "Changed in OCIS"})
        # The next login brings the IdP's display name back.
        emulator.login("frank@tenant.example", display_name="Frank")
        assert admin.get(f"{V1}/users/{frank['id']}").json()["displayName"] == "Frank"
        # A user deleted in OCIS comes back at the next login while the IdP account lives.
        assert admin.delete(f"{V1}/users/{frank['id']}").status_code == 204
        drive = emulator.login("frank@tenant.example", display_name="Frank")
        back = admin.get(f"{V1}/users/frank@tenant.example").json()
        assert back["id"] != frank["id"] and drive["owner"]["user"]["id"] == back["id"]
