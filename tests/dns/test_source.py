"""Reading zone files: from Stalwart over JMAP (loopback and in-process) and from disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dezkysync.dns.source import (
    ZoneSourceError,
    live_zone_files,
    parse_zone_file_option,
    read_zone_files,
    zone_files_from_disk,
)
from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.server import RunningServer, serve
from tests.dns.fake_stalwart import FakeStalwart
from tests.dns.zones import CAPTURED_ZONE, stalwart_zone_file

TOKEN = "tok-3f9a-not-for-output"
DOMAINS = [f"tenant{i:02d}.example" for i in range(20)]


@pytest.fixture
def stalwart() -> FakeStalwart:
    zones = {name: stalwart_zone_file(name) for name in DOMAINS}
    zones["example.org"] = CAPTURED_ZONE
    return FakeStalwart(TOKEN, zones)


@pytest.fixture
def server(stalwart: FakeStalwart) -> Iterator[RunningServer]:
    with serve(stalwart) as running:
        yield running


def test_reads_every_zone_file_in_batches_of_16_calls(
    stalwart: FakeStalwart, server: RunningServer
) -> None:
    env = {"STALWART_URL": server.url + "/", "STALWART_TOKEN": TOKEN}
    wanted = [*DOMAINS, "Example.ORG.", "unknown.example"]

    zones = live_zone_files(wanted, env=env)

    assert set(zones) == {*DOMAINS, "example.org", "unknown.example"}
    assert zones["example.org"] == CAPTURED_ZONE
    assert zones["tenant07.example"] == stalwart_zone_file("tenant07.example")
    assert zones["unknown.example"] is None
    assert [len(calls) for calls in stalwart.requests] == [16, 16, 12]
    assert all(calls[:2] == ["x:Domain/query", "x:Domain/get"] for calls in stalwart.requests)


def test_in_process_transport(stalwart: FakeStalwart) -> None:
    env = {"STALWART_URL": "http://stalwart.invalid", "STALWART_TOKEN": TOKEN}
    zones = live_zone_files(["example.org"], env=env, transport=SandboxTransport(stalwart))
    assert zones == {"example.org": CAPTURED_ZONE}


def test_no_domains_no_request(stalwart: FakeStalwart) -> None:
    assert live_zone_files([], env={}) == {}
    assert stalwart.requests == []


def test_wrong_token_is_an_error_that_never_shows_the_token(server: RunningServer) -> None:
    env = {"STALWART_URL": server.url, "STALWART_TOKEN": "wrong-" + TOKEN}
    with pytest.raises(ZoneSourceError) as caught:
        live_zone_files(["example.org"], env=env)
    assert "refused the credentials in STALWART_TOKEN (HTTP 401)" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_unreachable_stalwart_is_an_error(unused_port: int) -> None:
    env = {"STALWART_URL": f"http://127.0.0.1:{unused_port}", "STALWART_TOKEN": TOKEN}
    with pytest.raises(ZoneSourceError, match=r"unreachable.*tried 2 times") as caught:
        live_zone_files(["example.org"], env=env)
    assert TOKEN not in str(caught.value)


def test_a_5xx_is_retried_once(stalwart: FakeStalwart, server: RunningServer) -> None:
    stalwart.faults.inject("status", status=503, path="/jmap", times=1)
    env = {"STALWART_URL": server.url, "STALWART_TOKEN": TOKEN}
    assert live_zone_files(["example.org"], env=env) == {"example.org": CAPTURED_ZONE}


def test_persistent_5xx_is_an_error(stalwart: FakeStalwart, server: RunningServer) -> None:
    stalwart.faults.inject("status", status=500, path="/jmap", times=None)
    env = {"STALWART_URL": server.url, "STALWART_TOKEN": TOKEN}
    with pytest.raises(ZoneSourceError, match="HTTP 500"):
        live_zone_files(["example.org"], env=env)


def test_method_error_is_an_error(monkeypatch: pytest.MonkeyPatch, stalwart: FakeStalwart) -> None:
    original = stalwart.handle

    def forbidding(request):  # type: ignore[no-untyped-def]
        response = original(request)
        return type(response).json(
            200,
            {
                "methodResponses": [
                    ["error", {"type": "forbidden", "description": "no sysDomainGet"}, "q0"],
                    ["error", {"type": "forbidden"}, "g0"],
                ]
            },
        )

    monkeypatch.setattr(stalwart, "handle", forbidding)
    env = {"STALWART_URL": "http://stalwart.invalid", "STALWART_TOKEN": TOKEN}
    with pytest.raises(ZoneSourceError, match=r"example.org: forbidden \(no sysDomainGet\)"):
        live_zone_files(["example.org"], env=env, transport=SandboxTransport(stalwart))


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "STALWART_URL and STALWART_TOKEN not set"),
        ({"STALWART_URL": "http://x"}, "STALWART_TOKEN not set"),
        ({"STALWART_TOKEN": "t"}, "STALWART_URL not set"),
    ],
)
def test_missing_configuration(env: dict[str, str], missing: str) -> None:
    with pytest.raises(ZoneSourceError, match=missing):
        live_zone_files(["example.org"], env=env)


def test_zone_files_from_disk_first(tmp_path: Path, stalwart: FakeStalwart) -> None:
    path = tmp_path / "example.org.zone"
    path.write_text(CAPTURED_ZONE, encoding="utf-8")
    env = {"STALWART_URL": "http://stalwart.invalid", "STALWART_TOKEN": TOKEN}
    transport = SandboxTransport(stalwart)

    only_disk = read_zone_files(["example.org"], {"example.org": path}, env={}, transport=transport)
    assert only_disk == {"example.org": CAPTURED_ZONE}
    assert stalwart.requests == []  # Stalwart is not asked when disk has everything

    mixed = read_zone_files(
        ["example.org", "tenant01.example"], {"example.org": path}, env=env, transport=transport
    )
    assert mixed["tenant01.example"] == stalwart_zone_file("tenant01.example")
    assert [len(calls) for calls in stalwart.requests] == [2]


def test_zone_file_option() -> None:
    assert parse_zone_file_option("Example.ORG=zones/example.org") == (
        "example.org",
        Path("zones/example.org"),
    )
    for bad in ("example.org", "=x", "example.org="):
        with pytest.raises(ValueError, match="DOMAIN=PATH"):
            parse_zone_file_option(bad)


def test_missing_zone_file_on_disk(tmp_path: Path) -> None:
    with pytest.raises(ZoneSourceError, match=r"cannot read the zone file of example\.org"):
        zone_files_from_disk({"example.org": tmp_path / "absent.zone"})
