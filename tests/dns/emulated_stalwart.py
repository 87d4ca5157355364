"""The Stalwart emulator as the DNS tests use it: domains created through its JMAP API, and an
independent raw JMAP read of one zone file to compare the client's answers with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.stalwart import StalwartEmulator

USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]
CREATES_PER_CALL = 500  # the emulator's maxObjectsInSet, like Stalwart's


def new_stalwart(token: str, *, hostname: str = "mail.sandbox.test") -> StalwartEmulator:
    """An empty emulator whose DKIM keys appear at once (no waiting after a create)."""
    return StalwartEmulator(token=token, dkim_delay=0, hostname=hostname)


def jmap(emulator: StalwartEmulator, token: str, calls: list[list[Any]]) -> list[list[Any]]:
    """One JMAP request in-process; the method responses (any method error fails the test)."""
    with httpx.Client(
        transport=SandboxTransport(emulator),
        base_url="http://stalwart.test",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        response = client.post("/jmap", json={"using": USING, "methodCalls": calls})
    assert response.status_code == 200, response.text
    answers: list[list[Any]] = response.json()["methodResponses"]
    assert all(name != "error" for name, _, _ in answers), answers
    return answers


def create_domains(emulator: StalwartEmulator, token: str, names: Sequence[str]) -> None:
    """Create ``names`` with ``x:Domain/set`` and forget those requests in the emulator's log
    (so that the tests count only the requests of the code under test)."""
    calls: list[list[Any]] = []
    for start in range(0, len(names), CREATES_PER_CALL):
        chunk = names[start : start + CREATES_PER_CALL]
        create = {f"d{start + n}": {"name": name} for n, name in enumerate(chunk)}
        calls.append(["x:Domain/set", {"create": create}, f"c{start}"])
    for answer in jmap(emulator, token, calls):
        assert not answer[1].get("notCreated"), answer[1]["notCreated"]
    emulator.log.clear()


def raw_zone_file(emulator: StalwartEmulator, token: str, name: str) -> str | None:
    """``dnsZoneFile`` of one domain by a plain query and get (not through dezkysync); the
    request shows in the emulator's log."""
    answers = jmap(
        emulator,
        token,
        [
            ["x:Domain/query", {"filter": {"name": name}}, "q"],
            [
                "x:Domain/get",
                {
                    "#ids": {"resultOf": "q", "name": "x:Domain/query", "path": "/ids"},
                    "properties": ["dnsZoneFile"],
                },
                "g",
            ],
        ],
    )
    found = answers[1][1]["list"]
    return str(found[0]["dnsZoneFile"]) if found else None
