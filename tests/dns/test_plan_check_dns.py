"""`plan --check-dns`: the DNS verdicts of the domains Stalwart already has appear in the plan
as warnings (the plan's exit code is unchanged)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dezkysync.cli import cli
from dezkysync.dns.nsd import LocalNsd
from dezkysync.dns.ownership import SALT_ENV
from dezkysync.sandbox.runtime import open_sandbox
from tests.dns.emulated_stalwart import create_domains, raw_zone_file
from tests.dns.world import TENANT, published_zone, tenant_yaml
from tests.dns.zones import SALT, require_nsd


def _zones_with_dkim(stalwart: Any, token: str, names: list[str]) -> dict[str, str]:
    """The zone files once Stalwart has generated the DKIM keys (shortly after the create)."""
    deadline = time.monotonic() + 10
    while True:
        zones = {name: raw_zone_file(stalwart, token, name) or "" for name in names}
        if all("_domainkey" in zone for zone in zones.values()):
            return zones
        assert time.monotonic() < deadline, "no DKIM keys after 10 s"
        time.sleep(0.05)


@pytest.mark.dns
def test_plan_shows_domains_needing_attention(tmp_path: Path) -> None:
    require_nsd()
    sandbox_dir = tmp_path / "sbx"
    with open_sandbox(sandbox_dir) as sandbox:
        stalwart, token = sandbox.emulators["stalwart"], sandbox.tokens["stalwart"]
        create_domains(stalwart, token, ["good.test", "nodkim.test"])  # type: ignore[arg-type]
        zones = _zones_with_dkim(stalwart, token, ["good.test", "nodkim.test"])
    published = {
        "good.test": published_zone("good.test", zones["good.test"]),
        "nodkim.test": published_zone("nodkim.test", zones["nodkim.test"], drop_rsa_dkim=True),
    }
    tenant = tmp_path / f"{TENANT}.yaml"
    tenant.write_text(tenant_yaml(["good.test", "nodkim.test", "new.test"]), encoding="utf-8")
    base = ["--sandbox", "--sandbox-dir", str(sandbox_dir), "plan", str(tenant)]
    with LocalNsd(published, tmp_path / "nsd") as nsd:
        result = CliRunner().invoke(
            cli,
            [*base, "--check-dns", "--resolver", str(nsd.resolver), "--format", "json"],
            env={SALT_ENV: SALT, "DEZKYSYNC_CONFIG": ""},
            catch_exceptions=False,
        )
        drift = CliRunner().invoke(
            cli,
            [
                *base[:3],
                "drift",
                str(tenant),
                "--check-dns",
                "--resolver",
                str(nsd.resolver),
                "--format",
                "json",
            ],
            env={SALT_ENV: SALT, "DEZKYSYNC_CONFIG": ""},
            catch_exceptions=False,
        )
    assert result.exit_code == 0, result.output
    findings = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "dns-attention"]
    assert len(findings) == 1, findings  # good.test is fine; new.test is not created yet
    assert "nodkim.test" in findings[0]["message"]
    assert "DKIM" in findings[0]["message"] and "missing" in findings[0]["message"]
    assert findings[0]["severity"] == "warning"

    assert drift.exit_code == 2, drift.output  # never applied: pending
    notes = json.loads(drift.stdout)["notes"]
    assert [n for n in notes if "nodkim.test" in n and "DKIM" in n]
    assert not [n for n in notes if "DNS of good.test" in n]

    # Without the flag, no DNS query and no DNS finding.
    plain = CliRunner().invoke(cli, [*base, "--format", "json"], env={"DEZKYSYNC_CONFIG": ""})
    assert plain.exit_code == 0, plain.output
    assert not [f for f in json.loads(plain.stdout)["findings"] if f["code"] == "dns-attention"]


def test_bad_resolver_is_a_usage_error(tmp_path: Path) -> None:
    tenant = tmp_path / f"{TENANT}.yaml"
    tenant.write_text(tenant_yaml(["good.test"]), encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "--sandbox",
            "--sandbox-dir",
            str(tmp_path / "s"),
            "plan",
            str(tenant),
            "--check-dns",
            "--resolver",
            "not an address",
        ],
    )
    assert result.exit_code == 1
    assert "--resolver" in result.output
