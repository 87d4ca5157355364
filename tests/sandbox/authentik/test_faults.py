"""Fault injection (from the emulator base) on the authentik emulator, over a real socket."""

from __future__ import annotations

import json

import httpx
import pytest

from dezkysync.sandbox.authentik import AuthentikEmulator
from dezkysync.sandbox.server import RunningServer
from tests.sandbox.authentik.conftest import TOKEN
from tests.sandbox.authentik.spec_check import check_response, validating_client

USERS = "/api/v3/core/users/"


def test_429_with_retry_after(live_api: httpx.Client, emulator: AuthentikEmulator) -> None:
    emulator.faults.inject("status", status=429, retry_after=3, path=r"^/api/v3/core/users/$")
    throttled = live_api.get(USERS)
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "3"
    assert "detail" in throttled.json()
    assert live_api.get(USERS).status_code == 200


def test_503_on_the_nth_request_only(live_api: httpx.Client, emulator: AuthentikEmulator) -> None:
    emulator.faults.inject("status", status=503, path=r"^/api/v3/core/users/$", nth=2)
    assert [live_api.get(USERS).status_code for _ in range(3)] == [200, 503, 200]


def test_a_faulted_write_changes_nothing(
    live_api: httpx.Client, emulator: AuthentikEmulator
) -> None:
    emulator.faults.inject("status", status=502, method="POST", path=r"^/api/v3/core/users/$")
    assert live_api.post(USERS, json={"username": "ghost", "name": "G"}).status_code == 502
    assert live_api.get(USERS, params={"username": "ghost"}).json()["pagination"]["count"] == 0


def test_reset_is_a_connection_error_and_changes_nothing(
    live_api: httpx.Client, emulator: AuthentikEmulator
) -> None:
    emulator.faults.inject("reset", method="POST", path=r"^/api/v3/core/users/$")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)):
        live_api.post(USERS, json={"username": "ghost", "name": "G"})
    assert emulator.store.user_by_username("ghost") is None
    assert live_api.post(USERS, json={"username": "ghost", "name": "G"}).status_code == 201


def test_truncated_body(server: RunningServer, emulator: AuthentikEmulator) -> None:
    rule = emulator.faults.inject("truncate", method="GET", path=r"^/api/v3/core/users/$")

    def check(response: httpx.Response) -> None:
        if rule.fired and response.request.url.path == USERS and response.status_code == 200:
            with pytest.raises(json.JSONDecodeError):
                json.loads(response.content)
            return
        check_response(response)

    with validating_client(base_url=server.url, token=TOKEN, check=check) as client:
        response = client.get(USERS)
        assert response.status_code == 200 and rule.fired == 1
        with pytest.raises(ValueError):
            response.json()


def test_faults_through_the_admin_endpoint(
    live_api: httpx.Client, emulator: AuthentikEmulator
) -> None:
    created = live_api.post(
        "/_emulator/faults",
        json={"kind": "status", "status": 500, "path": "^/api/v3/core/groups/$", "times": 2},
    )
    assert created.status_code == 201
    assert [live_api.get("/api/v3/core/groups/").status_code for _ in range(3)] == [500, 500, 200]
    counts = live_api.get("/_emulator/requests").json()
    assert counts["by_route"]["GET /api/v3/core/groups/"] == 3
    assert live_api.delete("/_emulator/faults").status_code == 204


def test_latency(live_api: httpx.Client, emulator: AuthentikEmulator) -> None:
    import time

    emulator.faults.inject("latency", delay=0.15, path=r"^/api/v3/core/users/me/$")
    started = time.monotonic()
    assert live_api.get(f"{USERS}me/").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_reads_are_not_writes(live_api: httpx.Client, emulator: AuthentikEmulator) -> None:
    live_api.delete("/_emulator/requests")
    live_api.get(USERS)
    live_api.get("/api/v3/core/authenticated_sessions/", params={"user": 5})
    live_api.post(USERS, json={"username": "w", "name": "w"})
    summary = live_api.get("/_emulator/requests").json()
    assert summary["total"] == 3 and summary["writes"] == 1
