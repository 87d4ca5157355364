"""The emulator over a real loopback socket: the same API, cookies and concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from dezkysync.sandbox.authentik import AuthentikEmulator
from dezkysync.sandbox.server import RunningServer
from tests.sandbox.authentik.conftest import browser_login
from tests.sandbox.authentik.spec_check import validating_client

USERS = "/api/v3/core/users/"


def test_core_calls_over_the_socket(live_api: httpx.Client) -> None:
    assert live_api.get(f"{USERS}me/").json()["user"]["username"] == "dezkysync"
    group = live_api.post("/api/v3/core/groups/", json={"name": "tenant-live"}).json()
    user = live_api.post(USERS, json={"username": "live@x.test", "name": "Live"}).json()
    add = live_api.post(f"/api/v3/core/groups/{group['pk']}/add_user/", json={"pk": user["pk"]})
    assert add.status_code == 204 and "content-type" not in add.headers
    listed = live_api.get(USERS, params={"groups_by_name": "tenant-live"}).json()
    assert [u["username"] for u in listed["results"]] == ["live@x.test"]
    page = live_api.get("/api/v3/core/users").text
    assert page.startswith("\n\n\n\n\n<!DOCTYPE html>")


def test_browser_login_over_the_socket(
    live_api: httpx.Client, server: RunningServer, emulator: AuthentikEmulator
) -> None:
    emulator.add_user("web@x.test", password="Web-Password-1")
    with validating_client(
        base_url=server.url, headers={"User-Agent": "real-socket", "X-Forwarded-For": "192.0.2.9"}
    ) as web:
        assert browser_login(web, "web@x.test", "Web-Password-1")["component"] == (
            "xak-flow-redirect"
        )
        assert web.get(f"{USERS}me/").json()["user"]["username"] == "web@x.test"
    session = live_api.get("/api/v3/core/authenticated_sessions/").json()["results"][0]
    assert (session["last_ip"], session["last_user_agent"]) == ("192.0.2.9", "real-socket")


def test_concurrent_creates_get_unique_pks(live_api: httpx.Client) -> None:
    assert live_api.get(f"{USERS}me/").status_code == 200  # loads the spec before the threads

    def create(index: int) -> int:
        response = live_api.post(USERS, json={"username": f"c{index:02d}", "name": "c"})
        assert response.status_code == 201
        pk: int = response.json()["pk"]
        return pk

    with ThreadPoolExecutor(max_workers=8) as pool:
        pks = list(pool.map(create, range(40)))
    assert len(set(pks)) == 40
    count = live_api.get(USERS, params={"path": "users", "search": "c"}).json()["pagination"]
    assert count["count"] >= 40
