"""The emulator base: routing, fault injection, request log and admin endpoint, over a real
loopback socket and in-process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dezkysync.sandbox._wsgi import Emulator, Request, Response, Router, SandboxTransport
from dezkysync.sandbox.server import RunningServer


class CounterEmulator(Emulator):
    """A minimal emulator: GET /items lists, POST /items adds."""

    service = "counter"

    def __init__(self) -> None:
        super().__init__()
        self.items: list[str] = []
        self.router = Router()
        self.router.add("GET", r"/items/", self.list_items)
        self.router.add("POST", r"/items/", self.add_item)
        self.router.add("GET", r"/items/(?P<index>\d+)/", self.get_item)

    def handle(self, request: Request) -> Response:
        found = self.router.match(request.method, request.path)
        if found is None:
            return Response.json(404, {"detail": "Not found."})
        if isinstance(found, list):
            return Response.empty(405, [("Allow", ", ".join(found))])
        handler, params = found
        return handler(request, **params)

    def list_items(self, request: Request) -> Response:
        return Response.json(200, {"items": self.items, "page": request.arg("page")})

    def add_item(self, request: Request) -> Response:
        self.items.append(request.json()["name"])
        return Response.json(201, {"index": len(self.items) - 1})

    def get_item(self, request: Request, index: str) -> Response:
        return Response.json(200, {"name": self.items[int(index)]})

    def snapshot(self) -> dict[str, Any]:
        return {"items": list(self.items)}

    def restore(self, data: dict[str, Any]) -> None:
        self.items = list(data["items"])


@pytest.fixture
def emulator() -> CounterEmulator:
    return CounterEmulator()


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5) as http:
        yield http


def test_serves_on_loopback_with_routes_and_405(
    client: httpx.Client, server: RunningServer
) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert client.post("/items/", json={"name": "a"}).status_code == 201
    assert client.get("/items/").json()["items"] == ["a"]
    assert client.get("/items/0/").json() == {"name": "a"}
    refused = client.delete("/items/")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, POST"
    assert client.get("/nothing/").status_code == 404


def test_status_fault_with_retry_after_fires_on_nth_request_only(
    client: httpx.Client, emulator: CounterEmulator
) -> None:
    emulator.faults.inject("status", status=429, retry_after=2, path="^/items/$", nth=2)
    assert client.get("/items/").status_code == 200
    throttled = client.get("/items/")
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "2"
    assert client.get("/items/").status_code == 200


def test_status_fault_matches_query_and_repeats(
    client: httpx.Client, emulator: CounterEmulator
) -> None:
    emulator.faults.inject("status", status=503, query=r"(^|&)page=3(&|$)", times=None)
    assert client.get("/items/", params={"page": 2}).status_code == 200
    assert client.get("/items/", params={"page": 3}).status_code == 503
    assert client.get("/items/", params={"page": 3}).status_code == 503


def test_faulted_write_changes_nothing(client: httpx.Client, emulator: CounterEmulator) -> None:
    emulator.faults.inject("status", status=502, method="POST")
    assert client.post("/items/", json={"name": "a"}).status_code == 502
    assert emulator.items == []


def test_reset_drops_the_connection(client: httpx.Client, emulator: CounterEmulator) -> None:
    emulator.faults.inject("reset", path="^/items/$")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)):
        client.get("/items/")
    assert client.get("/items/").status_code == 200  # a new connection works


def test_truncated_body_is_not_json(client: httpx.Client, emulator: CounterEmulator) -> None:
    client.post("/items/", json={"name": "abcdefgh"})
    emulator.faults.inject("truncate", path="^/items/$", method="GET")
    response = client.get("/items/")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_latency_fault_delays(client: httpx.Client, emulator: CounterEmulator) -> None:
    emulator.faults.inject("latency", delay=0.2, times=None)
    started = time.monotonic()
    client.get("/items/")
    assert time.monotonic() - started >= 0.2


def test_admin_endpoint_installs_faults_and_counts(
    client: httpx.Client, emulator: CounterEmulator
) -> None:
    created = client.post("/_emulator/faults", json={"kind": "status", "status": 500})
    assert created.status_code == 201
    assert client.get("/items/").status_code == 500
    assert client.post("/items/", json={"name": "x"}).status_code == 201
    summary = client.get("/_emulator/requests").json()
    assert summary["total"] == 2
    assert summary["writes"] == 1
    assert summary["by_route"] == {"GET /items/": 1, "POST /items/": 1}
    bad = client.post("/_emulator/faults", json={"kind": "status", "nope": 1})
    assert bad.status_code == 400
    assert client.delete("/_emulator/faults").status_code == 204
    assert client.get("/_emulator/faults").json() == []
    assert client.get("/_emulator/state").json() == {"items": ["x"]}


def test_in_process_transport_maps_reset_to_an_httpx_error(emulator: CounterEmulator) -> None:
    with httpx.Client(transport=SandboxTransport(emulator), base_url="http://x") as http:
        assert http.post("/items/", json={"name": "a"}).status_code == 201
        emulator.faults.inject("reset")
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/items/")
        assert http.get("/items/0/").json() == {"name": "a"}


def test_on_write_hook_runs_after_writes_only(emulator: CounterEmulator) -> None:
    seen: list[str] = []
    emulator.on_write = lambda emu: seen.append(emu.service)
    with httpx.Client(transport=SandboxTransport(emulator), base_url="http://x") as http:
        http.get("/items/")
        http.post("/items/", json={"name": "a"})
    assert seen == ["counter"]
