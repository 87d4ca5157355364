"""``dezkysync export`` end to end against the emulators: the round trip (export, validate,
plan shows nothing), one tenant, unmanaged candidates, overwrite protection, failed reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from dezkysync.tenants import load_tenants
from tests.drift.support import (
    ACME,
    GLOBEX,
    INITECH,
    converge_and_record,
    run,
)
from tests.plan.conftest import Services, write_tenants

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tenants"
SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/tenant.schema.json\n"


def plan_is_empty(services: Services, folder: Path) -> None:
    result = run(services, "plan", str(folder), "--detailed-exitcode", "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["changes"] == [] and document["findings"] == []


def test_round_trip_of_the_examples(services: Services, workdir: Path) -> None:
    """Apply the examples (every feature: aliases, quotas, suspension, guests with roles,
    lists with outside recipients, DMARC), export, validate, plan: nothing to do."""
    converge_and_record(services, EXAMPLES)
    out = workdir / "exported"
    services.reset_logs()
    result = run(services, "export", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert services.writes() == {"stalwart": 0, "authentik": 0, "ocis": 0}
    names = sorted(p.name for p in out.iterdir())
    assert names == ["acme.yaml", "globex.yaml", "initech.yaml"]
    for path in out.iterdir():
        assert path.read_text(encoding="utf-8").startswith(SCHEMA_LINE)
    validated = run(services, "validate", str(out))
    assert validated.exit_code == 0, validated.stderr
    plan_is_empty(services, out)
    # the exported desired state is the applied one, field for field
    exported = {t.slug: t.desired_hash() for t in load_tenants([out]).tenants}
    original = {t.slug: t.desired_hash() for t in load_tenants([EXAMPLES]).tenants}
    assert exported == original
    # and drift agrees: the exported files are what was applied
    assert run(services, "drift", str(out)).exit_code == 0


def test_round_trip_without_records(services: Services, workdir: Path) -> None:
    """Objects dezkysync created but no applied record (an older apply): names default to the
    slug, the primary domain is the one most members live on; plan still shows nothing."""
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    services.seed.converge(load_tenants([folder]))
    out = workdir / "exported"
    result = run(services, "export", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    acme: dict[str, Any] = yaml.safe_load((out / "acme.yaml").read_text(encoding="utf-8"))
    assert acme["name"] == "acme"
    assert acme["domains"] == [{"name": "acme-mail.test"}, {"name": "acme.test", "primary": True}]
    assert {"email": "carol@globex.test"} in acme["members"]
    bob = next(m for m in acme["members"] if m["email"] == "bob@acme.test")
    assert bob == {"email": "bob@acme.test", "name": "Bob Builder", "state": "suspended"}
    plan_is_empty(services, out)


def test_one_tenant_and_overwrite_protection(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX, initech=INITECH)
    converge_and_record(services, folder)
    out = workdir / "exported"
    out.mkdir()
    (out / "globex.yaml").write_text("# mine\n", encoding="utf-8")
    result = run(services, "export", "--out", str(out), "--tenant", "globex")
    assert result.exit_code == 1
    assert "refusing to overwrite" in result.stderr and "--force" in result.stderr
    assert (out / "globex.yaml").read_text(encoding="utf-8") == "# mine\n"
    forced = run(services, "export", "--out", str(out), "--tenant", "globex", "--force")
    assert forced.exit_code == 0, forced.stderr
    assert sorted(p.name for p in out.iterdir()) == ["globex.yaml"]
    exported = load_tenants([out]).tenant("globex")
    original = load_tenants([folder]).tenant("globex")
    assert exported is not None and original is not None
    assert exported.desired_hash() == original.desired_hash()
    unknown = run(services, "export", "--out", str(out), "--tenant", "umbrella")
    assert unknown.exit_code == 1
    assert "no object on the services is marked for tenant 'umbrella'" in unknown.stderr


def test_unmanaged_candidates(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    converge_and_record(services, folder)
    seed = services.seed
    seed.domain("legacy.test", None)  # an existing platform dezkysync never touched
    seed.mailbox("zoe@legacy.test", None, "Zoe Legacy", aliases=["z@legacy.test"], quota=10**9)
    seed.identity("zoe@legacy.test", None, "Zoe Legacy")
    seed.files_user("zoe@legacy.test", "Zoe Legacy")
    seed.identity("yuri@globex.test", None, "Yuri", active=False)  # on a managed domain
    seed.group("staff", None, None)
    out = workdir / "exported"
    result = run(services, "export", "--out", str(out), "--include-unmanaged")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [".unmanaged.yaml", "globex.yaml"]
    text = (out / ".unmanaged.yaml").read_text(encoding="utf-8")
    candidates = yaml.safe_load(text)
    assert candidates["add_to_tenants"] == {
        "globex": {"members": [{"email": "yuri@globex.test", "name": "Yuri", "state": "suspended"}]}
    }
    assert candidates["new_tenants"] == [
        {
            "tenant": "legacy",
            "name": "legacy.test",
            "domains": [{"name": "legacy.test", "primary": True}],
            "members": [
                {
                    "email": "zoe@legacy.test",
                    "name": "Zoe Legacy",
                    "aliases": ["z@legacy.test"],
                    "quota": "1GB",
                }
            ],
        }
    ]
    assert any("staff" in line for line in candidates["other"])
    # the candidates file is never read as a tenant file, so the directory still validates
    assert run(services, "validate", str(out)).exit_code == 0
    plan_is_empty(services, out)
    # a candidate tenant is a complete tenant document: copied into a file, it validates
    (out / "legacy.yaml").write_text(yaml.safe_dump(candidates["new_tenants"][0]), "utf-8")
    assert run(services, "validate", str(out)).exit_code == 0, "candidate does not validate"


def test_no_secret_is_ever_written(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    converge_and_record(services, folder)
    password = "Correct-Horse-Battery-Staple-42!"
    for login in ("carol@globex.test", "dan@globex.test"):
        pk = services.seed.pks[login]
        response = services.seed.authentik.post(
            f"/api/v3/core/users/{pk}/set_password/", json={"password": password}
        )
        assert response.status_code == 204
    out = workdir / "exported"
    result = run(services, "export", "--out", str(out), "--include-unmanaged")
    assert result.exit_code == 0
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8")
        assert password not in text
        assert not any(token in text for token in services.tokens.values())
        if not path.name.startswith("."):
            assert "password" not in text


def test_a_failed_read_exports_nothing(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    converge_and_record(services, folder)
    services.emulators["authentik"].faults.inject(
        "status", status=500, path="/api/v3/core/groups/", times=None
    )
    services.reset_logs()
    out = workdir / "exported"
    result = run(services, "export", "--out", str(out))
    assert result.exit_code == 1
    assert "HTTP 500" in result.stderr and "nothing was exported" in result.stderr
    assert not out.exists()
    assert services.writes() == {"stalwart": 0, "authentik": 0, "ocis": 0}


def test_export_in_the_sandbox(services: Services, workdir: Path) -> None:
    out = workdir / "exported"
    result = run(
        services, "--sandbox", "--sandbox-dir", str(workdir / "sb"), "export", "--out", str(out)
    )
    assert result.exit_code == 0, result.stderr
    assert "no managed tenant found" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
