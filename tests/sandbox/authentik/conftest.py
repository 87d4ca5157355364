"""Fixtures for the authentik emulator tests: a fresh install, validated clients (in-process and
over a real loopback socket) and a browser that logs in through the flow executor."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.authentik import AuthentikEmulator
from dezkysync.sandbox.server import RunningServer
from tests.sandbox.authentik.spec_check import validating_client

TOKEN = "test-authentik-token"
FLOW_URL = "/api/v3/flows/executor/default-authentication-flow/"

ClientFactory = Callable[..., httpx.Client]
SignIn = Callable[..., str | None]


@pytest.fixture
def emulator() -> AuthentikEmulator:
    """A fresh install whose service identity ``dezkysync`` holds :data:`TOKEN`."""
    return AuthentikEmulator(token=TOKEN)


@pytest.fixture
def make_client(emulator: AuthentikEmulator) -> Iterator[ClientFactory]:
    """Build validated in-process clients: ``make_client(token=..., headers=...)``."""
    made: list[httpx.Client] = []

    def factory(token: str | None = TOKEN, **options: Any) -> httpx.Client:
        client = validating_client(
            SandboxTransport(emulator), base_url="http://authentik.test", token=token, **options
        )
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def api(make_client: ClientFactory) -> httpx.Client:
    """The service identity's validated in-process client."""
    return make_client()


@pytest.fixture
def live_api(server: RunningServer) -> Iterator[httpx.Client]:
    """The service identity's validated client over the loopback socket."""
    client = validating_client(base_url=server.url, token=TOKEN, timeout=10)
    yield client
    client.close()


def browser_login(browser: httpx.Client, username: str, password: str) -> dict[str, object]:
    """Run the default authentication flow with ``browser``; the last challenge."""
    browser.get(FLOW_URL, params={"query": ""})
    browser.post(
        FLOW_URL,
        params={"query": ""},
        json={"component": "ak-stage-identification", "uid_field": username},
    )
    answer = browser.post(
        FLOW_URL,
        params={"query": ""},
        json={"component": "ak-stage-password", "password": password},
    )
    assert answer.status_code == 200
    result: dict[str, object] = answer.json()
    return result


@pytest.fixture
def sign_in(make_client: ClientFactory) -> SignIn:
    """Log a browser in through the validated flow executor: the session cookie, or None."""

    def run(
        username: str, password: str, *, user_agent: str = "test-browser", ip: str | None = None
    ) -> str | None:
        headers = {"User-Agent": user_agent}
        if ip is not None:
            headers["X-Forwarded-For"] = ip
        browser = make_client(token=None, headers=headers)
        if browser_login(browser, username, password).get("component") != "xak-flow-redirect":
            return None
        cookie = browser.cookies.get("authentik_session")
        return None if cookie is None else str(cookie)

    return run
