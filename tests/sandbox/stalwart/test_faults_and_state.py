"""Fault injection over real sockets, and snapshot/restore of the whole state."""

from __future__ import annotations

import json

import httpx
import pytest

from dezkysync.sandbox.stalwart import StalwartEmulator
from tests.sandbox.stalwart.conftest import (
    STRONG,
    TOKEN,
    USING,
    FakeClock,
    Jmap,
    basic,
    make_user,
)

QUERY = {"using": USING, "methodCalls": [["x:Domain/query", {}, "q"]]}


def test_throttling_with_retry_after(live: Jmap, emulator: StalwartEmulator) -> None:
    emulator.faults.inject("status", path="^/jmap$", status=429, retry_after=7)
    throttled = live.post(QUERY)
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "7"
    assert live.post(QUERY).status_code == 200


def test_unavailable_on_the_nth_request(live: Jmap, emulator: StalwartEmulator) -> None:
    emulator.faults.inject("status", path="^/jmap$", status=503, nth=2, times=2)
    codes = [live.post(QUERY).status_code for _ in range(4)]
    assert codes == [200, 503, 503, 200]


def test_reset_is_a_connection_error(live: Jmap, emulator: StalwartEmulator) -> None:
    emulator.faults.inject("reset", path="^/jmap$")
    with pytest.raises(httpx.TransportError):
        live.post(QUERY)
    assert live.post(QUERY).status_code == 200


def test_truncated_body_is_not_json(live: Jmap, emulator: StalwartEmulator) -> None:
    emulator.faults.inject("truncate", path="^/jmap$")
    response = live.post(QUERY)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_faults_through_the_admin_endpoint(live: Jmap) -> None:
    added = live.client.post(
        "/_emulator/faults", json={"kind": "status", "status": 503, "path": "^/jmap/session$"}
    )
    assert added.status_code == 201
    assert live.client.get("/jmap/session", headers=live.auth).status_code == 503
    assert live.client.get("/jmap/session", headers=live.auth).status_code == 200


def test_snapshot_round_trip(jmap: Jmap, emulator: StalwartEmulator, clock: FakeClock) -> None:
    domain = jmap.create("Domain", {"name": "example.org"})
    make_user(jmap, domain, "ann")
    clock.advance(1)
    before = jmap.get("Domain", domain)
    data = json.loads(json.dumps(emulator.snapshot()))
    assert STRONG not in json.dumps(data) and TOKEN not in json.dumps(data)
    fresh = StalwartEmulator(token="other-token", clock=clock)
    fresh.restore(data)
    with httpx.Client(transport=httpx.WSGITransport(app=fresh), base_url="http://s") as client:
        again = Jmap(client)
        assert again.get("Domain", domain) == before
        assert (
            client.get("/jmap/session", headers=basic("ann@example.org", STRONG)).status_code == 200
        )
        assert again.create("Domain", {"name": "example.net"}) == "c"


def test_pending_dkim_survives_a_restore_identically(clock: FakeClock) -> None:
    original = StalwartEmulator(token=TOKEN, clock=clock)
    with httpx.Client(transport=httpx.WSGITransport(app=original), base_url="http://s") as client:
        jmap = Jmap(client)
        domain = jmap.create("Domain", {"name": "example.org"})
        saved = json.loads(json.dumps(original.snapshot()))
        clock.advance(1)
        first = jmap.get("Domain", domain, ["dnsZoneFile"])["dnsZoneFile"]
    restored = StalwartEmulator(token=TOKEN, clock=clock)
    restored.restore(saved)
    with httpx.Client(transport=httpx.WSGITransport(app=restored), base_url="http://s") as client:
        second = Jmap(client).get("Domain", domain, ["dnsZoneFile"])["dnsZoneFile"]
    assert "_domainkey" in first and first == second


def test_restore_refuses_foreign_data(emulator: StalwartEmulator) -> None:
    with pytest.raises(ValueError):
        emulator.restore({"version": 99})
    fresh = StalwartEmulator(token=TOKEN)
    emulator.restore(fresh.snapshot())
