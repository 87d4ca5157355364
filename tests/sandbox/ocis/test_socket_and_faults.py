"""Over a real loopback socket: a member's whole OCIS life cycle, and injected faults (429 with
Retry-After, 503 on the nth request, a connection reset, a truncated body, latency)."""

from __future__ import annotations

import time

import httpx
import pytest

from dezkysync.sandbox.ocis import OcisEmulator
from tests.sandbox.ocis.helpers import V1, Graph, in_process


def test_member_life_cycle_over_the_socket(http: Graph, emulator: OcisEmulator) -> None:
    created = http.create_user(
        "alice@tenant.example",
        "Alice Example",
        mail="alice@tenant.example",
        identities=[
            {"issuer": "https://auth.example/application/o/ocis/", "issuerAssignedId": "sub-1"}
        ],
    )
    assert http.get(f"{V1}/users/alice@tenant.example").json()["id"] == created["id"]
    found = http.get(f"{V1}/users", params={"$search": '"alice@tenant.example"'}).json()["value"]
    assert [u["id"] for u in found] == [created["id"]]
    group = http.create_group("tenant-a")
    http.add_member(group["id"], created["id"])
    emulator.login("alice@tenant.example")
    drive = http.get(f"{V1}/users/{created['id']}/drive").json()
    quota = http.patch(
        f"{V1}/drives/{drive['id'].replace('$', '%24')}", json={"quota": {"total": 10**9}}
    )
    assert quota.json()["quota"]["total"] == 10**9
    assert (
        http.patch(f"{V1}/users/{created['id']}", json={"accountEnabled": False}).json()[
            "accountEnabled"
        ]
        is False
    )
    assert http.delete(f"{V1}/groups/{group['id']}/members/{created['id']}/$ref").status_code == 204
    assert http.delete(f"{V1}/users/{created['id']}").status_code == 204
    assert http.get(f"{V1}/drives/{drive['id']}").status_code == 404
    assert http.checker.checked >= 10


def test_unauthenticated_over_the_socket(http: Graph) -> None:
    response = http.get(f"{V1}/users", headers={"Authorization": "Bearer nope"})
    assert (response.status_code, response.content) == (401, b"")


def test_429_with_retry_after(http: Graph, emulator: OcisEmulator) -> None:
    emulator.faults.inject("status", status=429, retry_after=2, path=r"^/graph/v1\.0/users$")
    throttled = http.get(f"{V1}/users")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "2"
    assert http.get(f"{V1}/users").status_code == 200


def test_503_on_the_nth_request_only(http: Graph, emulator: OcisEmulator) -> None:
    emulator.faults.inject("status", status=503, method="POST", path="/users", nth=2)
    assert (
        http.post(
            f"{V1}/users", json={"displayName": "A", "onPremisesSamAccountName": "a"}
        ).status_code
        == 201
    )
    failed = http.post(f"{V1}/users", json={"displayName": "B", "onPremisesSamAccountName": "b"})
    assert failed.status_code == 503
    assert (
        http.post(
            f"{V1}/users", json={"displayName": "B", "onPremisesSamAccountName": "b"}
        ).status_code
        == 201
    )
    # The faulted request never reached the handler.
    names = [u["onPremisesSamAccountName"] for u in http.get(f"{V1}/users").json()["value"]]
    assert names == ["dezkysync", "a", "b"]


def test_reset_is_a_connection_error(http: Graph, emulator: OcisEmulator) -> None:
    emulator.faults.inject("reset", path="/groups")
    with pytest.raises(httpx.TransportError):
        http.get(f"{V1}/groups")
    assert http.get(f"{V1}/groups").status_code == 200


def test_reset_in_process_maps_to_the_same_httpx_error(emulator: OcisEmulator) -> None:
    emulator.faults.inject("reset")
    with in_process(emulator) as client, pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{V1}/me")


def test_truncated_body(http: Graph, emulator: OcisEmulator) -> None:
    emulator.faults.inject("truncate", path=r"^/graph/v1\.0/users$")
    http.checker.expect_truncated()
    response = http.get(f"{V1}/users")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_latency(http: Graph, emulator: OcisEmulator) -> None:
    emulator.faults.inject("latency", delay=0.2)
    started = time.monotonic()
    assert http.get(f"{V1}/me").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_faults_through_the_admin_endpoint(http: Graph) -> None:
    rule = http.post(
        "/_emulator/faults", json={"kind": "status", "status": 503, "path": "/drives", "times": 2}
    )
    assert rule.status_code == 201
    assert [http.get(f"{V1}/drives").status_code for _ in range(3)] == [503, 503, 200]
    assert http.delete("/_emulator/faults").status_code == 204
    summary = http.get("/_emulator/requests").json()
    assert summary["by_route"]["GET /graph/v1.0/drives"] == 3
