"""``dezkysync plan`` end to end against the three emulators over loopback sockets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dezkysync.plan import load_plan, schema_errors
from dezkysync.tenants import load_tenants
from tests.plan.conftest import Services, write_tenants

ACME = """\
tenant: acme
name: Acme
domains:
  - name: acme.test
    primary: true
  - name: acme-mail.test
members:
  - email: alice@acme.test
    name: Alice Example
    role: admin
    aliases: [info@acme.test, sales@acme-mail.test]
    quota: 1GiB
  - email: bob@acme.test
    name: Bob Builder
    state: suspended
  - email: carol@globex.test
lists:
  - email: team@acme.test
    name: Team
    recipients: [alice@acme.test, bob@acme.test]
"""
GLOBEX = """\
tenant: globex
name: Globex
domains:
  - name: globex.test
    primary: true
members:
  - email: carol@globex.test
    name: Carol Danvers
"""


def test_plan_from_scratch_is_read_only(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    result = services.plan(str(folder))
    assert result.code == 0, result.stderr
    assert "+ mailbox alice@acme.test" in result.stdout
    assert "password: (generated at apply)" in result.stdout
    assert "Plan: " in result.stdout and "to create" in result.stdout
    assert services.writes() == {"stalwart": 0, "authentik": 0, "ocis": 0}
    assert services.plan(str(folder), "--detailed-exitcode").code == 2


def test_converged_services_show_nothing(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    services.seed.converge(load_tenants([folder]))
    result = services.plan(str(folder), "--detailed-exitcode")
    assert result.code == 0, result.stdout + result.stderr
    assert "No changes" in result.stdout


def test_every_kind_of_change_and_guard(services: Services, workdir: Path) -> None:
    """One scenario exercising every action on every service and the main guards."""
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    seed = services.seed
    seed.converge(load_tenants([folder]))
    # out of band, on the live side:
    seed.identity("dave@acme.test", "acme", "Dave")  # a member the files no longer have
    seed.files_user("dave@acme.test", "Dave")
    seed.mailbox("dave@acme.test", "acme", "Dave")
    seed.domain("unmanaged.test", None)
    seed.identity("eve@acme.test", None, "Eve (hand-made)")  # collides with a new member
    seed.identity("frank@acme.test", "globex", "Frank")  # another tenant's
    seed.identity("gone@initech.test", "initech", "Gone")  # a tenant whose file is missing
    acme = ACME.replace("name: Bob Builder\n    state: suspended", "name: Bob the Builder").replace(
        "quota: 1GiB", "quota: 2GiB"
    )
    acme = acme.replace(
        "  - email: carol@globex.test\n",
        "  - email: carol@globex.test\n"
        "  - email: eve@acme.test\n    name: Eve\n"
        "  - email: frank@acme.test\n    name: Frank\n",
    )
    acme = acme.replace("[alice@acme.test, bob@acme.test]", "[alice@acme.test, eve@acme.test]")
    write_tenants(workdir, acme=acme)
    services.reset_logs()
    result = services.plan(str(folder), "--format", "json", "--detailed-exitcode")
    assert result.code == 3, result.stderr
    document = result.json()
    assert not schema_errors(document)
    ids = result.change_ids()
    expected = {
        "stalwart:mailbox:alice@acme.test:update",  # quota
        "stalwart:mailbox:bob@acme.test:update",  # name
        "stalwart:mailbox:bob@acme.test:resume",
        "authentik:identity:bob@acme.test:resume",
        "ocis:files-user:bob@acme.test:resume",
        "stalwart:list:team@acme.test:update",
        "authentik:identity:dave@acme.test:suspend",  # deactivate before removal
        "ocis:files-user:dave@acme.test:delete",
        "stalwart:mailbox:dave@acme.test:delete",
        "authentik:identity:dave@acme.test:delete",
        "authentik:identity:eve@acme.test:adopt",
        "stalwart:mailbox:eve@acme.test:create",
        "ocis:files-user:eve@acme.test:create",
        "authentik:membership:tenant-acme/eve@acme.test:create",
        "authentik:identity:frank@acme.test:adopt",
    }
    assert expected <= ids, expected - ids
    findings = {(f["code"], f["change_id"]) for f in document["findings"]}
    assert ("unmanaged-collision", "authentik:identity:eve@acme.test:adopt") in findings
    assert ("owned-by-other-tenant", "authentik:identity:frank@acme.test:adopt") in findings
    assert ("tenant-file-missing", None) in findings
    assert ("password-not-shared", "stalwart:mailbox:eve@acme.test:create") in findings
    dave = [c for c in document["changes"] if c["key"] == "dave@acme.test"]
    assert dave[0]["id"] == "authentik:identity:dave@acme.test:suspend"
    assert services.writes() == {"stalwart": 0, "authentik": 0, "ocis": 0}

    adopted = services.plan(str(folder), "--format", "json", "--detailed-exitcode", "--adopt")
    assert adopted.code == 3  # frank is still another tenant's
    blocked = {c["id"] for c in adopted.json()["changes"] if c["blocked"]}
    assert "authentik:identity:eve@acme.test:adopt" not in blocked
    assert "authentik:identity:frank@acme.test:adopt" in blocked


def test_a_5xx_on_page_3_of_5_stops_the_plan(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    services.seed.converge(load_tenants([folder]))
    for n in range(450):  # managed members the file does not list: would be removed
        services.seed.identity(f"user{n:03d}@globex.test", "globex", f"User {n}")
    services.reset_logs()
    healthy = services.plan(str(folder), "--format", "json", "--allow-deletes")
    assert healthy.code == 0
    assert "authentik:identity:user003@globex.test:delete" in healthy.change_ids()

    services.emulators["authentik"].faults.inject(
        "status", status=500, path="/api/v3/core/users/", query="page=3", times=None
    )
    services.reset_logs()
    result = services.plan(str(folder), "--format", "json", "--allow-deletes")
    assert result.code == 1
    assert result.stdout == ""  # no plan printed
    assert "page=3" in result.stderr and "HTTP 500" in result.stderr
    assert 'never taken as "absent"' in result.stderr
    assert services.writes() == {"stalwart": 0, "authentik": 0, "ocis": 0}


def test_a_single_503_or_429_is_retried(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    services.seed.converge(load_tenants([folder]))
    services.reset_logs()
    services.emulators["authentik"].faults.inject(
        "status", status=503, path="/api/v3/core/users/$", times=1
    )
    services.emulators["ocis"].faults.inject(
        "status", status=429, path="/graph/v1.0/users$", retry_after=0.05, times=1
    )
    result = services.plan(str(folder), "--detailed-exitcode")
    assert result.code == 0, result.stderr
    assert services.requests("authentik", "GET /api/v3/core/users/") == 2  # one page, one retry
    assert services.requests("ocis", "GET /graph/v1.0/users") == 2


def test_a_reset_connection_is_retried(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    services.emulators["stalwart"].faults.inject("reset", path="^/jmap$", times=1)
    result = services.plan(str(folder), "--detailed-exitcode")
    assert result.code == 2, result.stderr
    assert services.requests("stalwart", "POST /jmap") == 2


def test_a_connection_reset_every_time_fails(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    services.emulators["stalwart"].faults.inject("reset", path="^/jmap$", times=None)
    result = services.plan(str(folder))
    assert result.code == 1
    assert "stalwart: POST /jmap: connection failed" in result.stderr
    assert result.stdout == ""


def test_a_truncated_body_fails_the_plan(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    services.emulators["ocis"].faults.inject("truncate", path="/graph/v1.0/users$", times=None)
    result = services.plan(str(folder))
    assert result.code == 1
    assert "ocis: GET /graph/v1.0/users" in result.stderr and "not valid JSON" in result.stderr
    assert result.stdout == ""


def test_a_wrong_token_is_an_error_without_the_token(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    env = {**services.env, "AUTHENTIK_TOKEN": "wrong-token-123"}
    result = services.plan(str(folder), env=env)
    assert result.code == 1
    assert "authentik" in result.stderr and "HTTP 403" in result.stderr
    assert "wrong-token-123" not in result.stderr + result.stdout


def test_missing_variables_without_sandbox(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    env = {k: v for k, v in services.env.items() if k not in ("OCIS_URL", "AUTHENTIK_TOKEN")}
    result = services.plan(str(folder), env=env)
    assert result.code == 1
    assert "OCIS_URL" in result.stderr and "AUTHENTIK_TOKEN" in result.stderr
    assert services.total_requests() == 0


def test_bad_tenant_files_make_no_api_call(services: Services, workdir: Path) -> None:
    folder = write_tenants(
        workdir, globex=GLOBEX.replace("name: Globex", "name: Globex\nnmae: typo")
    )
    result = services.plan(str(folder))
    assert result.code == 1
    assert "globex.yaml:3:1:" in result.stderr
    assert "1 error in 1 file" in result.stderr
    assert result.stdout == ""
    assert services.total_requests() == 0


def test_stalwart_disabled(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    env = {k: v for k, v in services.env.items() if not k.startswith("STALWART")}
    env["STALWART_PROVISIONING_ENABLED"] = "false"
    result = services.plan(str(folder), "--format", "json", env=env)
    assert result.code == 0, result.stderr
    assert {c["service"] for c in result.json()["changes"]} == {"authentik", "ocis"}
    assert services.emulators["stalwart"].log.summary()["total"] == 0


def test_saved_plan_and_formats(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    out = workdir / "plans" / "plan.json"
    result = services.plan(str(folder), "--format", "markdown", "--out", str(out))
    assert result.code == 0
    assert result.stdout.startswith("## dezkysync plan")
    assert "<details>" in result.stdout and len(result.stdout) < 60_000
    assert f"plan saved to {out}" in result.stderr
    saved = json.loads(out.read_text())
    assert not schema_errors(saved)
    plan = load_plan(out)
    assert len(plan.changes) == saved["summary"]["changes"] > 10
    assert {f.path for f in plan.computed_from.files} == {
        str(folder / "acme.yaml"),
        str(folder / "globex.yaml"),
    }
    refs = plan.computed_from.live_objects
    assert refs["stalwart:mailbox:alice@acme.test"] == "absent"
    assert {s.name for s in plan.computed_from.services} == {"stalwart", "authentik", "ocis"}
    assert all("tok-" not in s.url for s in plan.computed_from.services)


def test_protected_identities_from_the_configuration_file(
    services: Services, workdir: Path
) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    services.seed.converge(load_tenants([folder]))
    (workdir / "dezkysync.yaml").write_text("protected: [carol@globex.test]\n")
    suspended = GLOBEX + "    state: suspended\n"
    write_tenants(workdir, globex=suspended)
    result = services.plan(str(folder), "--format", "json", "--detailed-exitcode")
    assert result.code == 3
    codes = {f["code"] for f in result.json()["findings"]}
    assert "protected-identity" in codes


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_sandbox_mode(workdir: Path, fmt: str) -> None:
    from click.testing import CliRunner

    from dezkysync.cli import cli

    folder = write_tenants(workdir, globex=GLOBEX)
    runner = CliRunner()
    env: dict[str, str | None] = {
        var: None
        for var in (
            "STALWART_URL",
            "AUTHENTIK_URL",
            "OCIS_URL",
            "STALWART_TOKEN",
            "AUTHENTIK_TOKEN",
            "OCIS_TOKEN",
        )
    }
    result = runner.invoke(
        cli,
        [
            "--sandbox",
            "--sandbox-dir",
            str(workdir / "sb"),
            "plan",
            str(folder),
            "--format",
            fmt,
            "--detailed-exitcode",
        ],
        env=env,
    )
    assert result.exit_code == 2, result.output
    assert f"sandbox: using emulated services in {workdir / 'sb'}" in result.stderr
    assert "carol@globex.test" in result.stdout
