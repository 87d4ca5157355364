"""``dezkysync drift`` end to end against the three emulators over loopback sockets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.drift.support import (
    ACME,
    GLOBEX,
    INITECH,
    converge_and_record,
    patch_user,
    run,
)
from tests.plan.conftest import Services, write_tenants


def drift_json(services: Services, folder: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run(services, "drift", str(folder), "--format", "json", *extra)
    assert result.exit_code in (0, 2, 4), result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, document


def fields(document: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(d["tenant"], d["service"], d["object"], d["field"]) for d in document["drift"]}


def test_clean_after_apply_and_read_only(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    converge_and_record(services, folder)
    services.reset_logs()
    result = run(services, "drift", str(folder))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Drift: 2 clean." in result.stdout
    assert services.writes() == {"stalwart": 0, "authentik": 0, "ocis": 0}
    assert services.total_requests() > 0


def test_out_of_band_changes_are_drift_with_field_values(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    converge_and_record(services, folder)
    patch_user(services, "alice@acme.test", {"name": "Alice Renamed"})  # renamed in authentik
    patch_user(services, "bob@acme.test", {"is_active": True})  # a suspended user re-enabled
    seed = services.seed
    alice = seed.jmap([["x:Account/query", {"filter": {"name": "alice"}}, "q"]])["q"]["ids"][0]
    seed.jmap(  # an alias added in Stalwart
        [
            [
                "x:Account/set",
                {
                    "update": {
                        alice: {
                            "aliases/9": {"name": "extra", "domainId": seed.domain_ids["acme.test"]}
                        }
                    }
                },
                "u",
            ]
        ]
    )
    services.reset_logs()
    code, document = drift_json(services, folder)
    assert code == 4
    assert services.writes() == {"stalwart": 0, "authentik": 0, "ocis": 0}
    found = fields(document)
    assert ("acme", "authentik", "identity alice@acme.test", "name") in found
    assert ("acme", "authentik", "identity bob@acme.test", "state") in found
    assert ("acme", "stalwart", "alias extra@acme.test", "presence") in found
    by_field = {(d["object"], d["field"]): d for d in document["drift"]}
    renamed = by_field[("identity alice@acme.test", "name")]
    assert (renamed["recorded"], renamed["live"]) == ("Alice Example", "Alice Renamed")
    resumed = by_field[("identity bob@acme.test", "state")]
    assert (resumed["recorded"], resumed["live"]) == ("suspended", "active")
    alias = by_field[("alias extra@acme.test", "presence")]
    assert (alias["recorded"], alias["live"]) == ("absent", "present")
    statuses = {t["tenant"]: t["status"] for t in document["tenants"]}
    assert statuses == {"acme": "drift", "globex": "clean"}
    assert document["summary"]["drift"] == 1 and document["exit_code"] == 4
    acme = next(t for t in document["tenants"] if t["tenant"] == "acme")
    assert acme["applied"]["git_commit"] == "c0ffee"
    assert acme["pending"] == []

    text = run(services, "drift", str(folder))
    assert text.exit_code == 4
    assert "tenant acme: DRIFT" in text.stdout
    assert 'name: recorded "Alice Example", live "Alice Renamed"' in text.stdout
    assert "state: recorded suspended, live active" in text.stdout
    assert "presence: recorded absent, live present" in text.stdout
    assert "globex" not in text.stdout.split("Drift:")[0]  # clean tenants are not listed
    markdown = run(services, "drift", str(folder), "--format", "markdown")
    assert markdown.exit_code == 4
    assert markdown.stdout.startswith("## dezkysync drift")
    assert "| acme | 🔴 drift |" in markdown.stdout


def test_a_file_change_is_pending_not_drift(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    converge_and_record(services, folder)
    write_tenants(workdir, globex=GLOBEX.replace("quota: 500MB", "quota: 2GB"))
    code, document = drift_json(services, folder)
    assert code == 2
    assert document["drift"] == []
    globex = next(t for t in document["tenants"] if t["tenant"] == "globex")
    assert globex["status"] == "pending"
    assert globex["pending"] == [
        {
            "tenant": "globex",
            "object": "member carol@globex.test",
            "field": "quota",
            "recorded": 500_000_000,
            "file": 2_000_000_000,
        }
    ]
    text = run(services, "drift", str(folder))
    assert text.exit_code == 2
    assert "quota: recorded 500MB, file 2GB" in text.stdout


def test_drift_and_pending_together_exit_4(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    converge_and_record(services, folder)
    patch_user(services, "dan@globex.test", {"name": "Daniel"})
    write_tenants(
        workdir,
        globex=GLOBEX + "  - email: erin@globex.test\n    name: Erin\n",
    )
    code, document = drift_json(services, folder)
    assert code == 4
    globex = next(t for t in document["tenants"] if t["tenant"] == "globex")
    assert globex["status"] == "drift"
    assert ("member erin@globex.test", "presence") in {
        (p["object"], p["field"]) for p in globex["pending"]
    }
    assert ("globex", "authentik", "identity dan@globex.test", "name") in fields(document)
    # the new member is pending, never drift, although the services do not have it
    assert not any("erin" in d["object"] for d in document["drift"])


def test_a_tenant_never_applied_is_pending(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    converge_and_record(services, folder)
    write_tenants(workdir, initech=INITECH)  # a new file, never applied
    code, document = drift_json(services, folder)
    assert code == 2
    initech = next(t for t in document["tenants"] if t["tenant"] == "initech")
    assert initech["status"] == "never-applied" and initech["applied"] is None
    assert document["drift"] == []


def test_a_5xx_mid_read_gives_exit_1_and_no_report(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    converge_and_record(services, folder)
    patch_user(services, "alice@acme.test", {"name": "Alice Renamed"})  # real drift, too
    services.emulators["ocis"].faults.inject(
        "status", status=500, path="/graph/v1.0/users$", times=None
    )
    services.reset_logs()
    for output in ("text", "json"):
        result = run(services, "drift", str(folder), "--format", output)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "ocis: GET /graph/v1.0/users: HTTP 500" in result.stderr
        assert "never taken for drift" in result.stderr
    assert services.writes() == {"stalwart": 0, "authentik": 0, "ocis": 0}


def test_a_failing_jmap_page_gives_exit_1(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, globex=GLOBEX)
    converge_and_record(services, folder)
    services.emulators["stalwart"].faults.inject("status", status=500, path="^/jmap$", times=None)
    result = run(services, "drift", str(folder))
    assert result.exit_code == 1 and result.stdout == ""


def test_an_unreadable_record_is_an_error_not_a_verdict(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    converge_and_record(services, folder)
    groups = services.seed.authentik.get(
        "/api/v3/core/groups/", params={"name": "tenant-globex", "include_users": "false"}
    ).json()["results"]
    attributes = groups[0]["attributes"]
    attributes["dezkysync"]["applied"]["desired"]["name"] = "Tampered"  # the hash no longer fits
    response = services.seed.authentik.patch(
        f"/api/v3/core/groups/{groups[0]['pk']}/", json={"attributes": attributes}
    )
    assert response.status_code == 200
    result = run(services, "drift", str(folder), "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    globex = next(t for t in document["tenants"] if t["tenant"] == "globex")
    assert globex["status"] == "unknown"
    assert "desired_hash does not match" in globex["problem"]
    acme = next(t for t in document["tenants"] if t["tenant"] == "acme")
    assert acme["status"] == "clean"


def test_invalid_files_exit_1_without_any_request(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME.replace("tenant: acme", "tenant: Acme!"))
    result = run(services, "drift", str(folder))
    assert result.exit_code == 1
    assert "tenants/acme.yaml:1:9" in result.stderr
    assert services.total_requests() == 0


def test_shard_reports_its_tenants_only(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX, initech=INITECH)
    converge_and_record(services, folder)
    patch_user(services, "dan@globex.test", {"name": "Daniel"})
    patch_user(services, "peter@initech.test", {"name": "Pete"})
    seen: dict[str, str] = {}
    codes = []
    for k in (1, 2, 3):
        code, document = drift_json(services, folder, "--shard", f"{k}/3")
        codes.append(code)
        assert document["shard"] == f"{k}/3"
        for tenant in document["tenants"]:
            assert tenant["tenant"] not in seen
            seen[tenant["tenant"]] = tenant["status"]
        assert {d["tenant"] for d in document["drift"]} <= {
            t["tenant"] for t in document["tenants"]
        }
    assert seen == {"acme": "clean", "globex": "drift", "initech": "drift"}
    assert 4 in codes


def test_bad_shard_syntax_exits_1(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME)
    for bad, message in (
        ("0/3", "K must be between 1 and 3"),
        ("4/3", "K must be between 1 and 3"),
        ("x", "write K/N"),
        ("1/0", "N must be between"),
    ):
        for command in ("drift", "plan"):
            result = run(services, command, str(folder), "--shard", bad)
            assert result.exit_code == 1, (command, bad, result.output)
            assert message in result.stderr, result.stderr
    assert services.total_requests() == 0


def test_sandbox_mode(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, initech=INITECH)
    result = run(services, "--sandbox", "--sandbox-dir", str(workdir / "sb"), "drift", str(folder))
    assert result.exit_code == 2, result.stderr  # never applied in a fresh sandbox
    assert "sandbox: using emulated services" in result.stderr
    assert "initech: pending (never applied)" in result.stdout


def test_a_torn_down_tenant_is_clean_once_nothing_is_left(
    services: Services, workdir: Path
) -> None:
    folder = write_tenants(
        workdir,
        globex=GLOBEX,
        initech=INITECH.replace("name: Initech\n", "name: Initech\nstate: absent\n"),
    )
    (workdir / "before").mkdir()
    converge_and_record(services, write_tenants(workdir / "before", globex=GLOBEX))
    code, document = drift_json(services, folder)
    assert code == 0, document
    initech = next(t for t in document["tenants"] if t["tenant"] == "initech")
    assert initech["status"] == "clean" and initech["applied"] is None
    services.seed.identity("peter@initech.test", "initech", "Peter")  # a leftover
    code, document = drift_json(services, folder)
    assert code == 2
    initech = next(t for t in document["tenants"] if t["tenant"] == "initech")
    assert initech["status"] == "never-applied"
