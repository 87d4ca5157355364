"""``--shard K/N``: parsing, restricting a plan to a shard's tenants, and ``plan --shard``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dezkysync.plan import load_plan
from dezkysync.plan.shard import OTHER_SHARD, Shard, shard_plan
from dezkysync.tenants import load_tenants
from dezkysync.tenants.model import shard_of
from tests.drift.support import ACME, GLOBEX, INITECH, run
from tests.plan.conftest import Services, write_tenants


def test_parse() -> None:
    assert Shard.parse("2/4") == Shard(2, 4)
    assert Shard.parse(" 1 / 1 ") == Shard(1, 1)
    assert str(Shard(3, 7)) == "3/7"
    for bad in ("", "x", "1", "1/", "/2", "1/2/3", "-1/2", "a/b", "1.5/2"):
        with pytest.raises(ValueError, match="write K/N"):
            Shard.parse(bad)
    for bad in ("0/3", "4/3"):
        with pytest.raises(ValueError, match="K must be between 1 and 3"):
            Shard.parse(bad)
    with pytest.raises(ValueError, match="N must be between"):
        Shard.parse("1/0")


def test_every_tenant_is_in_exactly_one_shard() -> None:
    slugs = [f"tenant-{n}" for n in range(200)]
    for n in (1, 3, 8):
        shards = [Shard(k, n) for k in range(1, n + 1)]
        for slug in slugs:
            assert sum(shard.contains(slug) for shard in shards) == 1
            assert Shard(shard_of(slug, n), n).contains(slug)


def plan_json(services: Services, folder: Path, *extra: str) -> dict[str, Any]:
    result = run(services, "plan", str(folder), "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_plan_shards_partition_the_full_plan(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX, initech=INITECH)
    full = plan_json(services, folder)
    assert {c["tenant"] for c in full["changes"]} == {"acme", "globex", "initech"}
    n = 3  # acme and initech in shard 3, globex in shard 2 (sha256 of the slugs)
    assert (shard_of("acme", n), shard_of("globex", n), shard_of("initech", n)) == (3, 2, 3)
    seen: list[str] = []
    for k in range(1, n + 1):
        document = plan_json(services, folder, "--shard", f"{k}/{n}")
        tenants = {c["tenant"] for c in document["changes"]}
        assert all(shard_of(t, n) == k for t in tenants)
        assert {t["slug"] for t in document["computed_from"]["tenants"]} == {
            s for s in ("acme", "globex", "initech") if shard_of(s, n) == k
        }
        seen += [c["id"] for c in document["changes"]]
    assert sorted(seen) == sorted(c["id"] for c in full["changes"])

    # carol is globex's (shard 2) and a guest in acme (shard 3): acme's membership waits for
    # the identity globex creates, so it cannot run in shard 3 alone
    shard3 = plan_json(services, folder, "--shard", "3/3")
    waiting = "authentik:membership:tenant-acme/carol@globex.test:create"
    blockers = {(f["code"], f["change_id"]) for f in shard3["findings"]}
    assert (OTHER_SHARD, waiting) in blockers
    assert next(c for c in shard3["changes"] if c["id"] == waiting)["blocked"]
    detailed = run(services, "plan", str(folder), "--shard", "3/3", "--detailed-exitcode")
    assert detailed.exit_code == 3
    assert "shard 3/3: 2 tenants of 3" in detailed.stderr
    assert (
        run(services, "plan", str(folder), "--shard", "2/3", "--detailed-exitcode").exit_code == 2
    )
    empty = run(services, "plan", str(folder), "--shard", "1/3", "--detailed-exitcode")
    assert empty.exit_code == 0 and "No changes" in empty.stdout
    assert services.writes() == {"stalwart": 0, "authentik": 0, "ocis": 0}


def test_sharded_saved_plan(services: Services, workdir: Path) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX, initech=INITECH)
    out = workdir / "plan.json"
    result = run(services, "plan", str(folder), "--shard", "2/3", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    saved = load_plan(out)
    assert {c.tenant for c in saved.changes} == {"globex"}
    refs = {c.object_ref for c in saved.changes}
    assert set(saved.computed_from.live_objects) <= refs
    assert len(saved.computed_from.files) == 3  # validation and hashes cover every file


def test_other_shards_tenants_are_not_missing_files(services: Services, workdir: Path) -> None:
    """The plan is computed over every tenant, then cut: the tenants of other shards are not
    "files missing", and their objects are neither touched nor warned about."""
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX, initech=INITECH)
    services.seed.converge(load_tenants([folder]))
    write_tenants(workdir, globex=GLOBEX.replace("name: Dan Brown", "name: Daniel Brown"))
    document = plan_json(services, folder, "--shard", "2/3")
    assert {c["id"] for c in document["changes"]} == {
        "authentik:identity:dan@globex.test:update",
        "stalwart:mailbox:dan@globex.test:update",
        "ocis:files-user:dan@globex.test:update",
    }
    assert document["findings"] == []
    assert plan_json(services, folder, "--shard", "3/3")["changes"] == []


def test_shard_plan_unit_drops_other_tenants_findings() -> None:
    from datetime import UTC, datetime, timedelta

    from dezkysync.plan.model import Change, ComputedFrom, Finding, Plan, TenantDigest

    changes = (
        Change("a:identity:x:create", "authentik", "identity", "create", "one", "x"),
        Change(
            "a:membership:g/x:create",
            "authentik",
            "membership",
            "create",
            "two",
            "g/x",
            depends_on=("a:identity:x:create",),
        ),
        Change(
            "a:membership:h/x:create",
            "authentik",
            "membership",
            "create",
            "two",
            "h/x",
            depends_on=("a:membership:g/x:create",),
        ),
        Change(  # memberships before a mailbox: an order only, not kept across shards
            "s:mailbox:x:create",
            "stalwart",
            "mailbox",
            "create",
            "one",
            "x",
            depends_on=("a:identity:x:create", "a:membership:g/x:create"),
        ),
    )
    findings = (
        Finding("tenant-file-missing", "warning", "one's", tenant="one"),
        Finding("stalwart-disabled", "info", "for all"),
        Finding("x", "warning", "on one", change_id="a:identity:x:create"),
    )
    plan = Plan(
        changes=changes,
        findings=findings,
        computed_from=ComputedFrom(
            created_at=datetime.now(UTC),
            max_age=timedelta(hours=1),
            tenants=(TenantDigest("one", "present", "h1"), TenantDigest("two", "present", "h2")),
        ),
    )
    two = shard_plan(plan, {"two"})
    assert [c.id for c in two.changes] == ["a:membership:g/x:create", "a:membership:h/x:create"]
    assert [(f.code, f.change_id) for f in two.findings] == [
        ("stalwart-disabled", None),
        (OTHER_SHARD, "a:membership:g/x:create"),
        ("blocked-by-dependency", "a:membership:h/x:create"),
    ]
    assert [t.slug for t in two.computed_from.tenants] == ["two"]
    one = shard_plan(plan, {"one"})
    assert [f.code for f in one.findings] == ["tenant-file-missing", "stalwart-disabled", "x"]
    assert [c.id for c in one.changes] == ["a:identity:x:create", "s:mailbox:x:create"]
    assert not one.blocked
