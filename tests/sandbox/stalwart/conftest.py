"""Fixtures for the Stalwart emulator tests: a fake clock, the emulator, JMAP clients
in-process and over a real loopback socket."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.server import RunningServer
from dezkysync.sandbox.stalwart import StalwartEmulator

TOKEN = "test-stalwart-token"
USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]
START = 1_783_468_800.0  # 2026-07-08T00:00:00Z
STRONG = "vivid-Parrot-71-orbit-Lantern"  # a test password far above zxcvbn "three"


class FakeClock:
    """A wall clock the tests move by hand."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Jmap:
    """A tiny JMAP client for tests: ``call`` sends method calls and returns the responses."""

    def __init__(self, client: httpx.Client, auth: dict[str, str] | None = None) -> None:
        self.client = client
        self.auth = auth if auth is not None else {"Authorization": f"Bearer {TOKEN}"}

    def post(self, body: Any, **headers: str) -> httpx.Response:
        return self.client.post("/jmap", json=body, headers={**self.auth, **headers})

    def call(self, *calls: list[Any], using: list[str] | None = None) -> list[list[Any]]:
        response = self.post(
            {"using": USING if using is None else using, "methodCalls": [list(c) for c in calls]}
        )
        assert response.status_code == 200, response.text
        responses: list[list[Any]] = response.json()["methodResponses"]
        return responses

    def one(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """One call; fails unless it answered under its own name."""
        [[answered, result, _]] = self.call([name, args, "c0"])
        assert answered == name, result
        assert isinstance(result, dict)
        return result

    def create(self, obj: str, value: dict[str, Any]) -> str:
        """Create one object; returns its id (fails when refused)."""
        result = self.one(f"x:{obj}/set", {"create": {"new": value}})
        assert "new" in result.get("created", {}), result
        return str(result["created"]["new"]["id"])

    def get(self, obj: str, ident: str, properties: list[str] | None = None) -> dict[str, Any]:
        args: dict[str, Any] = {"ids": [ident]}
        if properties is not None:
            args["properties"] = properties
        result = self.one(f"x:{obj}/get", args)
        assert result["notFound"] == [], result
        entry: dict[str, Any] = result["list"][0]
        return entry

    def update(self, obj: str, ident: str, patch: dict[str, Any]) -> dict[str, Any]:
        return self.one(f"x:{obj}/set", {"update": {ident: patch}})

    def destroy(self, obj: str, *idents: str) -> dict[str, Any]:
        return self.one(f"x:{obj}/set", {"destroy": list(idents)})

    def as_user(self, login: str, password: str) -> Jmap:
        return Jmap(self.client, basic(login, password))


def basic(login: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def make_user(jmap: Jmap, domain: str, name: str = "alice") -> str:
    """Create the User ``name`` in ``domain`` with the password :data:`STRONG`; its id."""
    return jmap.create(
        "Account",
        {
            "@type": "User",
            "name": name,
            "domainId": domain,
            "credentials": {"0": {"@type": "Password", "secret": STRONG}},
        },
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> StalwartEmulator:
    return StalwartEmulator(token=TOKEN, clock=clock, dkim_delay=0.5)


@pytest.fixture
def http(emulator: StalwartEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SandboxTransport(emulator), base_url="http://stalwart") as client:
        yield client


@pytest.fixture
def jmap(http: httpx.Client) -> Jmap:
    return Jmap(http)


@pytest.fixture
def live(server: RunningServer) -> Iterator[Jmap]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield Jmap(client)


@pytest.fixture
def domain(jmap: Jmap) -> str:
    """The id of ``example.org`` (manual DKIM, so no keys link it)."""
    return jmap.create("Domain", {"name": "example.org", "dkimManagement": {"@type": "Manual"}})
