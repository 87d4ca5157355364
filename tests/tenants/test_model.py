"""The model built from the examples: guests, normalisation, hashes, shards, look-ups."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from dezkysync.tenants import Member, TenantSet, load_tenants
from dezkysync.tenants.model import shard_of

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "tenants"


@pytest.fixture(scope="module")
def tenants() -> TenantSet:
    return load_tenants([EXAMPLES])


def test_examples_load_sorted_by_slug(tenants: TenantSet) -> None:
    assert [t.slug for t in tenants.tenants] == ["acme", "globex", "initech"]
    assert [f.name for f in tenants.files] == ["acme.yaml", "globex.yaml", "initech.yaml"]
    assert all(t.source in tenants.files for t in tenants.tenants)


def test_examples_cover_every_feature(tenants: TenantSet) -> None:
    members = [m for t in tenants.tenants for m in t.members]
    domains = [d for t in tenants.tenants for d in t.domains]
    assert any(m.guest for m in members)
    assert any(m.state == "suspended" for m in members)
    assert any(m.role == "admin" and not m.guest for m in members)
    assert any(m.role == "admin" and m.guest for m in members)
    assert any(m.quota for m in members)
    assert any(d.dmarc is not None for d in domains)
    assert any(not d.primary for d in domains)
    acme = tenants.tenant("acme")
    assert acme is not None
    alice = acme.member("alice@acme.example")
    assert alice is not None
    assert {a.rpartition("@")[2] for a in alice.aliases} == {"acme.example", "acme-mail.example"}
    recipients = [r for t in tenants.tenants for ml in t.lists for r in ml.recipients]
    assert any(tenants.home_tenant_of(r) is None for r in recipients)  # an outside recipient
    assert all(d.name.endswith(".example") for d in domains), "examples use reserved names only"


def test_guest_is_a_membership_with_the_home_tenant_identity(tenants: TenantSet) -> None:
    acme, globex, initech = tenants.tenants
    guest = acme.member("Carol@Globex.Example")
    assert guest == Member(email="carol@globex.example", guest=True)
    assert guest.spot is not None and guest.spot.file.endswith("acme.yaml")
    home = tenants.home_tenant_of(guest.email)
    assert home is globex
    carol = globex.member("carol@globex.example")
    assert carol is not None and not carol.guest
    assert carol.name == "Carol Danvers" and carol.quota == 5 * 1024**3
    in_initech = initech.member("carol@globex.example")
    assert in_initech is not None
    assert in_initech.guest and in_initech.role == "admin" and in_initech.name == "Carol Danvers"
    assert guest in acme.guests and guest not in acme.mailbox_members
    assert tenants.tenant("nope") is None
    assert acme.member("nobody@acme.example") is None


def test_guest_mirrors_the_home_state(tmp_path: Path) -> None:
    (tmp_path / "globex.yaml").write_text(
        "tenant: globex\nname: G\ndomains: [{name: globex.example, primary: true}]\n"
        "members: [{email: carol@globex.example, name: Carol, state: suspended}]\n"
    )
    (tmp_path / "acme.yaml").write_text(
        "tenant: acme\nname: A\nmembers: [{email: carol@globex.example, role: admin}]\n"
    )
    acme = load_tenants([tmp_path]).tenant("acme")
    assert acme is not None and acme.domains == ()
    guest = acme.member("carol@globex.example")
    assert guest is not None and guest.state == "suspended" and guest.role == "admin"


def test_normalisation(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "tenant: t\nname: T\n"
        "domains:\n  - {name: Bücher.Example., primary: true}\n  - {name: XN--BCHER-KVA.test}\n"
        "members:\n"
        "  - email: Anna.Maria+x@BÜCHER.example\n    name: Anna\n"
        "    aliases: [Zed@bücher.example, am@xn--bcher-kva.test]\n"
        "lists:\n  - email: Team@Bücher.example\n"
        "    recipients: [B@Outside.Example, anna.maria+x@bücher.example, b@outside.example]\n"
    )
    tenant = load_tenants([tmp_path / "t.yaml"]).tenants[0]
    assert [d.name for d in tenant.domains] == [
        "xn--bcher-kva.example",
        "xn--bcher-kva.test",
    ]
    assert tenant.primary_domain is not None
    assert tenant.primary_domain.name == "xn--bcher-kva.example"
    assert tenant.domain("BÜCHER.example.") is tenant.domains[0]
    member = tenant.members[0]
    assert member.email == member.login == "anna.maria+x@xn--bcher-kva.example"
    assert member.domain == "xn--bcher-kva.example"
    assert member.aliases == ("am@xn--bcher-kva.test", "zed@xn--bcher-kva.example")
    assert member.role == "member" and member.state == "active" and member.quota is None
    (team,) = tenant.lists
    assert team.email == "team@xn--bcher-kva.example"
    assert team.recipients == ("anna.maria+x@xn--bcher-kva.example", "b@outside.example")
    assert tenant.mailing_list("TEAM@bücher.example") is team


def _reformatted_acme() -> str:
    # Same desired state as examples/tenants/acme.yaml: other key order, flow style, quotes,
    # other spelling of quotas and addresses, list entries in another order.
    return """\
lists:
  - recipients: [ACCOUNTING@tax-advisor.example, carol@globex.example, bob@acme.example,
                 alice@acme.example]
    name: "Team"
    email: Team@Acme.Example
members:
  - {email: carol@globex.example}
  - email: ops@acme.example
    name: Acme Operations
    role: admin
    quota: 1073741824
  - email: bob@acme.example
    quota: 2048 MiB
    name: 'Bob Builder'
    state: suspended
    role: member
  - email: alice@acme.example
    quota: 10 gib
    aliases: [sales@acme-mail.example, info@acme.example]
    role: admin
    name: Alice Example
domains:
  - name: ACME-MAIL.example.
  - {dmarc: {rua: "mailto:dmarc@acme.example", policy: quarantine, pct: 100},
     primary: true, name: acme.example}
name: Acme GmbH
tenant: acme
"""


def test_desired_hash_is_stable_across_reformatting(tmp_path: Path, tenants: TenantSet) -> None:
    for name in ("globex.yaml", "initech.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    (tmp_path / "acme.yaml").write_text(_reformatted_acme())
    reformatted = load_tenants([tmp_path])
    original = tenants.tenant("acme")
    again = reformatted.tenant("acme")
    assert original is not None and again is not None
    assert again.desired_hash() == original.desired_hash()
    assert len(original.desired_hash()) == 64
    # ... and it is a hash of the content: any desired change moves it.
    (tmp_path / "acme.yaml").write_text(_reformatted_acme().replace("10 gib", "11 gib"))
    changed = load_tenants([tmp_path]).tenant("acme")
    assert changed is not None and changed.desired_hash() != original.desired_hash()
    # the other tenants' hashes do not depend on where the files live
    for slug in ("globex", "initech"):
        a, b = tenants.tenant(slug), reformatted.tenant(slug)
        assert a is not None and b is not None and a.desired_hash() == b.desired_hash()


def test_desired_hash_covers_every_field(tenants: TenantSet) -> None:
    acme = tenants.tenant("acme")
    assert acme is not None
    alice = acme.members[0]
    variants = [
        dataclasses.replace(acme, name="Other"),
        dataclasses.replace(acme, state="absent"),
        dataclasses.replace(acme, domains=acme.domains[:1]),
        dataclasses.replace(acme, lists=()),
        dataclasses.replace(acme, members=(dataclasses.replace(alice, role="member"),)),
    ]
    for changed in (
        dataclasses.replace(alice, name="X"),
        dataclasses.replace(alice, quota=1),
        dataclasses.replace(alice, state="suspended"),
        dataclasses.replace(alice, guest=True),
        dataclasses.replace(alice, aliases=()),
        dataclasses.replace(alice, email="alicia@acme.example"),
    ):
        variants.append(dataclasses.replace(acme, members=(changed, *acme.members[1:])))
    hashes = {v.desired_hash() for v in variants}
    assert acme.desired_hash() not in hashes and len(hashes) == len(variants)
    moved = dataclasses.replace(acme, source=Path("elsewhere.yaml"), members=acme.members[::-1])
    assert moved.desired_hash() == acme.desired_hash()


def test_files_hash_follows_bytes_not_working_directory(
    tmp_path: Path, tenants: TenantSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "tenants"
    shutil.copytree(EXAMPLES, copy)
    monkeypatch.chdir(tmp_path)
    relative = load_tenants(["tenants"])
    assert relative.files[0] == Path("tenants/acme.yaml")
    assert relative.files_hash() == tenants.files_hash()
    with (copy / "globex.yaml").open("a") as handle:
        handle.write("# a comment changes the bytes\n")
    assert load_tenants(["tenants"]).files_hash() != tenants.files_hash()


def test_shards_partition_stably(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"t{i:02}.yaml").write_text(f"tenant: t{i:02}\nname: Tenant {i}\n")
    everything = load_tenants([tmp_path])
    shards = [everything.shard(k, 4) for k in range(1, 5)]
    slugs = [s.tenants for s in shards]
    assert sorted(t.slug for shard in slugs for t in shard) == [t.slug for t in everything.tenants]
    assert all(shard.tenants for shard in shards)
    for k, shard in enumerate(shards, start=1):
        assert all(shard_of(t.slug, 4) == k for t in shard.tenants)
        assert shard.files == tuple(sorted(t.source for t in shard.tenants))
    # A tenant's shard depends on its slug only: dropping others does not move it.
    (tmp_path / "t00.yaml").unlink()
    fewer = load_tenants([tmp_path])
    for k in range(1, 5):
        before = {t.slug for t in shards[k - 1].tenants} - {"t00"}
        assert {t.slug for t in fewer.shard(k, 4).tenants} == before
    assert everything.shard(1, 1).tenants == everything.tenants
    for k, n in ((0, 2), (3, 2), (1, 0)):
        with pytest.raises(ValueError):
            everything.shard(k, n)
