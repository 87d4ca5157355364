"""``dezkysync dns check`` and ``dezkysync dns records``: exit codes, formats, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from dezkysync.cli import cli
from dezkysync.dns.nsd import LocalNsd
from dezkysync.dns.ownership import SALT_ENV, ownership_token
from dezkysync.sandbox.runtime import open_sandbox
from dezkysync.sandbox.server import RunningServer, serve
from dezkysync.sandbox.stalwart import StalwartEmulator
from tests.dns.emulated_stalwart import create_domains, new_stalwart, raw_zone_file
from tests.dns.world import CASES, FINE, TENANT, published_zone, tenant_yaml
from tests.dns.zones import MAIL_HOST, SALT, datagrams_waiting, require_nsd, silent_resolver

TOKEN = "tok-cli-0b7e-never-printed"
BROKEN = sorted(set(CASES) - FINE)


def run(args: list[str], **env: str) -> Result:
    environment = {
        SALT_ENV: SALT,
        "STALWART_URL": "",
        "STALWART_TOKEN": "",
        "STALWART_PROVISIONING_ENABLED": "",
        "DEZKYSYNC_CONFIG": "",
        **env,
    }
    return CliRunner().invoke(cli, args, env=environment, catch_exceptions=False)


def write_tenant(folder: Path, domains: list[str], slug: str = TENANT) -> Path:
    path = folder / f"{slug}.yaml"
    path.write_text(tenant_yaml(domains, slug), encoding="utf-8")
    return path


def zone_options(folder: Path, domains: list[str]) -> list[str]:
    options: list[str] = []
    for name in domains:
        path = folder / f"{name}.stalwart"
        path.write_text(CASES[name].zone_file, encoding="utf-8")
        options += ["--zone-file", f"{name}={path}"]
    return options


@pytest.fixture
def stalwart_server() -> Iterator[tuple[StalwartEmulator, RunningServer]]:
    """The Stalwart emulator on loopback with good.test, nodkim.test and nomx.test."""
    emulator = new_stalwart(TOKEN, hostname=MAIL_HOST)
    create_domains(emulator, TOKEN, ["good.test", "nodkim.test", "nomx.test"])
    with serve(emulator) as running:
        yield emulator, running


# -- with NSD ------------------------------------------------------------------------------
@pytest.mark.dns
def test_all_fine_exits_0(tmp_path: Path, nsd: LocalNsd) -> None:
    domains = sorted(FINE)
    tenant = write_tenant(tmp_path, domains)
    result = run(
        [
            "dns",
            "check",
            str(tenant),
            "--resolver",
            str(nsd.resolver),
            *zone_options(tmp_path, domains),
        ]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "0 of 3 domains need attention"
    assert "ok  good.test (tenant acme): 6 records as expected" in result.stdout


@pytest.mark.dns
def test_domains_needing_attention_exit_2(tmp_path: Path, nsd: LocalNsd) -> None:
    domains = sorted(CASES)
    tenant = write_tenant(tmp_path, domains)
    options = zone_options(tmp_path, domains)

    text = run(["dns", "check", str(tenant), "--resolver", str(nsd.resolver), *options])
    assert text.exit_code == 2, text.output
    assert text.stdout.splitlines()[-1] == f"{len(BROKEN)} of {len(CASES)} domains need attention"

    as_json = run(
        ["dns", "check", str(tenant), "--format", "json", "--resolver", str(nsd.resolver), *options]
    )
    assert as_json.exit_code == 2
    data = json.loads(as_json.stdout)
    assert data["summary"]["need_attention"] == len(BROKEN)
    flagged = sorted(d["domain"] for d in data["domains"] if d["needs_attention"])
    assert flagged == BROKEN

    markdown = run(
        [
            "dns",
            "check",
            str(tenant),
            "--format",
            "markdown",
            "--resolver",
            str(nsd.resolver),
            *options,
        ]
    )
    assert markdown.exit_code == 2
    assert markdown.stdout.startswith(f"### DNS check: {len(BROKEN)} of {len(CASES)} domains")


@pytest.mark.dns
def test_records_come_from_stalwart_by_default(
    tmp_path: Path, stalwart_server: tuple[StalwartEmulator, RunningServer]
) -> None:
    require_nsd()
    emulator, server = stalwart_server
    zones = {name: raw_zone_file(emulator, TOKEN, name) for name in ("good.test", "nodkim.test")}
    published = {
        "good.test": published_zone("good.test", zones["good.test"] or ""),
        "nodkim.test": published_zone(
            "nodkim.test", zones["nodkim.test"] or "", drop_rsa_dkim=True
        ),
    }
    tenant = write_tenant(tmp_path, ["good.test", "nodkim.test"])
    emulator.log.clear()
    with LocalNsd(published, tmp_path / "nsd") as nsd:
        result = run(
            ["dns", "check", str(tenant), "--resolver", str(nsd.resolver), "--format", "json"],
            STALWART_URL=server.url,
            STALWART_TOKEN=TOKEN,
        )
    assert result.exit_code == 2, result.output
    data = json.loads(result.stdout)
    assert [d["needs_attention"] for d in data["domains"]] == [False, True]
    (nodkim,) = [d for d in data["domains"] if d["needs_attention"]]
    wrong = [
        (r["kind"], r["selector"], r["status"]) for r in nodkim["records"] if r["status"] != "ok"
    ]
    assert len(wrong) == 1 and wrong[0][0] == "dkim" and "rsa" in wrong[0][1]
    assert wrong[0][2] == "missing"
    # Both zone files in one listing and one get, after the session.
    assert emulator.log.summary()["by_route"] == {"GET /jmap/session": 1, "POST /jmap": 2}
    assert TOKEN not in result.output


@pytest.mark.dns
def test_another_installs_salt_sees_a_foreign_ownership_token(
    tmp_path: Path, nsd: LocalNsd
) -> None:
    tenant = write_tenant(tmp_path, ["good.test"])
    result = run(
        [
            "dns",
            "check",
            str(tenant),
            "--resolver",
            str(nsd.resolver),
            "--format",
            "json",
            *zone_options(tmp_path, ["good.test"]),
        ],
        **{SALT_ENV: "some-other-install"},
    )
    assert result.exit_code == 2
    (domain,) = json.loads(result.stdout)["domains"]
    statuses = {r["kind"]: r["status"] for r in domain["records"]}
    assert statuses["ownership"] == "mismatch"
    assert {s for k, s in statuses.items() if k != "ownership"} == {"ok"}


# -- errors: exit 1, no DNS query ------------------------------------------------------------
def test_invalid_tenant_files_make_no_query(
    tmp_path: Path, stalwart_server: tuple[StalwartEmulator, RunningServer]
) -> None:
    emulator, server = stalwart_server
    bad = tmp_path / "bad.yaml"
    bad.write_text("tenant: acme\nname: Acme\ndomains:\n  - name: good.test\n    primary: maybe\n")
    with silent_resolver() as (resolver, sock):
        result = run(
            ["dns", "check", str(bad), "--resolver", str(resolver)],
            STALWART_URL=server.url,
            STALWART_TOKEN=TOKEN,
        )
        received = datagrams_waiting(sock)
    assert result.exit_code == 1
    assert f"{bad}:5:" in result.stderr
    assert "no DNS query was made" in result.stderr
    assert result.stdout == ""
    assert received == 0
    assert emulator.log.summary()["total"] == 0


def test_unreachable_stalwart_exits_1(tmp_path: Path, unused_port: int) -> None:
    tenant = write_tenant(tmp_path, ["good.test"])
    with silent_resolver() as (resolver, sock):
        result = run(
            ["dns", "check", str(tenant), "--resolver", str(resolver)],
            STALWART_URL=f"http://127.0.0.1:{unused_port}",
            STALWART_TOKEN=TOKEN,
        )
        received = datagrams_waiting(sock)
    assert result.exit_code == 1
    assert f"Stalwart at http://127.0.0.1:{unused_port} is unreachable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one line, no traceback
    assert TOKEN not in result.output
    assert received == 0


def test_stalwart_not_configured_exits_1(tmp_path: Path) -> None:
    tenant = write_tenant(tmp_path, ["good.test"])
    result = run(["dns", "check", str(tenant), "--resolver", "127.0.0.1:9"])
    assert result.exit_code == 1
    assert "STALWART_URL and STALWART_TOKEN not set" in result.stderr
    assert "--zone-file" in result.stderr


def test_stalwart_disabled_exits_1_without_zone_files(
    tmp_path: Path, stalwart_server: tuple[StalwartEmulator, RunningServer]
) -> None:
    emulator, server = stalwart_server
    tenant = write_tenant(tmp_path, ["good.test"])
    with silent_resolver() as (resolver, sock):
        result = run(
            ["dns", "check", str(tenant), "--resolver", str(resolver)],
            STALWART_URL=server.url,
            STALWART_TOKEN=TOKEN,
            STALWART_PROVISIONING_ENABLED="false",
        )
        received = datagrams_waiting(sock)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "dezkysync dns: Stalwart is disabled (STALWART_PROVISIONING_ENABLED=false)"
    )
    assert "--zone-file" in result.stderr
    assert received == 0
    assert emulator.log.summary()["total"] == 0

    zone = tmp_path / "good.zone"
    zone.write_text(CASES["good.test"].zone_file, encoding="utf-8")
    from_disk = run(
        ["dns", "records", "good.test", "--zone-file", str(zone)],
        STALWART_PROVISIONING_ENABLED="false",
    )
    assert from_disk.exit_code == 0, from_disk.output  # zone files on disk need no Stalwart


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--resolver", "resolver.example"], "not an IP address"),
        (["--resolver", "[::1]5353"], "[::1]:53"),
        (["--timeout", "0"], "--timeout must be a positive"),
        (["--zone-file", "good.test"], "write DOMAIN=PATH"),
        (["--zone-file", "other.test=x.zone"], "other.test, which no tenant file claims"),
        (["--zone-file", "good.test=/nonexistent/zone"], "cannot read the zone file of good.test"),
    ],
)
def test_bad_options_exit_1(tmp_path: Path, options: list[str], message: str) -> None:
    tenant = write_tenant(tmp_path, ["good.test"])
    result = run(["dns", "check", str(tenant), "--resolver", "127.0.0.1:9", *options])
    assert result.exit_code == 1, result.output
    assert message in result.stderr


# -- dns records -------------------------------------------------------------------------------
def test_records_with_tenant_files(tmp_path: Path) -> None:
    tenant = write_tenant(tmp_path, ["good.test", "nodkim.test"])
    zone = tmp_path / "good.zone"
    zone.write_text(CASES["good.test"].zone_file, encoding="utf-8")

    result = run(["dns", "records", "GOOD.test", str(tenant), "--zone-file", str(zone)])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "; records to publish for good.test (tenant acme)"
    token = ownership_token(TENANT, "good.test", SALT)
    assert f'_dezkysync-challenge.good.test. IN TXT "{token}"' in lines
    assert (
        '_dmarc.good.test. IN TXT "v=DMARC1; p=quarantine; rua=mailto:postmaster@good.test"'
        in lines
    )
    assert "v1-rsa-20260708._domainkey.good.test. IN TXT (" in lines
    assert all(len(line) < 300 for line in lines)  # long TXT split into 255-byte strings


def test_records_without_tenant_files(tmp_path: Path) -> None:
    zone = tmp_path / "good.zone"
    zone.write_text(CASES["good.test"].zone_file, encoding="utf-8")
    result = run(["dns", "records", "good.test", "--zone-file", str(zone)])
    assert result.exit_code == 0
    assert "ownership record and the tenant's DMARC policy are left out" in result.stdout
    assert (
        '_dmarc.good.test. IN TXT "v=DMARC1; p=reject; rua=mailto:postmaster@good.test"'
        in result.stdout
    )


def test_records_from_stalwart(
    stalwart_server: tuple[StalwartEmulator, RunningServer],
) -> None:
    _, server = stalwart_server
    found = run(["dns", "records", "nomx.test"], STALWART_URL=server.url, STALWART_TOKEN=TOKEN)
    assert found.exit_code == 0
    assert f"nomx.test. IN MX 10 {MAIL_HOST}." in found.stdout

    unknown = run(["dns", "records", "absent.test"], STALWART_URL=server.url, STALWART_TOKEN=TOKEN)
    assert unknown.exit_code == 1
    assert "Stalwart has no domain absent.test" in unknown.stderr


def test_stalwart_url_from_the_configuration_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stalwart_server: tuple[StalwartEmulator, RunningServer],
) -> None:
    _, server = stalwart_server
    config = tmp_path / "dezkysync.yaml"
    config.write_text(f"services:\n  stalwart:\n    url: {server.url}\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    expected = f"nomx.test. IN MX 10 {MAIL_HOST}."

    monkeypatch.chdir(elsewhere)
    given = run(["--config", str(config), "dns", "records", "nomx.test"], STALWART_TOKEN=TOKEN)
    assert given.exit_code == 0, given.output
    assert expected in given.stdout
    without = run(["dns", "records", "nomx.test"], STALWART_TOKEN=TOKEN)
    assert without.exit_code == 1
    assert "STALWART_URL not set" in without.stderr

    monkeypatch.chdir(tmp_path)  # ./dezkysync.yaml is read when present
    default = run(["dns", "records", "nomx.test"], STALWART_TOKEN=TOKEN)
    assert default.exit_code == 0, default.output
    assert expected in default.stdout


def test_records_for_a_domain_no_tenant_claims(tmp_path: Path) -> None:
    tenant = write_tenant(tmp_path, ["good.test"])
    result = run(["dns", "records", "nodkim.test", str(tenant), "--zone-file", "x"])
    assert result.exit_code == 1
    assert "no tenant in the given files claims the domain nodkim.test" in result.stderr


def test_sandbox_reads_the_sandbox_stalwart(tmp_path: Path) -> None:
    folder = tmp_path / "sandbox"
    with open_sandbox(folder) as sandbox:
        client = httpx.Client(
            transport=sandbox.transports["stalwart"],
            base_url=sandbox.env["STALWART_URL"],
            headers={"Authorization": f"Bearer {sandbox.env['STALWART_TOKEN']}"},
        )
        created = client.post(
            "/jmap",
            json={
                "using": ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"],
                "methodCalls": [["x:Domain/set", {"create": {"d": {"name": "good.test"}}}, "c"]],
            },
        )
        assert "created" in created.json()["methodResponses"][0][1]

    result = run(["--sandbox", "--sandbox-dir", str(folder), "dns", "records", "good.test"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("; records to publish for good.test\n")
    assert 'good.test. IN TXT "v=spf1 mx -all"' in result.stdout
    assert "good.test. IN MX " in result.stdout
