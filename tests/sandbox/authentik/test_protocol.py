"""Authentication, URL and request-format rules that apply to every endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.authentik import AuthentikEmulator
from tests.sandbox.authentik.conftest import TOKEN, ClientFactory
from tests.sandbox.authentik.spec_check import check_response, validating_client
from tests.support.contract import ContractViolation, require_specs

ME = "/api/v3/core/users/me/"
USERS = "/api/v3/core/users/"


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Authentication credentials were not provided."),
        ({"Authorization": "Bearer "}, "Authentication credentials were not provided."),
        ({"Authorization": "Bearer not-a-token"}, "Token invalid/expired"),
        ({"Authorization": f"bearer {TOKEN}x"}, "Token invalid/expired"),
    ],
)
def test_auth_failures_are_403(
    make_client: ClientFactory, headers: dict[str, str], detail: str
) -> None:
    response = make_client(token=None, headers=headers).get(ME)
    assert response.status_code == 403
    assert response.json() == {"detail": detail}
    assert "www-authenticate" not in response.headers


def test_bearer_scheme_is_case_insensitive(make_client: ClientFactory) -> None:
    client = make_client(token=None, headers={"Authorization": f"bearer {TOKEN}"})
    assert client.get(ME).status_code == 200


def test_inactive_token_owner_is_rejected(api: httpx.Client) -> None:
    me = api.get(ME).json()["user"]
    assert api.patch(f"{USERS}{me['pk']}/", json={"is_active": False}).status_code == 200
    after = api.get(ME)
    assert after.status_code == 403
    assert after.json() == {"detail": "Token invalid/expired"}


def test_expiring_api_token_dies_after_thirty_minutes() -> None:
    now = [datetime(2026, 11, 26, 12, 0, tzinfo=UTC)]
    emulator = AuthentikEmulator(token=TOKEN, clock=lambda: now[0])
    api = validating_client(SandboxTransport(emulator), base_url="http://x", token=TOKEN)
    created = api.post(
        "/api/v3/core/tokens/", json={"identifier": "short", "intent": "api", "expiring": True}
    ).json()
    assert created["expires"] == "2026-11-26T12:30:00.000000Z"
    key = api.get("/api/v3/core/tokens/short/view_key/").json()["key"]
    short = validating_client(SandboxTransport(emulator), base_url="http://x", token=key)
    assert short.get(ME).status_code == 200
    now[0] += timedelta(minutes=30)
    assert short.get(ME).json() == {"detail": "Token invalid/expired"}
    assert api.get(ME).status_code == 200  # the service token does not expire


def test_missing_trailing_slash(api: httpx.Client, emulator: AuthentikEmulator) -> None:
    got = api.get("/api/v3/core/users")
    assert got.status_code == 404
    assert got.headers["content-type"] == "text/html; charset=utf-8"
    posted = api.post("/api/v3/core/users", json={"username": "noslash", "name": "x"})
    assert posted.status_code == 405
    assert posted.text == ""
    assert posted.headers["allow"] == "GET, HEAD, OPTIONS"
    assert emulator.store.user_by_username("noslash") is None


def test_unknown_paths_go_to_the_web_interface(api: httpx.Client) -> None:
    assert api.get("/api/v3/core/nothing/").status_code == 404
    assert api.get("/if/admin/").status_code == 404
    assert api.delete("/api/v3/core/nothing/").status_code == 405


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/api/v3/core/users/me/", "GET, HEAD, OPTIONS"),
        ("DELETE", "/api/v3/core/users/", "GET, POST, HEAD, OPTIONS"),
        ("GET", "/api/v3/core/users/5/set_password/", "POST, OPTIONS"),
        (
            "PUT",
            "/api/v3/core/authenticated_sessions/4a6daa97-ddba-46f6-99f9-20bdfcd5def6/",
            "GET, DELETE, HEAD, OPTIONS",
        ),
        (
            "PATCH",
            "/api/v3/core/authenticated_sessions/4a6daa97-ddba-46f6-99f9-20bdfcd5def6/",
            "GET, DELETE, HEAD, OPTIONS",
        ),
        (
            "GET",
            "/api/v3/core/groups/e9239ff5-4ec7-4b9f-9601-c61d4a750dfd/add_user/",
            "POST, OPTIONS",
        ),
        ("POST", "/api/v3/core/users/999999/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
    ],
)
def test_method_not_allowed_comes_before_lookup(
    api: httpx.Client, method: str, path: str, allow: str
) -> None:
    response = api.request(method, path, json={})
    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method}" not allowed.'}
    assert response.headers["allow"] == allow


def test_authentication_comes_before_the_method_check(make_client: ClientFactory) -> None:
    response = make_client(token=None).post(ME)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"username=form&name=Form"),
        ("text/plain", b'{"username":"tp","name":"tp"}'),
        ("application/xml", b"<user/>"),
    ],
)
def test_non_json_bodies_are_415(
    api: httpx.Client, emulator: AuthentikEmulator, content_type: str, body: bytes
) -> None:
    response = api.post(USERS, content=body, headers={"Content-Type": content_type})
    assert response.status_code == 415
    assert response.json() == {"detail": f'Unsupported media type "{content_type}" in request.'}
    assert emulator.store.user_by_username("form") is None


def test_malformed_json_and_non_object_bodies(api: httpx.Client) -> None:
    broken = api.post(
        USERS, content=b'{"username": "broken",', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json() == {
        "detail": "JSON parse error - unexpected end of data: line 1 column 23 (char 22)"
    }
    array = api.post(USERS, json=[{"username": "x"}])
    assert array.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    text = api.post(USERS, json="x")
    assert text.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got str."]
    }
    null = api.post(USERS, content=b"null", headers={"Content-Type": "application/json"})
    assert null.json() == {"non_field_errors": ["No data provided"]}


def test_lookup_404_beats_body_parsing(api: httpx.Client) -> None:
    response = api.patch(f"{USERS}999999/", content=b"x=1", headers={"Content-Type": "text/plain"})
    assert response.status_code == 404


def test_empty_body_reads_as_an_empty_object(api: httpx.Client) -> None:
    response = api.post(USERS, content=b"", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert response.json() == {
        "username": ["This field is required."],
        "name": ["This field is required."],
    }


def test_head_and_options(api: httpx.Client) -> None:
    head = api.head(USERS)
    assert head.status_code == 200 and head.content == b""
    options = api.options(USERS)
    assert options.status_code == 200
    assert options.headers["allow"] == "GET, POST, HEAD, OPTIONS"


def test_permissions_of_a_plain_service_account(
    api: httpx.Client, make_client: ClientFactory, emulator: AuthentikEmulator
) -> None:
    svc = api.post(f"{USERS}service_account/", json={"name": "svc-p", "expiring": False}).json()
    api.post(
        "/api/v3/core/tokens/",
        json={
            "identifier": "svc-p-api",
            "intent": "api",
            "user": svc["user_pk"],
            "expiring": False,
        },
    )
    key = api.get("/api/v3/core/tokens/svc-p-api/view_key/").json()["key"]
    weak = make_client(token=key)
    me = weak.get(ME).json()["user"]
    assert me["username"] == "svc-p" and me["system_permissions"] == []
    denied = {"detail": "You do not have permission to perform this action."}
    assert weak.get(USERS).json() == denied
    assert weak.patch(f"{USERS}3/", json={"is_active": False}).json() == denied
    assert weak.post(USERS, json={"username": "zed", "name": "Z"}).json() == denied
    assert weak.get("/api/v3/core/groups/").json() == denied
    sessions = weak.get("/api/v3/core/authenticated_sessions/")
    assert sessions.status_code == 200 and sessions.json()["results"] == []
    emulator.grant("svc-p", "authentik_core.view_user")
    assert weak.get(USERS).status_code == 200
    assert weak.patch(f"{USERS}3/", json={"is_active": False}).json() == denied


def test_responses_are_json_with_charset(api: httpx.Client) -> None:
    response = api.get(ME)
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "location" not in api.post(USERS, json={"username": "l", "name": "l"}).headers


@pytest.mark.contract
def test_the_spec_check_rejects_what_the_document_forbids() -> None:
    """The validating clients are not a formality: a wrong body, an undocumented error body and
    an unexpected HTML answer all fail."""
    require_specs()
    request = httpx.Request("GET", "http://x/api/v3/core/users/me/")
    wrong = httpx.Response(200, json={"user": {"pk": "five"}}, request=request)
    with pytest.raises(ContractViolation):
        check_response(wrong)
    missing = httpx.Request("GET", "http://x/api/v3/core/users/5/")
    with pytest.raises(ContractViolation):
        check_response(httpx.Response(404, json={"message": "gone"}, request=missing))
    html = httpx.Response(
        500, text="<html>", headers={"Content-Type": "text/html; charset=utf-8"}, request=request
    )
    with pytest.raises(AssertionError):
        check_response(html)
    check_response(httpx.Response(404, json={"detail": "Not found."}, request=missing))
