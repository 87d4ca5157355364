"""Reading zone files: from the Stalwart emulator (over loopback and in-process) through the
shared Stalwart client, and from disk."""

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
from dezkysync.http import NO_RETRY, RetryPolicy
from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.server import RunningServer, serve
from dezkysync.sandbox.stalwart import StalwartEmulator
from tests.dns.emulated_stalwart import create_domains, new_stalwart, raw_zone_file
from tests.dns.zones import CAPTURED_ZONE

TOKEN = "tok-3f9a-not-for-output"
IN_PROCESS = {"STALWART_URL": "http://stalwart.test", "STALWART_TOKEN": TOKEN}
FAST_RETRY = RetryPolicy(attempts=3, base=0.01, max_delay=0.02)
HOST = "mail.sandbox.test"


@pytest.fixture
def stalwart() -> StalwartEmulator:
    emulator = new_stalwart(TOKEN, hostname=HOST)
    create_domains(emulator, TOKEN, ["acme.test", "globex.test", "xn--bcher-kva.test"])
    return emulator


@pytest.fixture
def server(stalwart: StalwartEmulator) -> Iterator[RunningServer]:
    with serve(stalwart) as running:
        yield running


def loopback(server: RunningServer, token: str = TOKEN) -> dict[str, str]:
    return {"STALWART_URL": server.url + "/", "STALWART_TOKEN": token}


def statuses(emulator: StalwartEmulator) -> list[int]:
    return [record.status for record in emulator.log.records]


def assert_zone_of(zone: str | None, domain: str) -> None:
    """A zone file the emulator wrote for ``domain``: its DKIM keys, SPF and MX."""
    assert zone is not None
    assert f"._domainkey.{domain}. IN TXT " in zone
    assert f'{domain}. IN TXT "v=spf1 mx -all"' in zone
    assert f"{domain}. IN MX 10 {HOST}." in zone


# -- reading -----------------------------------------------------------------------------------
def test_reads_every_zone_file_over_loopback(
    stalwart: StalwartEmulator, server: RunningServer
) -> None:
    zones = live_zone_files(
        ["ACME.test.", "globex.test", "Bücher.test", "unknown.test", "acme.test"],
        env=loopback(server),
    )

    assert list(zones) == ["acme.test", "globex.test", "xn--bcher-kva.test", "unknown.test"]
    assert zones["unknown.test"] is None
    for name in ("acme.test", "globex.test", "xn--bcher-kva.test"):
        assert_zone_of(zones[name], name)
    summary = stalwart.log.summary()
    assert summary["by_route"] == {"GET /jmap/session": 1, "POST /jmap": 2}
    assert summary["writes"] == 0  # reading zone files never writes
    for name in ("acme.test", "globex.test", "xn--bcher-kva.test"):
        assert zones[name] == raw_zone_file(stalwart, TOKEN, name)


def test_requests_grow_with_batches_not_domains() -> None:
    emulator = new_stalwart(TOKEN, hostname=HOST)
    names = [f"tenant{n:04d}.test" for n in range(850)]
    create_domains(emulator, TOKEN, names)
    transport = SandboxTransport(emulator)

    one = live_zone_files(names[:1], env=IN_PROCESS, transport=transport)
    few = emulator.log.summary()
    emulator.log.clear()
    every = live_zone_files(names, env=IN_PROCESS, transport=transport)
    many = emulator.log.summary()

    assert_zone_of(one[names[0]], names[0])
    assert list(every) == names
    for name in names:
        assert_zone_of(every[name], name)
    assert len(set(every.values())) == len(names)  # each domain's own zone file
    # The session; the listing of Stalwart's 850 domains in two requests (the first page of
    # 500, then a get of the other 350); the zone files: one get for one domain, and for 850
    # domains 17 gets of 50 packed at most 16 to a request, so two requests.
    assert few["by_route"] == {"GET /jmap/session": 1, "POST /jmap": 3}
    assert many["by_route"] == {"GET /jmap/session": 1, "POST /jmap": 4}
    assert many["writes"] == 0
    for name in (names[0], names[421], names[-1]):
        assert every[name] == raw_zone_file(emulator, TOKEN, name)


def test_no_domains_no_configuration_no_request(stalwart: StalwartEmulator) -> None:
    assert live_zone_files([], env={}) == {}
    assert live_zone_files([], env={"STALWART_PROVISIONING_ENABLED": "false"}) == {}
    assert stalwart.log.summary()["total"] == 0


def test_only_stalwart_settings_are_needed(stalwart: StalwartEmulator) -> None:
    env = {**IN_PROCESS, "AUTHENTIK_URL": "not a URL", "OCIS_URL": "ftp://ocis.test"}
    zones = live_zone_files(["acme.test"], env=env, transport=SandboxTransport(stalwart))
    assert_zone_of(zones["acme.test"], "acme.test")


def test_url_and_timeout_from_the_configuration_file(
    tmp_path: Path, stalwart: StalwartEmulator, server: RunningServer
) -> None:
    config = tmp_path / "dezkysync.yaml"
    config.write_text(f"services:\n  stalwart:\n    url: {server.url}\n    timeout: 0.3\n")
    env = {"STALWART_TOKEN": TOKEN}

    zones = live_zone_files(["acme.test"], env=env, config_path=config)
    assert_zone_of(zones["acme.test"], "acme.test")

    stalwart.faults.inject("latency", delay=1.0, times=None)
    with pytest.raises(ZoneSourceError, match=r"is unreachable .*timed out") as caught:
        live_zone_files(["acme.test"], env=env, config_path=config, retry=NO_RETRY)
    assert server.url in str(caught.value)


# -- failures ----------------------------------------------------------------------------------
def test_wrong_token_is_an_error_that_never_shows_a_token(
    stalwart: StalwartEmulator, server: RunningServer
) -> None:
    wrong = "wrong-" + TOKEN
    with pytest.raises(ZoneSourceError) as caught:
        live_zone_files(["acme.test"], env=loopback(server, wrong))
    message = str(caught.value)
    assert "refused the token in STALWART_TOKEN" in message
    assert "HTTP 401" in message
    assert TOKEN not in message and wrong not in message
    assert stalwart.log.summary()["total"] == 1  # refused credentials are not retried


def test_unreachable_stalwart_is_an_error(unused_port: int) -> None:
    env = {"STALWART_URL": f"http://127.0.0.1:{unused_port}", "STALWART_TOKEN": TOKEN}
    with pytest.raises(ZoneSourceError) as caught:
        live_zone_files(["acme.test"], env=env, retry=FAST_RETRY)
    message = str(caught.value)
    assert f"Stalwart at http://127.0.0.1:{unused_port} is unreachable" in message
    assert "connection failed" in message and "after 3 attempts" in message
    assert TOKEN not in message


def test_a_single_503_is_retried(stalwart: StalwartEmulator, server: RunningServer) -> None:
    stalwart.faults.inject("status", status=503, times=1)

    zones = live_zone_files(["acme.test"], env=loopback(server))

    assert_zone_of(zones["acme.test"], "acme.test")
    assert statuses(stalwart) == [503, 200, 200, 200]


def test_persistent_503_is_an_error_after_the_retries(
    stalwart: StalwartEmulator, server: RunningServer
) -> None:
    stalwart.faults.inject("status", status=503, times=None)
    with pytest.raises(ZoneSourceError) as caught:
        live_zone_files(["acme.test"], env=loopback(server), retry=FAST_RETRY)
    message = str(caught.value)
    assert f"Stalwart at {server.url} is unavailable" in message
    assert "HTTP 503" in message and "after 3 attempts" in message
    assert statuses(stalwart) == [503, 503, 503]


def test_persistent_500_is_an_error_at_once(
    stalwart: StalwartEmulator, server: RunningServer
) -> None:
    stalwart.faults.inject("status", status=500, path="/jmap$", times=None)
    with pytest.raises(ZoneSourceError, match=r"answer dezkysync cannot use .*HTTP 500"):
        live_zone_files(["acme.test"], env=loopback(server), retry=FAST_RETRY)
    assert statuses(stalwart) == [200, 500]  # the session, then the JMAP call: not retried


def test_a_truncated_answer_is_an_error(stalwart: StalwartEmulator) -> None:
    stalwart.faults.inject("truncate", path="/jmap$", times=1)
    with pytest.raises(ZoneSourceError, match=r"cannot use .*not valid JSON"):
        live_zone_files(["acme.test"], env=IN_PROCESS, transport=SandboxTransport(stalwart))


# -- configuration -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "STALWART_URL and STALWART_TOKEN not set"),
        ({"STALWART_URL": "http://stalwart.test"}, "STALWART_TOKEN not set"),
        ({"STALWART_TOKEN": TOKEN}, "STALWART_URL not set"),
        ({"STALWART_URL": " ", "STALWART_TOKEN": ""}, "STALWART_URL and STALWART_TOKEN not set"),
    ],
)
def test_missing_configuration_names_the_variables(env: dict[str, str], missing: str) -> None:
    with pytest.raises(ZoneSourceError) as caught:
        live_zone_files(["acme.test"], env=env)
    assert str(caught.value).startswith(missing + ":")
    assert "--zone-file" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_missing_configuration_with_a_file(tmp_path: Path) -> None:
    with_url = tmp_path / "with-url.yaml"
    with_url.write_text("services:\n  stalwart:\n    url: http://stalwart.test\n")
    without_url = tmp_path / "without-url.yaml"
    without_url.write_text("concurrency: 2\n")

    with pytest.raises(ZoneSourceError, match=r"^STALWART_TOKEN not set:"):
        live_zone_files(["acme.test"], env={}, config_path=with_url)
    with pytest.raises(ZoneSourceError) as caught:
        live_zone_files(["acme.test"], env={"STALWART_TOKEN": TOKEN}, config_path=without_url)
    assert str(caught.value).startswith(
        f"STALWART_URL not set (and {without_url} has no services.stalwart.url):"
    )


def test_an_unusable_configuration_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "dezkysync.yaml"
    config.write_text(f"services:\n  stalwart:\n    token: {TOKEN}\n")
    with pytest.raises(ZoneSourceError) as caught:
        live_zone_files(["acme.test"], env=IN_PROCESS, config_path=config)
    message = str(caught.value)
    assert message.startswith(f"the configuration cannot be used: {config}:3:5: tokens are")
    assert TOKEN not in message

    with pytest.raises(ZoneSourceError, match="STALWART_URL: expected an http:// or https:// URL"):
        live_zone_files(["acme.test"], env={**IN_PROCESS, "STALWART_URL": "stalwart.test"})
    with pytest.raises(ZoneSourceError, match="STALWART_PROVISIONING_ENABLED: expected true"):
        live_zone_files(["acme.test"], env={**IN_PROCESS, "STALWART_PROVISIONING_ENABLED": "?"})


@pytest.mark.parametrize("value", ["false", "0", "No"])
def test_stalwart_disabled_is_a_clear_error(stalwart: StalwartEmulator, value: str) -> None:
    env = {**IN_PROCESS, "STALWART_PROVISIONING_ENABLED": value}
    with pytest.raises(ZoneSourceError) as caught:
        live_zone_files(["acme.test"], env=env, transport=SandboxTransport(stalwart))
    assert str(caught.value).startswith(
        f"Stalwart is disabled (STALWART_PROVISIONING_ENABLED={value}), so there is no Stalwart"
    )
    assert "--zone-file" in str(caught.value)
    assert stalwart.log.summary()["total"] == 0


# -- zone files on disk ------------------------------------------------------------------------
def test_zone_files_from_disk_first(tmp_path: Path, stalwart: StalwartEmulator) -> None:
    path = tmp_path / "example.org.zone"
    path.write_text(CAPTURED_ZONE, encoding="utf-8")
    transport = SandboxTransport(stalwart)
    disabled = {"STALWART_PROVISIONING_ENABLED": "false"}

    only_disk = read_zone_files(
        ["Example.ORG"], {"example.org": path}, env=disabled, transport=transport
    )
    assert only_disk == {"example.org": CAPTURED_ZONE}
    assert stalwart.log.summary()["total"] == 0  # Stalwart is not asked when disk has all

    mixed = read_zone_files(
        ["example.org", "acme.test"], {"example.org": path}, env=IN_PROCESS, transport=transport
    )
    assert mixed["example.org"] == CAPTURED_ZONE
    assert_zone_of(mixed["acme.test"], "acme.test")
    assert stalwart.log.summary()["by_route"] == {"GET /jmap/session": 1, "POST /jmap": 2}


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
