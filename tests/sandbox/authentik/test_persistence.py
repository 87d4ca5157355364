"""Snapshot/restore (the sandbox persists the install between CLI runs) and secret hygiene."""

from __future__ import annotations

import json

import httpx
import pytest

from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.authentik import AuthentikEmulator
from tests.sandbox.authentik.conftest import TOKEN, ClientFactory, browser_login
from tests.sandbox.authentik.spec_check import validating_client

SECRET = "Very-Secret-One-Time-Password-42"


def test_snapshot_round_trip_keeps_everything(
    api: httpx.Client, emulator: AuthentikEmulator, make_client: ClientFactory
) -> None:
    group = api.post("/api/v3/core/groups/", json={"name": "tenant-acme"}).json()
    user = api.post(
        "/api/v3/core/users/",
        json={"username": "alice", "name": "A", "groups": [group["pk"]], "attributes": {"k": 1}},
    ).json()
    api.post(f"/api/v3/core/users/{user['pk']}/set_password/", json={"password": SECRET})
    web = make_client(token=None, headers={"User-Agent": "persisted"})
    browser_login(web, "alice", SECRET)
    data = json.loads(json.dumps(emulator.snapshot()))

    copy = AuthentikEmulator(token=TOKEN)
    copy.restore(data)
    again = validating_client(SandboxTransport(copy), base_url="http://x", token=TOKEN)
    assert again.get("/api/v3/core/users/").json() == api.get("/api/v3/core/users/").json()
    assert again.get("/api/v3/core/groups/").json() == api.get("/api/v3/core/groups/").json()
    sessions = again.get("/api/v3/core/authenticated_sessions/").json()["results"]
    assert [s["last_user_agent"] for s in sessions] == ["persisted"]
    cookie = web.cookies["authentik_session"]
    restored_web = validating_client(
        SandboxTransport(copy), base_url="http://x", cookies={"authentik_session": cookie}
    )
    assert restored_web.get("/api/v3/core/users/me/").json()["user"]["username"] == "alice"
    fresh_browser = validating_client(SandboxTransport(copy), base_url="http://x")
    assert browser_login(fresh_browser, "alice", SECRET)["component"] == "xak-flow-redirect"
    created = again.post("/api/v3/core/users/", json={"username": "next", "name": "n"}).json()
    assert created["pk"] == user["pk"] + 1
    assert (
        again.get("/api/v3/core/users/me/").json()["user"]["uid"]
        == api.get("/api/v3/core/users/me/").json()["user"]["uid"]
    )


def test_snapshot_never_holds_plaintext_passwords(
    api: httpx.Client, emulator: AuthentikEmulator
) -> None:
    emulator.add_user("bob", password=SECRET)
    user = api.get("/api/v3/core/users/", params={"username": "bob"}).json()["results"][0]
    api.post(f"/api/v3/core/users/{user['pk']}/set_password/", json={"password": SECRET + "2"})
    dumped = json.dumps(emulator.snapshot())
    assert SECRET not in dumped
    stored = next(u for u in emulator.snapshot()["store"]["users"] if u["username"] == "bob")
    assert stored["password"].startswith("pbkdf2_sha256$10000$")


def test_passwords_never_appear_in_responses(
    api: httpx.Client, emulator: AuthentikEmulator
) -> None:
    emulator.add_user("carol", password=SECRET)
    for path in ("/api/v3/core/users/", "/api/v3/core/users/me/", "/api/v3/core/groups/"):
        body = api.get(path).text
        assert SECRET not in body and "pbkdf2" not in body


def test_restore_refuses_foreign_snapshots(emulator: AuthentikEmulator) -> None:
    with pytest.raises(ValueError):
        emulator.restore({"service": "stalwart"})


def test_state_admin_endpoint(api: httpx.Client) -> None:
    state = api.get("/_emulator/state").json()
    assert state["service"] == "authentik"
    assert {u["username"] for u in state["store"]["users"]} >= {"akadmin", "dezkysync"}


def test_on_write_hook_sees_only_writes(api: httpx.Client, emulator: AuthentikEmulator) -> None:
    calls: list[str] = []
    emulator.on_write = lambda emu: calls.append("saved")
    api.get("/api/v3/core/users/")
    assert calls == []
    api.post("/api/v3/core/users/", json={"username": "x", "name": "x"})
    assert calls == ["saved"]


def test_restore_keeps_the_constructors_token(emulator: AuthentikEmulator) -> None:
    emulator.add_user("kept")
    other = AuthentikEmulator(token="rotated-token")
    other.restore(emulator.snapshot())
    rotated = validating_client(SandboxTransport(other), base_url="http://x", token="rotated-token")
    me = rotated.get("/api/v3/core/users/me/").json()["user"]
    assert me["username"] == "dezkysync"
    assert rotated.get("/api/v3/core/users/", params={"username": "kept"}).json()["results"]
    stale = validating_client(SandboxTransport(other), base_url="http://x", token=TOKEN)
    assert stale.get("/api/v3/core/users/me/").status_code == 403
