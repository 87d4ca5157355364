"""From a live state to tenant documents: what is left out (and said so), what is adjusted,
and YAML that the strict tenant loader reads back as the same values."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dezkysync.drift.record import AppliedRecords
from dezkysync.export import ExportRefused, build_export, collect, write
from dezkysync.live.model import (
    AuthentikState,
    LiveAlias,
    LiveDomain,
    LiveFilesUser,
    LiveGroup,
    LiveIdentity,
    LiveMailbox,
    LiveMailingList,
    LiveState,
    OcisState,
    Ownership,
    SelfIdentity,
    StalwartState,
    suspended_permissions,
)
from dezkysync.tenants import load_tenants

NO_RECORDS = AppliedRecords()


def mine(slug: str, role: str | None = None) -> Ownership:
    return Ownership(tenant=slug, role=role)  # type: ignore[arg-type]


def identity(
    pk: int, login: str, owner: Ownership | None, name: str = "", *, active: bool = True
) -> LiveIdentity:
    return LiveIdentity(pk, login, name or login, login, active, "internal", "users", owner)


def live_state(
    *,
    domains: tuple[LiveDomain, ...] = (),
    mailboxes: tuple[LiveMailbox, ...] = (),
    lists: tuple[LiveMailingList, ...] = (),
    identities: tuple[LiveIdentity, ...] = (),
    groups: tuple[LiveGroup, ...] = (),
    files_users: tuple[LiveFilesUser, ...] = (),
    stalwart: bool = True,
) -> LiveState:
    return LiveState(
        stalwart=StalwartState("admin", "a", domains, mailboxes, lists) if stalwart else None,
        authentik=AuthentikState(SelfIdentity("dezkysync", "1"), identities, (), groups),
        ocis=OcisState(SelfIdentity("admin", "x"), files_users),
        read_at=datetime.now(UTC),
    )


def test_what_cannot_be_written_is_left_out_with_a_note() -> None:
    acme, globex = mine("acme"), mine("globex")
    live = live_state(
        domains=(LiveDomain("d1", "acme.test", acme), LiveDomain("d2", "globex.test", globex)),
        mailboxes=(
            LiveMailbox(
                "m1",
                "alice@acme.test",
                "d1",
                acme,
                "Alice",
                aliases=(
                    LiveAlias("a@globex.test", "0", "d2"),
                    LiveAlias("al@acme.test", "1", "d1"),
                ),
                quota=1024**3,
                permissions=suspended_permissions({"@type": "Inherit"}),
            ),
            LiveMailbox("m2", "stray@globex.test", "d2", acme, "Stray"),
        ),
        lists=(
            LiveMailingList(
                "l1",
                "team@acme.test",
                "d1",
                acme,
                "Team",
                recipients=("alice@acme.test", "ghost@acme.test", "x@outside.test"),
            ),
        ),
        identities=(identity(5, "alice@acme.test", acme, "Alice A."), identity(6, "robot", acme)),
        groups=(LiveGroup("g1", "tenant-acme", mine("acme", "members"), (5,)),),
        files_users=(LiveFilesUser("o1", "alice@acme.test", "Alice", "alice@acme.test", True),),
    )
    export = collect(live, NO_RECORDS)
    document = export.tenants["acme"].document
    assert document["members"] == [
        {
            "email": "alice@acme.test",
            "name": "Alice A.",  # authentik's name wins
            "aliases": ["al@acme.test"],
            "quota": "1GiB",
            "state": "suspended",  # suspended on Stalwart only: never lifted by an export
        }
    ]
    assert document["lists"] == [
        {
            "email": "team@acme.test",
            "name": "Team",
            "recipients": ["alice@acme.test", "x@outside.test"],
        }
    ]
    notes = "\n".join(export.tenants["acme"].notes)
    assert "a@globex.test of alice@acme.test is not on a domain of this tenant" in notes
    assert (
        "stray@globex.test is marked for this tenant but its domain belongs to tenant globex"
        in notes
    )
    assert "'robot'" in notes
    assert "ghost@acme.test" in notes
    assert "suspended on stalwart only" in notes
    assert "globex" in export.tenants and "members" not in export.tenants["globex"].document


def test_without_stalwart_domains_come_from_the_logins(tmp_path: Path) -> None:
    acme = mine("acme")
    live = live_state(
        identities=(
            identity(5, "alice@acme.test", acme, "Alice"),
            identity(6, "bob@acme.test", acme, "Bob", active=False),
            identity(7, "carl@acme-old.test", acme, "Carl"),
        ),
        groups=(
            LiveGroup("g1", "tenant-acme", mine("acme", "members"), (5, 6, 7)),
            LiveGroup("g2", "tenant-acme-admins", mine("acme", "admins"), (5,)),
        ),
        stalwart=False,
    )
    plan = build_export(live, NO_RECORDS, out=tmp_path)
    write(plan.files, tmp_path, force=False)
    tenant = load_tenants([tmp_path]).tenant("acme")
    assert tenant is not None
    assert [(d.name, d.primary) for d in tenant.domains] == [
        ("acme-old.test", False),
        ("acme.test", True),  # most members live there
    ]
    assert [(m.email, m.role, m.state) for m in tenant.members] == [
        ("alice@acme.test", "admin", "active"),
        ("bob@acme.test", "member", "suspended"),
        ("carl@acme-old.test", "member", "active"),
    ]


def test_yaml_keeps_awkward_values_as_text(tmp_path: Path) -> None:
    acme = mine("acme")
    names = ["yes", "0755", "2024-01-31", "null", 'Zoë: the "boss" #1', "- dash", "on"]
    live = live_state(
        domains=(LiveDomain("d1", "acme.test", acme),),
        identities=tuple(
            identity(10 + n, f"u{n}@acme.test", acme, name) for n, name in enumerate(names)
        ),
    )
    plan = build_export(live, NO_RECORDS, out=tmp_path, schema_ref="https://example.test/s.json")
    text = plan.files.files["acme.yaml"]
    assert text.startswith("# yaml-language-server: $schema=https://example.test/s.json\n")
    assert "&" not in text and "!!" not in text
    write(plan.files, tmp_path, force=False)
    tenant = load_tenants([tmp_path]).tenant("acme")
    assert tenant is not None
    assert [m.name for m in tenant.members] == names


def test_files_that_would_not_validate_are_not_written(tmp_path: Path) -> None:
    acme = mine("acme")
    live = live_state(
        domains=(LiveDomain("d1", "acme.test", acme),),
        identities=(identity(5, "alice@acme.test", acme, "A" * 300),),  # too long a name
    )
    with pytest.raises(ExportRefused, match="do not validate") as caught:
        build_export(live, NO_RECORDS, out=tmp_path / "out")
    assert caught.value.errors
    assert str(caught.value.errors[0]).startswith(str(tmp_path / "out" / "acme.yaml"))
    assert not (tmp_path / "out").exists()
