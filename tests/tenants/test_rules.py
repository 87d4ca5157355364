"""Cross-file rules beyond the corpus: all errors at once, no noise from incomplete input."""

from __future__ import annotations

from pathlib import Path

import pytest

from dezkysync.tenants import TenantFilesInvalid, load_tenants

ACME = """\
tenant: acme
name: Acme
domains:
  - {name: acme.example, primary: true}
members:
  - {email: alice@acme.example, name: Alice}
"""


def _errors(*paths: Path) -> list[str]:
    with pytest.raises(TenantFilesInvalid) as caught:
        load_tenants(list(paths))
    return [str(error) for error in caught.value.errors]


def test_errors_from_every_stage_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("tenant: a\nname: A\ndomains: [\n")  # syntax
    (tmp_path / "b.yaml").write_text(ACME + "other: 1\n")  # an unknown key
    (tmp_path / "c.yaml").write_text(
        ACME.replace("tenant: acme", "tenant: c").replace("acme.example", "ACME.example")
        + "  - {email: bob@acme.example, name: Bob, quota: 0B}\n"
    )
    errors = _errors(tmp_path)
    files = [e.split(":", 1)[0] for e in errors]
    assert files == sorted(files)
    assert {Path(f).name for f in files} == {"a.yaml", "b.yaml", "c.yaml"}
    assert any("YAML syntax error" in e for e in errors)
    assert any("already claimed by tenant acme" in e for e in errors)
    assert any("no space at all" in e for e in errors)


def test_unreadable_file_does_not_cause_unknown_domain_noise(tmp_path: Path) -> None:
    (tmp_path / "globex.yaml").write_text("tenant: globex\nname: [\n")
    (tmp_path / "acme.yaml").write_text(ACME + "  - {email: carol@globex.example}\n")
    errors = _errors(tmp_path)
    assert len(errors) == 1 and "globex.yaml" in errors[0] and "YAML syntax error" in errors[0]


def test_bad_domain_entry_does_not_cause_unknown_domain_noise(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(
        ACME.replace(
            "  - {name: acme.example, primary: true}",
            "  - {name: acme.example, primary: true}\n  - {nam: acme-mail.example}",
        )
        + "  - {email: bob@acme-mail.example, name: Bob}\n"
    )
    errors = _errors(tmp_path)
    assert all("no loaded tenant owns" not in e for e in errors)
    assert len(errors) == 2  # missing 'name' and the unknown key 'nam'


def test_same_guest_in_several_tenants_is_fine(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(ACME)
    for slug in ("b", "c"):
        (tmp_path / f"{slug}.yaml").write_text(
            f"tenant: {slug}\nname: {slug}\n"
            "members:\n  - {email: alice@acme.example, role: admin}\n"
        )
    tenants = load_tenants([tmp_path])
    assert [t.slug for t in tenants.tenants] == ["acme", "b", "c"]
    assert all(t.members[0].guest for t in tenants.tenants[1:])


def test_domains_without_mailboxes_need_no_primary(tmp_path: Path) -> None:
    (tmp_path / "parked.yaml").write_text(
        "tenant: parked\nname: Parked\ndomains: [{name: parked.example}, {name: parked2.example}]\n"
    )
    (tenant,) = load_tenants([tmp_path]).tenants
    assert tenant.primary_domain is None and len(tenant.domains) == 2


def test_list_needs_a_primary_domain_too(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "tenant: t\nname: T\ndomains: [{name: t.example}]\nlists: [{email: all@t.example}]\n"
    )
    (error,) = _errors(tmp_path)
    assert error.startswith(f"{tmp_path / 't.yaml'}:3:1: domains: no domain is primary")


def test_absent_tenant_keeps_its_domains_claimed(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(ACME + "state: absent\n")
    (tmp_path / "b.yaml").write_text("tenant: b\nname: B\ndomains: [{name: acme.example}]\n")
    (error,) = _errors(tmp_path)
    assert "already claimed by tenant acme" in error
    (tmp_path / "b.yaml").unlink()
    (acme,) = load_tenants([tmp_path]).tenants
    assert acme.state == "absent"


def test_recipients_may_be_aliases_lists_guests_or_outside(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text(
        ACME.replace("name: Alice}", "name: Alice, aliases: [info@acme.example]}")
        + "lists:\n  - {email: all@acme.example, recipients: [info@acme.example, team@acme.example,"
        " x@outside.example, alice@acme.example, Alice@ACME.example]}\n"
        "  - {email: team@acme.example}\n"
    )
    (tenant,) = load_tenants([tmp_path]).tenants
    assert tenant.lists[0].recipients == (
        "alice@acme.example",
        "info@acme.example",
        "team@acme.example",
        "x@outside.example",
    )
    assert tenant.lists[1].name is None and tenant.lists[1].recipients == ()
