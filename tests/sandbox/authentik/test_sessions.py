"""Browser logins through the flow executor, authenticated sessions and force-logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.authentik import AuthentikEmulator
from tests.sandbox.authentik.conftest import (
    FLOW_URL,
    TOKEN,
    ClientFactory,
    SignIn,
    browser_login,
)
from tests.sandbox.authentik.spec_check import validating_client

SESSIONS = "/api/v3/core/authenticated_sessions/"
ME = "/api/v3/core/users/me/"


@pytest.fixture
def members(emulator: AuthentikEmulator) -> dict[str, int]:
    return {
        "alice": emulator.add_user("alice", password="alice-pw-1", email="alice@acme.test"),
        "bob": emulator.add_user("bob", password="bob-pw-1"),
        "bobby": emulator.add_user("bobby", password="bobby-pw-1"),
    }


def browser(make_client: ClientFactory, agent: str, **headers: str) -> httpx.Client:
    return make_client(token=None, headers={"User-Agent": agent, **headers})


def uuids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [s["uuid"] for s in response.json()["results"]]


def test_login_flow_challenges_and_session(
    api: httpx.Client, make_client: ClientFactory, members: dict[str, int]
) -> None:
    web = browser(make_client, "alice-browser", **{"X-Forwarded-For": "203.0.113.7"})
    first = web.get(FLOW_URL, params={"query": ""})
    assert first.status_code == 200
    challenge = first.json()
    assert challenge["component"] == "ak-stage-identification"
    assert challenge["user_fields"] == ["email", "username"]
    assert challenge["flow_designation"] == "authentication"
    assert "authentik_session" in web.cookies
    anonymous_key = web.cookies["authentik_session"]
    second = web.post(
        FLOW_URL,
        params={"query": ""},
        json={"component": "ak-stage-identification", "uid_field": "ALICE@acme.test"},
    ).json()
    assert second["component"] == "ak-stage-password"
    assert second["pending_user"] == "alice"
    done = web.post(
        FLOW_URL,
        params={"query": ""},
        json={"component": "ak-stage-password", "password": "alice-pw-1"},
    ).json()
    assert done == {"component": "xak-flow-redirect", "to": "/"}
    assert web.cookies["authentik_session"] != anonymous_key  # the session key is cycled
    me = web.get(ME).json()["user"]
    assert me["username"] == "alice" and me["pk"] == members["alice"]
    listed = api.get(SESSIONS).json()["results"]
    assert len(listed) == 1
    session = listed[0]
    assert session["user"] == members["alice"]
    assert session["last_ip"] == "203.0.113.7"
    assert session["last_user_agent"] == "alice-browser"
    assert session["user_agent"]["string"] == "alice-browser"
    assert session["current"] is False
    own = web.get(SESSIONS).json()["results"]
    assert [s["current"] for s in own] == [True]
    user = api.get(f"/api/v3/core/users/{members['alice']}/").json()
    assert user["last_login"] is not None


@pytest.mark.parametrize("password", ["wrong-password", "ALICE-PW-1"])
def test_wrong_password_rerenders_the_password_stage(
    api: httpx.Client, make_client: ClientFactory, members: dict[str, int], password: str
) -> None:
    web = browser(make_client, "x")
    result = browser_login(web, "alice", password)
    assert result["component"] == "ak-stage-password"
    assert result["response_errors"] == {
        "password": [{"string": "Invalid password", "code": "invalid"}]
    }
    assert web.get(ME).status_code == 403
    assert api.get(SESSIONS).json()["results"] == []


def test_suspended_user_cannot_log_in(
    api: httpx.Client, make_client: ClientFactory, members: dict[str, int]
) -> None:
    api.patch(f"/api/v3/core/users/{members['alice']}/", json={"is_active": False})
    web = browser(make_client, "x")
    result = browser_login(web, "alice", "alice-pw-1")
    assert result["component"] == "ak-stage-password"
    assert "response_errors" in result
    assert api.get(SESSIONS).json()["results"] == []
    api.patch(f"/api/v3/core/users/{members['alice']}/", json={"is_active": True})
    assert browser_login(browser(make_client, "y"), "alice", "alice-pw-1")["component"] == (
        "xak-flow-redirect"
    )


def test_unknown_user_still_reaches_the_password_stage(
    make_client: ClientFactory, members: dict[str, int]
) -> None:
    web = browser(make_client, "x")
    web.get(FLOW_URL, params={"query": ""})
    step = web.post(FLOW_URL, params={"query": ""}, json={"uid_field": "ghost"}).json()
    assert step["component"] == "ak-stage-password" and step["pending_user"] == "ghost"
    assert (
        web.post(FLOW_URL, params={"query": ""}, json={"password": "x"}).json()["response_errors"][
            "password"
        ][0]["code"]
        == "invalid"
    )


def test_identification_and_password_field_errors(
    make_client: ClientFactory, members: dict[str, int]
) -> None:
    web = browser(make_client, "x")
    empty = web.post(FLOW_URL, params={"query": ""}, json={"uid_field": ""}).json()
    assert empty["component"] == "ak-stage-identification"
    assert empty["response_errors"] == {
        "non_field_errors": [{"string": "No identification data provided.", "code": "invalid"}]
    }
    web.post(FLOW_URL, params={"query": ""}, json={"uid_field": "alice"})
    blank = web.post(FLOW_URL, params={"query": ""}, json={"password": ""}).json()
    assert blank["response_errors"] == {
        "password": [{"string": "This field may not be blank.", "code": "blank"}]
    }
    missing = web.post(FLOW_URL, params={"query": ""}, json={}).json()
    assert missing["response_errors"]["password"][0]["code"] == "required"


def test_too_many_failures_cancel_the_flow(
    make_client: ClientFactory, members: dict[str, int]
) -> None:
    web = browser(make_client, "x")
    web.post(FLOW_URL, params={"query": ""}, json={"uid_field": "alice"})
    for _ in range(5):
        again = web.post(FLOW_URL, params={"query": ""}, json={"password": "nope"}).json()
        assert again["component"] == "ak-stage-password"
    denied = web.post(FLOW_URL, params={"query": ""}, json={"password": "nope"}).json()
    assert denied["component"] == "ak-stage-access-denied"
    assert denied["pending_user"] == "alice"
    restarted = web.get(FLOW_URL, params={"query": ""}).json()
    assert restarted["component"] == "ak-stage-identification"


def test_unknown_flow(make_client: ClientFactory) -> None:
    response = make_client(token=None).get("/api/v3/flows/executor/nope/", params={"query": ""})
    assert response.status_code == 404
    assert response.json() == {"detail": "No Flow matches the given query."}


def test_sessions_list_ignores_user_and_honours_username(
    api: httpx.Client, emulator: AuthentikEmulator, members: dict[str, int], sign_in: SignIn
) -> None:
    sign_in("alice", "alice-pw-1", user_agent="a1")
    sign_in("bob", "bob-pw-1", user_agent="b1", ip="198.51.100.2")
    sign_in("bob", "bob-pw-1", user_agent="b2")
    sign_in("bobby", "bobby-pw-1", user_agent="bb1")
    everything = uuids(api.get(SESSIONS))
    assert len(everything) == 4
    assert uuids(api.get(SESSIONS, params={"user": members["bob"]})) == everything
    assert uuids(api.get(SESSIONS, params={"user_id": members["bob"]})) == everything
    assert uuids(api.get(SESSIONS, params={"user__username": ""})) == everything
    bobs = api.get(SESSIONS, params={"user__username": "bob"}).json()["results"]
    assert [s["user"] for s in bobs] == [members["bob"], members["bob"]]
    assert uuids(api.get(SESSIONS, params={"user__username": "nobody"})) == []
    searched = api.get(SESSIONS, params={"search": "bob"}).json()["results"]
    assert {s["user"] for s in searched} == {members["bob"], members["bobby"]}
    by_ip = api.get(SESSIONS, params={"session__last_ip": "198.51.100.2"}).json()["results"]
    assert [s["last_user_agent"] for s in by_ip] == ["b1"]
    by_agent = api.get(SESSIONS, params={"session__last_user_agent": "bb1"}).json()["results"]
    assert [s["user"] for s in by_agent] == [members["bobby"]]
    ordered = [s["user"] for s in api.get(SESSIONS).json()["results"]]
    assert ordered == [members["alice"], members["bob"], members["bob"], members["bobby"]]


def test_retrieve_and_delete_session(
    api: httpx.Client,
    emulator: AuthentikEmulator,
    make_client: ClientFactory,
    members: dict[str, int],
) -> None:
    web = browser(make_client, "alice-browser")
    assert browser_login(web, "alice", "alice-pw-1")["component"] == "xak-flow-redirect"
    session = api.get(SESSIONS).json()["results"][0]
    url = f"{SESSIONS}{session['uuid']}/"
    assert api.get(url).json() == session
    assert (
        api.get(url.upper().replace("/API/V3/CORE/AUTHENTICATED_SESSIONS/", SESSIONS)).json()[
            "uuid"
        ]
        == session["uuid"]
    )
    deleted = api.delete(url)
    assert deleted.status_code == 204 and deleted.content == b""
    again = api.delete(url)
    assert again.status_code == 404
    assert again.json() == {"detail": "No AuthenticatedSession matches the given query."}
    assert api.delete(f"{SESSIONS}not-a-uuid/").json() == {"detail": "Not found."}
    logged_out = web.get(ME)
    assert logged_out.status_code == 403
    assert logged_out.json() == {"detail": "Authentication credentials were not provided."}


def test_patch_deactivation_ends_sessions_at_once(
    api: httpx.Client,
    emulator: AuthentikEmulator,
    make_client: ClientFactory,
    members: dict[str, int],
    sign_in: SignIn,
) -> None:
    web = browser(make_client, "bob-1")
    browser_login(web, "bob", "bob-pw-1")
    sign_in("bob", "bob-pw-1", user_agent="bob-2")
    sign_in("alice", "alice-pw-1")
    assert len(uuids(api.get(SESSIONS, params={"user__username": "bob"}))) == 2
    api.patch(f"/api/v3/core/users/{members['bob']}/", json={"is_active": False})
    assert uuids(api.get(SESSIONS, params={"user__username": "bob"})) == []
    assert len(uuids(api.get(SESSIONS, params={"user__username": "alice"}))) == 1
    api.patch(f"/api/v3/core/users/{members['bob']}/", json={"is_active": True})
    assert uuids(api.get(SESSIONS, params={"user__username": "bob"})) == []
    assert web.get(ME).status_code == 403


def test_put_deactivation_keeps_sessions_until_the_browser_returns(
    api: httpx.Client, make_client: ClientFactory, members: dict[str, int]
) -> None:
    web = browser(make_client, "bob-3")
    browser_login(web, "bob", "bob-pw-1")
    put = api.put(
        f"/api/v3/core/users/{members['bob']}/",
        json={"username": "bob", "name": "bob", "is_active": False},
    )
    assert put.status_code == 200
    assert len(uuids(api.get(SESSIONS, params={"user__username": "bob"}))) == 1
    answer = web.get(ME)
    assert answer.status_code == 400
    assert answer.text == "" and answer.headers["content-type"] == "text/html; charset=utf-8"
    assert uuids(api.get(SESSIONS, params={"user__username": "bob"})) == []


def test_any_patch_on_an_inactive_user_ends_its_sessions(
    api: httpx.Client, emulator: AuthentikEmulator, members: dict[str, int], sign_in: SignIn
) -> None:
    sign_in("bob", "bob-pw-1")
    api.put(
        f"/api/v3/core/users/{members['bob']}/",
        json={"username": "bob", "name": "bob", "is_active": False},
    )
    api.patch(f"/api/v3/core/users/{members['bob']}/", json={"name": "Bob"})
    assert uuids(api.get(SESSIONS, params={"user__username": "bob"})) == []


def test_force_logout_by_client_side_pk_filter_spares_others(
    api: httpx.Client, emulator: AuthentikEmulator, members: dict[str, int], sign_in: SignIn
) -> None:
    for name in ("alice", "bob", "bob", "bobby"):
        sign_in(name, f"{name}-pw-1")
    target = members["bob"]
    listed = api.get(SESSIONS, params={"user": target}).json()["results"]
    assert {s["user"] for s in listed} == set(members.values())  # the server did not filter
    for session in [s for s in listed if s["user"] == target]:
        assert api.delete(f"{SESSIONS}{session['uuid']}/").status_code == 204
    left = api.get(SESSIONS).json()["results"]
    assert sorted(s["user"] for s in left) == sorted([members["alice"], members["bobby"]])


def test_bulk_delete(
    api: httpx.Client, emulator: AuthentikEmulator, members: dict[str, int], sign_in: SignIn
) -> None:
    for name in ("alice", "bob", "bob"):
        sign_in(name, f"{name}-pw-1")
    url = f"{SESSIONS}bulk_delete/"
    missing = api.delete(url)
    assert missing.status_code == 400
    assert missing.json() == {"user_pks": ["This field is required."]}
    done = api.delete(url, params={"user_pks": [members["bob"], 999999]})
    assert done.status_code == 200 and done.json() == {"deleted": 2}
    assert [s["user"] for s in api.get(SESSIONS).json()["results"]] == [members["alice"]]


def test_bulk_delete_is_absent_before_2026_2() -> None:
    emulator = AuthentikEmulator(token=TOKEN, bulk_delete=False)
    api = validating_client(SandboxTransport(emulator), base_url="http://x", token=TOKEN)
    response = api.delete(f"{SESSIONS}bulk_delete/", params={"user_pks": 6})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_browser_writes_need_the_csrf_header(
    make_client: ClientFactory, emulator: AuthentikEmulator, members: dict[str, int]
) -> None:
    emulator.grant("alice", "authentik_core.change_user")
    web = browser(make_client, "x")
    browser_login(web, "alice", "alice-pw-1")
    url = f"/api/v3/core/users/{members['alice']}/"
    refused = web.patch(url, json={"name": "A"})
    assert refused.status_code == 403
    assert refused.json() == {"detail": "CSRF Failed: CSRF token missing."}
    token = web.cookies["authentik_csrf"]
    wrong = web.patch(url, json={"name": "A"}, headers={"X-authentik-CSRF": token + "x"})
    assert wrong.json() == {"detail": "CSRF Failed: CSRF token incorrect."}
    accepted = web.patch(url, json={"name": "A"}, headers={"X-authentik-CSRF": token})
    assert accepted.status_code == 200


def test_sessions_expire_after_a_day() -> None:
    now = [datetime(2026, 11, 26, 12, 0, tzinfo=UTC)]
    emulator = AuthentikEmulator(token=TOKEN, clock=lambda: now[0])
    emulator.add_user("carol", password="carol-pw-1")
    web = validating_client(SandboxTransport(emulator), base_url="http://x")
    assert browser_login(web, "carol", "carol-pw-1")["component"] == "xak-flow-redirect"
    api = validating_client(SandboxTransport(emulator), base_url="http://x", token=TOKEN)
    session = api.get(SESSIONS).json()["results"][0]
    assert session["expires"] == "2026-11-27T12:00:00.000000Z"
    now[0] += timedelta(days=1)
    assert web.get(ME).status_code == 403
    assert api.get(SESSIONS).json()["results"] == []


def test_set_password_does_not_end_sessions(
    api: httpx.Client, emulator: AuthentikEmulator, members: dict[str, int], sign_in: SignIn
) -> None:
    sign_in("alice", "alice-pw-1")
    api.post(f"/api/v3/core/users/{members['alice']}/set_password/", json={"password": "new-pw-9"})
    assert len(uuids(api.get(SESSIONS))) == 1
    assert sign_in("alice", "alice-pw-1") is None
    assert sign_in("alice", "new-pw-9") is not None


def test_login_helper_runs_the_real_flow(
    api: httpx.Client, emulator: AuthentikEmulator, members: dict[str, int]
) -> None:
    cookie = emulator.login("alice", "alice-pw-1", user_agent="helper", ip="192.0.2.1")
    assert cookie is not None
    assert emulator.login("alice", "wrong") is None
    session = api.get(SESSIONS).json()["results"][0]
    assert (session["user"], session["last_user_agent"], session["last_ip"]) == (
        members["alice"],
        "helper",
        "192.0.2.1",
    )
    assert emulator.store.session_by_key(cookie) is not None
