"""The applied record: built from a tenant, written on the tenant's members group through
authentik's API (other attributes kept, idempotent), read back and checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from dezkysync import __version__
from dezkysync.config import load_config
from dezkysync.drift import (
    RecordRefused,
    build_applied_record,
    read_applied_records,
    records_from_groups,
    write_applied_record,
    write_applied_records,
)
from dezkysync.drift.canonical import tenant_from_canonical
from dezkysync.services.ownership import authentik_marker
from dezkysync.services.reader import connect
from dezkysync.tenants import Tenant, load_tenants
from tests.plan.conftest import Services

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tenants"
NOW = datetime(2026, 11, 26, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture(scope="module")
def examples() -> dict[str, Tenant]:
    return {t.slug: t for t in load_tenants([EXAMPLES]).tenants}


def group(services: Services, name: str) -> dict[str, Any]:
    response = services.seed.authentik.get(
        "/api/v3/core/groups/", params={"name": name, "include_users": "false"}
    )
    results: list[dict[str, Any]] = response.json()["results"]
    assert len(results) == 1
    return results[0]


def test_canonical_round_trip(examples: dict[str, Tenant]) -> None:
    for tenant in examples.values():
        again = tenant_from_canonical(tenant.canonical())
        assert again.canonical() == tenant.canonical()
        assert again.desired_hash() == tenant.desired_hash()
    with pytest.raises(ValueError, match="format 2"):
        tenant_from_canonical({**examples["acme"].canonical(), "format": 2})
    broken = examples["acme"].canonical()
    broken["members"][0]["quota"] = "10GiB"  # type: ignore[index]
    with pytest.raises(ValueError, match=r"members\[0\]: 'quota' has the wrong type"):
        tenant_from_canonical(broken)
    with pytest.raises(ValueError, match="'slug' is missing"):
        tenant_from_canonical({"format": 1})


def test_build_applied_record(examples: dict[str, Tenant]) -> None:
    acme = examples["acme"]
    record = build_applied_record(acme, git_commit="abc123", now=NOW)
    assert record == {
        "format": 1,
        "desired_hash": acme.desired_hash(),
        "desired": acme.canonical(),
        "applied_at": "2026-11-26T12:00:00Z",
        "git_commit": "abc123",
        "dezkysync_version": __version__,
    }
    east = NOW.astimezone(timezone(timedelta(hours=5)))
    assert build_applied_record(acme, git_commit=None, now=east)["applied_at"] == (
        "2026-11-26T12:00:00Z"
    )
    with pytest.raises(ValueError, match="time zone"):
        build_applied_record(acme, git_commit=None, now=datetime(2026, 1, 1))


def test_write_keeps_other_attributes_and_is_idempotent(
    services: Services, examples: dict[str, Tenant]
) -> None:
    globex = examples["globex"]
    response = services.seed.authentik.post(
        "/api/v3/core/groups/",
        json={
            "name": "tenant-globex",
            "attributes": {
                "dezkysync": {**authentik_marker("globex", "members"), "note": "kept"},
                "crm_id": 42,
            },
        },
    )
    assert response.status_code == 201
    pk = response.json()["pk"]
    config = load_config(env=services.env)
    record = build_applied_record(globex, git_commit="abc", now=NOW)
    services.reset_logs()
    with connect(config) as clients:
        assert write_applied_record(clients.authentik, pk, record) is True
        assert services.writes()["authentik"] == 1
        attributes = group(services, "tenant-globex")["attributes"]
        assert attributes["crm_id"] == 42
        assert attributes["dezkysync"] == {
            **authentik_marker("globex", "members"),
            "note": "kept",
            "applied": record,
        }
        # the same desired state again (later, another commit): nothing is written
        again = build_applied_record(globex, git_commit="def", now=NOW + timedelta(days=1))
        assert write_applied_record(clients.authentik.http, pk, again) is False
        assert services.writes()["authentik"] == 1
        # another desired state: written again, over the old record
        changed = tenant_from_canonical({**globex.canonical(), "name": "Globex AG"})
        newer = build_applied_record(changed, git_commit="def", now=NOW + timedelta(days=1))
        assert write_applied_record(clients.authentik, pk, newer) is True
        read = read_applied_records(clients.authentik)
    assert services.writes()["authentik"] == 2
    assert group(services, "tenant-globex")["attributes"]["crm_id"] == 42
    assert set(read.records) == {"globex"} and not read.problems
    found = read.records["globex"]
    assert found.desired_hash == changed.desired_hash()
    assert found.git_commit == "def" and found.group_pk == pk
    assert found.desired_tenant().canonical() == changed.canonical()


def test_write_refuses_a_group_that_is_not_the_tenants_members_group(
    services: Services, examples: dict[str, Tenant]
) -> None:
    admins = services.seed.group("tenant-globex-admins", "globex", "admins")
    other = services.seed.group("tenant-acme", "acme", "members")
    plain = services.seed.group("staff", None, None)
    record = build_applied_record(examples["globex"], git_commit=None, now=NOW)
    services.reset_logs()
    with connect(load_config(env=services.env)) as clients:
        for pk in (admins, other, plain):
            with pytest.raises(RecordRefused, match="not the members group marked for tenant"):
                write_applied_record(clients.authentik, pk, record)
        with pytest.raises(ValueError, match="not an applied record"):
            write_applied_record(clients.authentik, other, {"desired": {}})
    assert services.writes()["authentik"] == 0


def test_write_many_with_one_listing(services: Services, examples: dict[str, Tenant]) -> None:
    services.seed.converge(load_tenants([EXAMPLES]))
    records = {
        slug: build_applied_record(t, git_commit="abc", now=NOW) for slug, t in examples.items()
    }
    records["ghost"] = build_applied_record(
        tenant_from_canonical({**examples["initech"].canonical(), "slug": "ghost"}),
        git_commit=None,
        now=NOW,
    )
    services.reset_logs()
    with connect(load_config(env=services.env)) as clients:
        first = write_applied_records(clients.authentik, records)
        second = write_applied_records(clients.authentik, records)
        with pytest.raises(ValueError, match="was given for tenant"):
            write_applied_records(clients.authentik, {"acme": records["globex"]})
    assert first.written == ("acme", "globex", "initech") and first.no_group == ("ghost",)
    assert second.unchanged == ("acme", "globex", "initech") and not second.written
    summary = services.emulators["authentik"].log.summary()
    assert summary["writes"] == 3
    assert summary["by_route"]["GET /api/v3/core/groups/"] == 3  # one listing per call


def _group(slug: str, name: str, record: Any, **marker: Any) -> dict[str, Any]:
    value = {**authentik_marker(slug, "members"), **marker}
    if record is not None:
        value["applied"] = record
    return {"pk": f"pk-{name}", "name": name, "attributes": {"dezkysync": value}}


def test_reading_checks_every_record(examples: dict[str, Tenant]) -> None:
    good = build_applied_record(examples["acme"], git_commit=None, now=NOW)
    tampered = build_applied_record(examples["globex"], git_commit=None, now=NOW)
    tampered["desired"] = {**tampered["desired"], "name": "Changed by hand"}
    wrong_slug = build_applied_record(examples["initech"], git_commit=None, now=NOW)
    groups = [
        _group("acme", "tenant-acme", good),
        _group("acme", "acme-old", {"format": 1}),  # a duplicate: the named group wins
        _group("globex", "tenant-globex", tampered),
        _group("initech", "tenant-initech", {**good, "format": 7}),
        _group("hooli", "tenant-hooli", wrong_slug),
        _group("umbrella", "tenant-umbrella", None),  # never applied
        _group("vought", "tenant-vought", "not a mapping"),
        {"pk": "x", "name": "tenant-broken", "attributes": {"dezkysync": "nonsense"}},
        {"pk": "y", "name": "staff", "attributes": {}},
    ]
    read = records_from_groups(groups)
    assert set(read.records) == {"acme"}
    assert read.records["acme"].group_name == "tenant-acme"
    assert set(read.problems) == {"globex", "initech", "hooli", "vought"}
    assert "desired_hash does not match" in read.problems["globex"]
    assert "format 7" in read.problems["initech"]
    assert "describes tenant 'initech'" in read.problems["hooli"]
    assert "not a mapping" in read.problems["vought"]
